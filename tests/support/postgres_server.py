"""A throw-away PostgreSQL server for tests and benchmarks: initdb in a temp dir, pg_ctl on a free port.

    with PostgresServer() as pg:
        pg.url   # postgresql://postgres@127.0.0.1:PORT/postgres
        pg.restart()

The cluster lives in a fresh directory under the system temp dir and is removed afterwards; the
server listens on 127.0.0.1 only (its Unix socket in the same directory) and trusts local
connections. PostgreSQL refuses to run as root: as root every command runs as the `postgres`
user (created by the Debian package), which then owns the directory. The server is always
stopped (`pg_ctl stop -m fast`, then SIGKILL of the postmaster pid it wrote) when the block ends.
Durability is off (fsync, synchronous_commit): a test cluster has nothing to keep.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.ports import free_port

START_TIMEOUT = 30


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or the cluster cannot be created or started."""


def bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them off PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable("PostgreSQL is not installed (apt-get install postgresql; scripts/bootstrap.sh does it)")


class PostgresServer:
    def __init__(self, port: int | None = None, settings: dict[str, str] | None = None):
        self.bin = bin_dir()
        self.port = port or free_port()
        self.settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                         "max_connections": "100", "shared_buffers": "128MB", **(settings or {})}
        self.root: Path | None = None
        self._user: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def dsn(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    # --- running commands as the cluster's owner -----------------------------------------------

    def _run(self, *argv: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess:
        kwargs = {"user": self._user} if self._user else {}
        env = {**os.environ, "LC_ALL": "C", "PGTZ": "UTC"}
        if self._user:
            env["HOME"] = str(self.root)
        result = subprocess.run([str(self.bin / argv[0]), *argv[1:]], capture_output=True, text=True,
                                timeout=timeout, cwd=self.root, env=env, **kwargs)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{argv[0]} exited {result.returncode}: {(result.stderr or result.stdout)[-2000:]}"
                                      f"\n{self.log_tail()}")
        return result

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except (OSError, TypeError):
            return ""

    def _options(self) -> str:
        opts = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}"]
        opts += [f"-c {k}={v}" for k, v in self.settings.items()]
        return " ".join(opts)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "PostgresServer":
        self.root = Path(tempfile.mkdtemp(prefix="obsgen-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root needs the 'postgres' user (the Debian package makes it)") from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._user = "postgres"
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync")
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log_path), "-w",
                  "-t", str(START_TIMEOUT), "-o", self._options())

    def _stop_server(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "20")
        except (PostgresUnavailable, subprocess.TimeoutExpired):
            pid = self._postmaster_pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _wait_gone(pid)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop_server(self) -> None:
        """Stop the server but keep the cluster (to start it again with `start_server`)."""
        self._stop_server()

    def start_server(self) -> None:
        self._start_server()

    def restart(self) -> None:
        self._stop_server()
        self._start_server()

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if self._postmaster_pid():
                self._stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.dsn(name)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
