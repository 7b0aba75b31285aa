"""The closed loop's components, started together and always stopped:

  webhook <- Alertmanager <- Prometheus "main"    (committed rules, time-scaled) -> exporter "main"
                          <- Prometheus "rollout" (the same rules)               -> exporter "rollout"
                          <- Prometheus "outage"  (the same rules)               -> exporter "outage"

Each pair runs its own incidents beside the others, so that none blinds another:
  * main: the traffic and the injected faults (the objective alerts, the SLO's fast burn);
  * rollout: the A/B rollout and its cache (the hit-rate and A/B alerts);
  * outage: the SLO's slow burn from start-up, a steady share of failures
    (`slow_burn_error_rate`) from before its rules load, so that its error history holds nothing
    but the burn; once that is proven and its rates have drained, the exporter stopped and
    restarted (TargetDown, MetricsAbsent).
Every exporter serves one seeded database.

The rollout exporter runs the A/B split (`ROLLOUT_SPLIT`) with its cache in a real Redis: one user
per strategy, found by asking it, gets steady background traffic from before the rules are loaded
(so the hit rate and the per-strategy p95 are defined and healthy when the first rule is evaluated)
until the rollout phase is over. The baseline (`naive`) gets
`BASELINE_LATENCY_SECONDS` injected meanwhile: on a loaded machine the optimised strategy's requests
queue behind the baseline's CPU-bound ones in the same process, and without a clear margin its p95
could pass the baseline's by noise, which is exactly what the A/B alert reports.

Prometheus starts without rules; they are loaded (`/-/reload`) only once its first scrape is in, so
`absent()` alerts never see the empty start-up TSDB and no first-scrape margin is needed.

Everything binds 127.0.0.1 on free ports; data lives in a temp dir; each component logs into one
folder (`logs`), which is kept when a test fails and named in every failure message.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests
import yaml

from exporter.config import default_config
from generator.model import Catalog
from tests.e2e.configs import alertmanager_loop_config, loop_rule_files, prometheus_config, scrape_job
from tests.e2e.prometheus_api import PrometheusAPI
from tests.e2e.proofs import Received
from tests.support.cli import OBSGEN_EXPORTER
from tests.support.exporter_server import seed
from tests.support.paths import REPO
from tests.support.ports import free_port
from tests.support.processes import ManagedProcess, wait_until
from tests.support.redis_server import RedisServer
from tests.e2e.traffic import Traffic
from tests.support.webhook import WebhookReceiver

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
DATASET = "small"
# The rollout's users: every tier, so that each strategy of the split gets one (see `rollout_tokens`).
ROLLOUT_DATASETS = ("small", "medium", "large", "very_large")
ROLLOUT_SPLIT = "cached=30,aggregate=20,naive=50"
ROLLOUT_STRATEGIES = ("aggregate", "cached", "naive")
WARM_HITS = 40  # hits behind the warm-up's one miss before the rules load: a 97 % hit rate
BASELINE_LATENCY_SECONDS = 0.15  # under the optimised strategy's injected 0.3 s, far under the 0.5 s objective
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


@dataclass
class Pair:
    """One exporter and the Prometheus scraping it."""
    name: str
    exporter_port: int
    prometheus_port: int
    exporter: ManagedProcess | None = None
    prometheus: ManagedProcess | None = None
    api: PrometheusAPI | None = None
    restarts: int = 0
    history: list[ManagedProcess] = field(default_factory=list)

    @property
    def exporter_url(self) -> str:
        return f"http://127.0.0.1:{self.exporter_port}"


class ClosedLoop:
    def __init__(self, catalog: Catalog, artifacts: Path, workdir: Path, logs: Path,
                 progress_sink: Callable[[str], None] | None = None, slow_burn_error_rate: float = 0.0):
        self.catalog, self.artifacts, self.workdir, self.logs = catalog, artifacts, workdir, logs
        logs.mkdir(parents=True, exist_ok=True)
        self.progress = Progress(logs, progress_sink)
        self.job, _ = scrape_job(catalog)
        self.token = f"token-{DATASET}"
        self.db = workdir / "ampel.db"
        self._stack = ExitStack()
        self.processes: list[ManagedProcess] = []
        self.alertmanager_url = ""
        self.webhook: WebhookReceiver | None = None
        self.main = Pair("main", free_port(), free_port())
        self.rollout = Pair("rollout", free_port(), free_port())
        self.outage = Pair("outage", free_port(), free_port())
        self.slow_burn_error_rate = slow_burn_error_rate
        self.slow_burn: Traffic | None = None
        self.slow_burn_started = 0.0  # time.monotonic() when the outage pair's failures began
        self.slow_burn_stopped = 0.0
        self.redis: RedisServer | None = None
        self.rollout_tokens: dict[str, str] = {}  # strategy -> the token of a user it serves
        self.rollout_traffic: list[Traffic] = []

    @property
    def pairs(self) -> tuple[Pair, ...]:
        return (self.main, self.rollout, self.outage)

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
        still = [f"{p.name} (pid {p.pid})" for p in self.processes if p.proc is not None and p.proc.returncode is None]
        if still:
            raise RuntimeError(f"still running after stop: {still}")
        self.progress("all components stopped")

    def _process(self, name: str, argv: list[str], cwd: Path | None = None) -> ManagedProcess:
        proc = ManagedProcess(name, argv, self.logs / f"{name}.log", cwd=cwd)
        self._stack.enter_context(proc)
        self.processes.append(proc)
        self.progress(f"{name} started (pid {proc.pid}), log {proc.log_path.name}")
        return proc

    def _start(self) -> None:
        self.progress(f"logs in {self.logs}; artifacts from {self.artifacts}")
        self.webhook = self._stack.enter_context(WebhookReceiver())
        am_port = free_port()
        self.alertmanager_url = f"http://127.0.0.1:{am_port}"
        alertmanager = self._start_alertmanager(am_port)
        for pair in self.pairs:  # no rules yet: loaded after the first scrape
            self._start_prometheus(pair, [])
        seed(self.db, ROLLOUT_DATASETS, self.logs / "seed.log")
        self.progress(f"seeded datasets {', '.join(ROLLOUT_DATASETS)} into {self.db}")
        self.redis = self._stack.enter_context(RedisServer(self.workdir / "redis"))
        self.processes.append(self.redis.proc)
        self.progress(f"redis started (pid {self.redis.proc.pid}) at {self.redis.url}")
        for pair in self.pairs:
            self.start_exporter(pair)
        alertmanager.wait_http_ok(f"{self.alertmanager_url}/-/ready", STARTUP_TIMEOUT)
        for pair in self.pairs:
            pair.prometheus.wait_http_ok(f"{pair.api.url}/-/ready", STARTUP_TIMEOUT)
            self.wait_exporter(pair)
        self._start_rollout_traffic()
        self._start_slow_burn()
        self.progress("alertmanager, every prometheus and every exporter ready; waiting for the first scrapes")
        for pair in self.pairs:
            wait_until(lambda: pair.api.scraped_up(self.job), STARTUP_TIMEOUT, interval=0.2,
                       what=f"prometheus {pair.name} to scrape job {self.job}")
        self.progress("first scrapes done; loading the committed rules (time-scaled)")
        self._load_rules()

    def _start_alertmanager(self, port: int) -> ManagedProcess:
        config = self.workdir / "alertmanager.yml"
        config.write_text(yaml.safe_dump(alertmanager_loop_config(self.artifacts, self.webhook.url), sort_keys=False))
        shutil.copy(config, self.logs / "alertmanager.yml")
        return self._process("alertmanager", [
            ALERTMANAGER, f"--config.file={config}", f"--storage.path={self.workdir / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=debug"])

    def _prometheus_config(self, pair: Pair, rule_files: list[str]) -> Path:
        config = self.workdir / f"prometheus-{pair.name}.yml"
        config.write_text(yaml.safe_dump(prometheus_config(
            self.catalog, f"127.0.0.1:{pair.exporter_port}", self.alertmanager_url.split("://", 1)[1], rule_files,
            {"prometheus": pair.name})))
        shutil.copy(config, self.logs / config.name)
        return config

    def _start_prometheus(self, pair: Pair, rule_files: list[str]) -> None:
        config = self._prometheus_config(pair, rule_files)
        pair.prometheus = self._process(f"prometheus-{pair.name}", [
            PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.workdir / ('tsdb-' + pair.name)}",
            f"--web.listen-address=127.0.0.1:{pair.prometheus_port}", "--web.enable-lifecycle"])
        pair.api = PrometheusAPI(f"http://127.0.0.1:{pair.prometheus_port}")

    def _load_rules(self) -> None:
        rules_dir = self.workdir / "rules"
        names = []
        for rel, text in loop_rule_files(self.artifacts).items():
            path = rules_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            names.append(str(path))
            (self.logs / "rules").mkdir(exist_ok=True)
            shutil.copy(path, self.logs / "rules" / path.name)
        for pair in self.pairs:
            self._prometheus_config(pair, names)
            pair.api.reload()
        for pair in self.pairs:
            wait_until(lambda: pair.api.rule_names() and pair.api.evaluated_groups() == len(names), STARTUP_TIMEOUT,
                       interval=0.2, what=f"prometheus {pair.name} to evaluate every rule group")
        self.progress(f"{len(names)} rule files loaded and evaluated")

    # -- exporters --------------------------------------------------------------------------------
    def _rollout_args(self, pair: Pair) -> list[str]:
        return ["--strategy-split", ROLLOUT_SPLIT, "--cache", self.redis.url] if pair is self.rollout else []

    def start_exporter(self, pair: Pair) -> None:
        suffix = f"-{pair.restarts}" if pair.restarts else ""
        proc = ManagedProcess(f"exporter-{pair.name}{suffix}", [
            str(OBSGEN_EXPORTER), "serve", "--db", str(self.db), "--host", "127.0.0.1", "--port", str(pair.exporter_port),
            "--catalog", str(self.catalog.path), "--enable-fault-injection", *self._rollout_args(pair)],
            self.logs / f"exporter-{pair.name}{suffix}.log", cwd=REPO)
        self._stack.enter_context(proc)
        self.processes.append(proc)
        pair.exporter = proc
        pair.history.append(proc)
        pair.restarts += 1

    def _start_rollout_traffic(self) -> None:
        """Ask the rollout exporter which strategy serves each user (the strategy label its
        observation lands under), then keep one user per strategy busy until `stop_rollout_traffic`."""
        url = self.rollout.exporter_url
        for name in ROLLOUT_DATASETS:
            token = f"token-{name}"
            before = _strategy_counts(url)
            requests.get(f"{url}{default_config().summary_path}", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).raise_for_status()
            grown = [s for s, n in _strategy_counts(url).items() if n > before.get(s, 0)]
            if len(grown) == 1:
                self.rollout_tokens.setdefault(grown[0], token)
        missing = sorted(set(ROLLOUT_STRATEGIES) - set(self.rollout_tokens))
        if missing:
            raise RuntimeError(f"no seeded user is served by {missing} under {ROLLOUT_SPLIT}: {self.rollout_tokens}")
        self.progress(f"rollout users: {self.rollout_tokens}")
        self.set_faults(BASELINE_LATENCY_SECONDS, pair=self.rollout, strategy="naive")
        for strategy, token in sorted(self.rollout_tokens.items()):
            self.rollout_traffic.append(self._stack.enter_context(
                Traffic(f"{url}{default_config().summary_path}", token, clients=1, pause=0.1)))
        # The probe's one miss must be a small share of the first rate windows the rules see.
        wait_until(lambda: _cache_hits(url) >= WARM_HITS, STARTUP_TIMEOUT, interval=0.2,
                   what=f"{WARM_HITS} cache hits on the rollout exporter")

    def _start_slow_burn(self) -> None:
        """The outage pair's steady traffic, failing `slow_burn_error_rate` of it (the exporter fails
        every n-th request, not at random), from before the rules load until `stop_slow_burn`."""
        if not self.slow_burn_error_rate:
            return
        self.set_faults(error_rate=self.slow_burn_error_rate, pair=self.outage)
        self.slow_burn_started = time.monotonic()
        self.slow_burn = self._stack.enter_context(
            Traffic(f"{self.outage.exporter_url}{default_config().summary_path}", self.token, clients=1, pause=0.002))

    def stop_slow_burn(self) -> None:
        """Stops the outage pair's traffic and failures; a second call does nothing."""
        if self.slow_burn is not None and not self.slow_burn.stopped:
            self.slow_burn.__exit__(None, None, None)
            self.slow_burn_stopped = time.monotonic()
            self.set_faults(pair=self.outage)
            self.progress("slow burn traffic stopped")

    def stop_rollout_traffic(self) -> None:
        for traffic in self.rollout_traffic:
            traffic.__exit__(None, None, None)
        self.progress("rollout traffic stopped")

    def wait_exporter(self, pair: Pair) -> None:
        pair.exporter.wait_http_ok(f"{pair.exporter_url}/readyz", STARTUP_TIMEOUT)

    def stop_exporter(self, pair: Pair) -> int | None:
        code = pair.exporter.stop()
        self.progress(f"exporter {pair.name} stopped (exit {code})")
        return code

    # -- helpers for the tests -------------------------------------------------------------------
    @property
    def summary_url(self) -> str:
        return f"{self.main.exporter_url}{default_config().summary_path}"

    def set_faults(self, latency_seconds: float = 0.0, error_rate: float = 0.0, pair: Pair | None = None,
                   strategy: str = "") -> None:
        pair = pair or self.main
        settings = {"latency_seconds": latency_seconds, "error_rate": error_rate}
        if strategy:
            settings["strategy"] = strategy
        response = requests.post(f"{pair.exporter_url}/-/faults", timeout=5, json=settings)
        response.raise_for_status()
        self.progress(f"faults set on {pair.name}: latency {latency_seconds:g}s, error rate {error_rate:g}"
                      + (f", strategy {strategy}" if strategy else ""))

    def alertmanager_alerts(self, alertname: str) -> list[dict]:
        return requests.get(f"{self.alertmanager_url}/api/v2/alerts", timeout=5,
                            params={"filter": f'alertname="{alertname}"'}).json()

    def notifications(self) -> list[Received]:
        with self.webhook._lock:
            return [Received(n.path, n.at, n.payload) for n in self.webhook.notifications]

    def alertmanager_status(self) -> dict:
        return requests.get(f"{self.alertmanager_url}/api/v2/status", timeout=5).json()

    def alertmanager_groups(self) -> list[dict]:
        return requests.get(f"{self.alertmanager_url}/api/v2/alerts/groups", timeout=5).json()

    def dead_processes(self) -> list[str]:
        """Every component that should be running and is not (a stopped-then-replaced exporter is not one)."""
        current = {id(p.exporter) for p in self.pairs}
        replaced = {id(p) for pair in self.pairs for p in pair.history} - current
        return [f"{p.name} exited {p.proc.returncode}" for p in self.processes
                if id(p) not in replaced and p.proc is not None and p.proc.poll() is not None]

    def dump_state(self) -> None:
        """Every Prometheus' alerts and rules and every webhook notification, into the logs folder."""
        for pair in self.pairs:
            try:
                (self.logs / f"prometheus-{pair.name}-alerts.json").write_text(json.dumps(pair.api.alerts(), indent=2))
                (self.logs / f"prometheus-{pair.name}-rules.json").write_text(json.dumps(pair.api.rule_health(), indent=2))
            except Exception as exc:  # Prometheus may be the component that failed
                (self.logs / f"prometheus-{pair.name}-state-error.txt").write_text(str(exc))
        if self.webhook is not None:
            (self.logs / "webhook.json").write_text(json.dumps(self.webhook.all_payloads(), indent=2))


def _strategy_counts(url: str) -> dict[str, float]:
    """Observations of the summary histogram per strategy label, from the exporter's /metrics."""
    out = {}
    for line in requests.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("ampel_dashboard_summary_duration_seconds_count{"):
            labels, value = line.rsplit(" ", 1)
            out[labels.split('strategy="', 1)[1].split('"', 1)[0]] = float(value)
    return out


def _cache_hits(url: str) -> float:
    for line in requests.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith('ampel_dashboard_cache_requests_total{result="hit"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
