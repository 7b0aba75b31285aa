"""The closed loop's components, started in order and always stopped:

  webhook receiver <- Alertmanager <- Prometheus (generated rules, time-scaled) -> exporter (seeded DB)

Everything binds 127.0.0.1 on free ports; data lives in a temp dir; each component logs into one
folder (`logs`), which is kept when a test fails and named in every failure message.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable

import requests
import yaml

from generator.model import Catalog
from tests.e2e.configs import alertmanager_loop_config, loop_rule_files, prometheus_config, scrape_job
from tests.e2e.prometheus_api import PrometheusAPI
from tests.support.exporter_server import seed, serve, wait_ready
from tests.support.paths import REPO
from tests.support.ports import free_port
from tests.support.processes import ManagedProcess, wait_until
from tests.support.webhook import WebhookReceiver

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
DATASET = "small"
STARTUP_TIMEOUT = 30


class Progress:
    """Timestamped progress lines, to `sink` (pytest's terminal, past output capture) and to the logs."""

    def __init__(self, logs: Path, sink: Callable[[str], None] | None = None):
        self.start = time.monotonic()
        self.file = logs / "progress.log"
        self.sink = sink or (lambda line: print(line, file=sys.stderr, flush=True))

    def __call__(self, message: str) -> None:
        line = f"[closed-loop {time.monotonic() - self.start:5.1f}s] {message}"
        with self.file.open("a") as out:
            out.write(line + "\n")
        self.sink(line)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


class ClosedLoop:
    def __init__(self, catalog: Catalog, workdir: Path, logs: Path, progress_sink: Callable[[str], None] | None = None):
        self.catalog, self.workdir, self.logs = catalog, workdir, logs
        logs.mkdir(parents=True, exist_ok=True)
        self.progress = Progress(logs, progress_sink)
        self.job, _ = scrape_job(catalog)
        self.token = f"token-{DATASET}"
        self._stack = ExitStack()
        self.processes: list[ManagedProcess] = []
        self.exporter_url = self.prometheus_url = self.alertmanager_url = ""
        self.webhook: WebhookReceiver | None = None
        self.prometheus: PrometheusAPI | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> "ClosedLoop":
        try:
            self._start()
        except BaseException as exc:
            self._stack.close()
            self.progress(f"start-up failed: {exc}")
            raise RuntimeError(f"closed loop failed to start: {exc}; component logs kept in {self.logs}") from exc
        return self

    def __exit__(self, *exc) -> None:
        self.progress("stopping every component")
        self._stack.close()
        for proc in self.processes:
            if proc.proc is not None and proc.proc.returncode is None:
                raise RuntimeError(f"{proc.name} (pid {proc.pid}) is still running")
        self.progress("all components stopped")

    def _process(self, name: str, argv: list[str], cwd: Path | None = None) -> ManagedProcess:
        proc = ManagedProcess(name, argv, self.logs / f"{name}.log", cwd=cwd)
        self._stack.enter_context(proc)
        self.processes.append(proc)
        self.progress(f"{name} started (pid {proc.pid}), log {proc.log_path.name}")
        return proc

    def _start(self) -> None:
        self.progress(f"logs in {self.logs}")
        self._start_exporter()
        self.webhook = self._stack.enter_context(WebhookReceiver())
        self.progress(f"webhook receiver listening on {self.webhook.url}")
        self._start_alertmanager()
        self._start_prometheus()

    def _start_exporter(self) -> None:
        db = self.workdir / "ampel.db"
        seed(db, (DATASET,), self.logs / "seed.log", catalog=REPO / self.catalog.path)
        self.progress(f"seeded dataset {DATASET!r} into {db}")
        exporter = serve(db, self.logs / "exporter.log", "--enable-fault-injection", catalog=REPO / self.catalog.path)
        self._stack.enter_context(exporter)
        self.processes.append(exporter)
        self.progress(f"exporter started (pid {exporter.pid}); waiting for its \"listening\" line and /readyz")
        self.exporter_url = wait_ready(exporter)
        self.progress(f"exporter ready at {self.exporter_url}")

    def _start_alertmanager(self) -> None:
        port = free_port()
        config = self.workdir / "alertmanager.yml"
        config.write_text(yaml.safe_dump(alertmanager_loop_config(self.catalog, self.webhook.url), sort_keys=False))
        shutil.copy(config, self.logs / "alertmanager.yml")
        storage = self.workdir / "alertmanager-data"
        proc = self._process("alertmanager", [
            ALERTMANAGER, f"--config.file={config}", f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=debug"])
        self.alertmanager_url = f"http://127.0.0.1:{port}"
        self.progress(f"waiting for alertmanager on port {port}")
        proc.wait_http_ok(f"{self.alertmanager_url}/-/ready", STARTUP_TIMEOUT)
        self.progress(f"alertmanager ready at {self.alertmanager_url}")

    def _start_prometheus(self) -> None:
        port = free_port()
        rules_dir = self.workdir / "rules"
        names = []
        for rel, text in loop_rule_files(self.catalog).items():
            path = rules_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            names.append(str(path))
            (self.logs / "rules").mkdir(exist_ok=True)
            shutil.copy(path, self.logs / "rules" / path.name)
        exporter_target = self.exporter_url.split("://", 1)[1]
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(self.catalog, exporter_target,
                                                           self.alertmanager_url.split("://", 1)[1], names)))
        shutil.copy(config, self.logs / "prometheus.yml")
        proc = self._process("prometheus", [
            PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}"])
        self.prometheus_url = f"http://127.0.0.1:{port}"
        self.prometheus = PrometheusAPI(self.prometheus_url)
        self.progress(f"waiting for prometheus on port {port}")
        proc.wait_http_ok(f"{self.prometheus_url}/-/ready", STARTUP_TIMEOUT)
        self.progress(f"prometheus ready at {self.prometheus_url}; waiting for its first scrape of {exporter_target}")
        wait_until(lambda: self.prometheus.scraped_up(self.job), STARTUP_TIMEOUT, interval=0.2,
                   what=f"prometheus to scrape job {self.job}")
        self.progress("first scrape done")

    # -- helpers for the tests -------------------------------------------------------------------
    @property
    def summary_url(self) -> str:
        return f"{self.exporter_url}{self.catalog.service.endpoint}"

    def set_faults(self, latency_seconds: float = 0.0, error_rate: float = 0.0) -> None:
        response = requests.post(f"{self.exporter_url}/-/faults", timeout=5,
                                 json={"latency_seconds": latency_seconds, "error_rate": error_rate})
        response.raise_for_status()
        self.progress(f"faults set: latency {latency_seconds:g}s, error rate {error_rate:g}")

    def check_alive(self) -> None:
        for proc in self.processes:
            proc.check_alive()

    def dump_state(self) -> None:
        """Prometheus' alerts and rules and every webhook notification, into the logs folder."""
        try:
            (self.logs / "prometheus-alerts.json").write_text(json.dumps(self.prometheus.alerts(), indent=2))
            (self.logs / "prometheus-rules.json").write_text(json.dumps(self.prometheus.rule_health(), indent=2))
        except Exception as exc:  # Prometheus may be the component that failed
            (self.logs / "prometheus-state-error.txt").write_text(str(exc))
        if self.webhook is not None:
            (self.logs / "webhook.json").write_text(json.dumps(self.webhook.all_payloads(), indent=2))
