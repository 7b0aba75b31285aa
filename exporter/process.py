"""Run `obsgen-exporter serve` as a child process: for tests, benchmarks and the closed loop.

    with ExporterProcess(db, log_path, "--strategy", "cached") as exporter:
        requests.get(exporter.url + "/healthz")

Binds 127.0.0.1 on a free port (the 'listening' log line tells which), and is always stopped
(SIGTERM, then SIGKILL after a grace period) when the block ends, even on failure.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path


class ExporterProcess:
    def __init__(self, db: str | Path, log_path: str | Path, *args: str, catalog: str | Path | None = None,
                 start_timeout: float = 15.0):
        self.db = Path(db)
        self.log_path = Path(log_path)
        self.args = args
        self.catalog = catalog
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.returncode: int | None = None

    def command(self) -> list[str]:
        cmd = [str(Path(sys.executable).parent / "obsgen-exporter"), "serve", "--db", str(self.db),
               "--host", "127.0.0.1", "--port", "0", *self.args]
        if self.catalog is not None:
            cmd += ["--catalog", str(self.catalog)]
        return cmd

    def start(self) -> "ExporterProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if record.get("message") == "listening":
                    self.url = record["url"]
                    return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"exporter exited with {self.proc.returncode}: {self.log_text()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"exporter did not start within {self.start_timeout}s: {self.log_text()}")

    def stop(self, grace: float = 10.0) -> int | None:
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        return self.returncode

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def records(self) -> list[dict]:
        """Every JSON log line written so far (other lines are skipped)."""
        out = []
        for line in self.log_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
        return out

    def __enter__(self) -> "ExporterProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

