"""Run the `obsgen` command line in this process, as its console script does: same argument
parsing, same error guard (generator.cli.main), stdout and stderr captured apart. An exception that
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

    with CliRunner().isolation(env=env) as (out, err, _):
        saved, sys.argv = sys.argv, ["obsgen", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = saved
        return Ran(code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"))
