"""Run the `obsgen` (or `obsgen-exporter`) command line in this process, as its console script does:
same argument parsing, same error guard (generator.cli.common.run_guarded), stdout and stderr captured apart. An exception that
escapes the guard is not caught here: it fails the test, as a traceback would fail the user."""
from __future__ import annotations

import sys
from dataclasses import dataclass

from click.testing import CliRunner


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_obsgen(*args: str, env: dict[str, str | None] | None = None) -> Ran:
    """`obsgen ARGS` with `env` set on top of os.environ (a None value unsets a variable)."""
    from generator.cli import main

    return _run(main, "obsgen", args, env)


def run_exporter(*args: str, env: dict[str, str | None] | None = None) -> Ran:
    """`obsgen-exporter ARGS`, in this process like `run_obsgen`."""
    from exporter.cli import main

    return _run(main, "obsgen-exporter", args, env)


def _run(main, prog: str, args: tuple[str, ...], env: dict[str, str | None] | None) -> Ran:
    with CliRunner().isolation(env=env) as (out, err, _):
        saved, sys.argv = sys.argv, [prog, *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = saved
        return Ran(code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"))
