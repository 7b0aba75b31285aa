"""The reference exporter as a test runs it: `obsgen-exporter seed` into a temp DB, then
`obsgen-exporter serve --port 0`.

`running_exporter` yields the base URL once /readyz answers, and always stops the server.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.support.cli import OBSGEN_EXPORTER
from tests.support.paths import AMPEL, REPO
from tests.support.processes import ManagedProcess, wait_until

STARTUP_TIMEOUT = 30


def seed(db: Path, datasets: tuple[str, ...], log: Path) -> None:
    argv = [str(OBSGEN_EXPORTER), "seed", "--db", str(db)]
    for name in datasets:
        argv += ["--dataset", name]
    with ManagedProcess("seed", argv, log, cwd=REPO) as proc:
        code = proc.proc.wait(STARTUP_TIMEOUT)
    if code != 0:
        raise RuntimeError(f"obsgen-exporter seed exited {code}: {proc.log_text()[-2000:]}")


def listening_url(proc: ManagedProcess) -> str | None:
    """The URL of the exporter's JSON "listening" log line, once it is there."""
    proc.check_alive()
    for line in proc.log_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == "listening" or record.get("msg") == "listening":
            return str(record["url"]).rstrip("/")
    return None


def serve(db: Path, log: Path, *extra: str, catalog: Path = AMPEL, env: dict | None = None) -> ManagedProcess:
    """An unstarted exporter process on a free port (use it as a context manager); `env` adds variables."""
    return ManagedProcess("exporter", [
        str(OBSGEN_EXPORTER), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", "0",
        "--catalog", str(catalog.relative_to(REPO)), *extra], log, cwd=REPO, env=env)


def wait_ready(proc: ManagedProcess) -> str:
    url = wait_until(lambda: listening_url(proc), STARTUP_TIMEOUT, what="the exporter's \"listening\" line")
    proc.wait_http_ok(f"{url}/readyz", STARTUP_TIMEOUT)
    return url


@contextmanager
def running_exporter(workdir: Path, datasets: tuple[str, ...] = ("small",), *extra: str) -> Iterator[str]:
    db = workdir / "exporter.db"
    seed(db, datasets, workdir / "seed.log")
    with serve(db, workdir / "exporter.log", *extra) as proc:
        yield wait_ready(proc)
