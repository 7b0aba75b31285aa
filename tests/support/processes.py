"""Child processes for tests: output to a log file, readiness polling, and a stop that always happens.

`ManagedProcess` is a context manager: leaving the block (normally or by an exception) sends
SIGTERM to the process it started, waits, and only then SIGKILLs it, by its own pid.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import requests

STOP_TIMEOUT_SECONDS = 10


class ProcessFailed(RuntimeError):
    pass


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `condition` until it returns something truthy; return it, or raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # a server not up yet refuses connections; keep polling
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}{detail}")
        time.sleep(interval)


class ManagedProcess:
    def __init__(self, name: str, argv: list[str], log_path: Path, cwd: Path | None = None, env: dict | None = None):
        self.name, self.argv, self.log_path, self.cwd = name, argv, log_path, cwd
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> "ManagedProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab", buffering=0)
        self._log.write(f"$ {' '.join(self.argv)}\n".encode())
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.cwd, env=self.env)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise ProcessFailed(f"{self.name} exited with code {self.proc.returncode}; see {self.log_path}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_http_ok(self, url: str, timeout: float) -> None:
        def ready() -> bool:
            self.check_alive()
            return requests.get(url, timeout=1).status_code == 200
        wait_until(ready, timeout, what=f"{self.name} at {url}")

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_SECONDS; returns the exit code."""
        if self.proc is None:
            return None
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(STOP_TIMEOUT_SECONDS)
            return self.proc.returncode
        finally:
            if self._log is not None:
                self._log.close()

    def __enter__(self) -> "ManagedProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
