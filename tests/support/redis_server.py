"""A real redis-server for tests: 127.0.0.1, a free port, a temp dir, no persistence; always stopped.

    with RedisServer(tmp_path) as redis_server:
        url = redis_server.url            # redis://127.0.0.1:<port>/0
        redis_server.kill()               # SIGKILL mid-run (an outage)
        redis_server.start()              # back on the same port, empty
"""
from __future__ import annotations

import shutil
import signal
import socket
from pathlib import Path

from tests.support.ports import free_port
from tests.support.processes import ManagedProcess, wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 15


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.proc: ManagedProcess | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.starts += 1
        data = self.workdir / f"redis-{self.port}"
        data.mkdir(parents=True, exist_ok=True)
        self.proc = ManagedProcess(f"redis-{self.starts}", [
            REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(data),
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
            "--loglevel", "warning"], data / f"redis-{self.starts}.log")
        self.proc.start()
        wait_until(self._answers, START_TIMEOUT, interval=0.05, what=f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        self.proc.check_alive()
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")

    def kill(self) -> None:
        """SIGKILL: the server vanishes as in a crash, connections reset."""
        if self.proc is not None and self.proc.proc.poll() is None:
            self.proc.proc.send_signal(signal.SIGKILL)
            self.proc.proc.wait(10)
        self.stop()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
