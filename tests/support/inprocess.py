"""Run the `obsgen` (or `obsgen-exporter`) command line in this process, as its console script does:
same argument parsing, same error guard (generator.cli.common.run_guarded), stdout and stderr captured apart. An exception that
escapes the guard is not caught here: it fails the test, as a traceback would fail the user."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_obsgen(*args: str, env: dict[str, str | None] | None = None, cwd: Path | str | None = None) -> Ran:
    """`obsgen ARGS` with `env` set on top of os.environ (a None value unsets a variable), run in
    `cwd` (the working directory is restored afterwards)."""
    from generator.cli import main

    return _run(main, "obsgen", args, env, cwd)


def run_exporter(*args: str, env: dict[str, str | None] | None = None, cwd: Path | str | None = None) -> Ran:
    """`obsgen-exporter ARGS`, in this process like `run_obsgen`."""
    from exporter.cli import main

    return _run(main, "obsgen-exporter", args, env, cwd)


def _run(main, prog: str, args: tuple[str, ...], env: dict[str, str | None] | None,
         cwd: Path | str | None = None) -> Ran:
    with CliRunner().isolation(env=env) as (out, err, _):
        saved, sys.argv = sys.argv, [prog, *args]
        saved_cwd = os.getcwd()
        try:
            if cwd is not None:
                os.chdir(cwd)
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = saved
            os.chdir(saved_cwd)
        return Ran(code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"))
