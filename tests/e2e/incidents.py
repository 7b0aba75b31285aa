"""Phase 2 of the closed loop, the incidents, each on its own pair and all at once
(tests/e2e/stack.py): injected latency and errors on the main exporter (the objective alerts, and
the SLO's fast burn), the rollout's incidents on the rollout exporter, and the outage exporter
stopped and restarted once its slow burn is over. Each phase records what the tests check:
timelines in Prometheus' evaluation time, Alertmanager's groups, the alerts that were not triggered.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from exporter.config import default_config
from generator.loadtest.runner import LoadTestResult
from generator.model import LatencyObjective
from tests.e2e.configs import EVAL_INTERVAL_SECONDS
from tests.e2e.expected import (
    CATALOG, EXPECTED, FIRE_TIMEOUT, HEALTHY_SCENARIO, NAMES, OPTIMISED_LATENCY_SECONDS, REPEAT_OBSERVED_UP_TO,
    SLO, run_k6,
)
from tests.e2e.proofs import REPEAT_MARGIN_SECONDS, RESOLVE_MARGIN_SECONDS, Timeline
from tests.e2e.slo_proofs import FastBurn, SlowBurnWatch, observe_fast_burn
from tests.e2e.stack import BASELINE_LATENCY_SECONDS
from tests.e2e.traffic import Traffic
from tests.support.processes import wait_until


@dataclass
class Phase:
    names: list[str]
    timelines: dict[str, Timeline] = field(default_factory=dict)
    still_active: dict[str, bool] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)  # Alertmanager's alert groups while all fired
    others: dict[str, dict] = field(default_factory=dict)  # ALERTS samples of the alerts not triggered
    k6: LoadTestResult | None = None
    error: str = ""
    fast_burn: FastBurn | None = None  # the SLO's burn-rate alerts during the faults


def _firing_and_notified(loop, pair, names) -> bool:
    states = {a["labels"]["alertname"]: a["state"] for a in pair.api.alerts()}
    received = loop.notifications()
    return all(states.get(n) == "firing" and any(
        a["labels"].get("alertname") == n and a["status"] == "firing" for r in received for a in r.payload["alerts"])
        for n in names)


def _await_firing(loop, pair, names) -> None:
    """Until every alert fired and was notified, or FIRE_TIMEOUT: an alert that cannot fire (a tampered
    rule) is named by its own checks, the others are still proven."""
    try:
        wait_until(lambda: _firing_and_notified(loop, pair, names), FIRE_TIMEOUT, interval=0.2,
                   what=f"{names} firing and notified")
    except TimeoutError as exc:
        loop.progress(f"{exc}; going on to recovery")


def _await_repeats(loop, names) -> None:
    """Keep the fault on until the alerts whose route repeats soon have been repeated once."""
    for name in names:
        e = EXPECTED[name]
        notified = any(a["labels"].get("alertname") == name for r in loop.notifications() for a in r.payload["alerts"])
        if e.repeat_seconds > REPEAT_OBSERVED_UP_TO or not notified:
            continue
        loop.progress(f"waiting for {name} to be repeated ({e.repeat_seconds:g}s repeat_interval)")
        try:
            wait_until(lambda: len([r for r in loop.notifications() if any(
                a["labels"].get("alertname") == name and a["status"] == "firing" for a in r.payload["alerts"])]) >= 2,
                e.repeat_seconds + e.group_interval_seconds + REPEAT_MARGIN_SECONDS + 1, interval=0.1,
                what=f"a repeated notification of {name}")
        except TimeoutError:
            pass  # check_repeats names it


def _await_resolution(loop, pair, names, phase: Phase) -> None:
    allowed = max(EXPECTED[n].window_seconds for n in names) + RESOLVE_MARGIN_SECONDS + EVAL_INTERVAL_SECONDS
    try:
        wait_until(lambda: not {a["labels"]["alertname"] for a in pair.api.alerts()} & set(names), allowed, interval=0.2,
                   what=f"{names} to resolve")
        wait_until(lambda: all(any(a["labels"].get("alertname") == n and a["status"] == "resolved"
                                   for r in loop.notifications() for a in r.payload["alerts"]) for n in names),
                   5, interval=0.1, what=f"resolved notifications of {names}")
    except TimeoutError:
        pass  # the checks say which one
    active = {a["labels"]["alertname"] for a in pair.api.alerts()}
    phase.still_active = {n: n in active for n in names}


def _timelines(loop, api, names, triggered: float, recovered: float, missed: int) -> dict[str, Timeline]:
    lookback = int(time.time() - triggered) + 30
    out = {}
    for name in names:
        samples = api.alert_samples(name, lookback)
        t = out[name] = Timeline(samples["pending"], samples["firing"], triggered, recovered, missed)
        if t.pending and t.firing:
            loop.progress(f"{name}: pending {min(t.pending) - triggered:.1f}s after the trigger, firing "
                          f"{min(t.firing) - min(t.pending):.3f}s later (for {EXPECTED[name].for_seconds:g}s), last firing "
                          f"{max(t.firing) - recovered:+.1f}s from recovery; {missed} missed evaluations")
    return out


def _faults(loop) -> Phase:
    phase = Phase([n for n in NAMES if EXPECTED[n].trigger in ("latency", "errors")])
    latency = next(o for o in CATALOG.objectives if isinstance(o, LatencyObjective))
    api = loop.main.api
    try:
        with Traffic(loop.summary_url, loop.token, clients=3) as traffic, ThreadPoolExecutor(1) as pool:
            time.sleep(1)  # rates of the healthy traffic exist before the fault
            missed = api.missed_evaluations()
            triggered = time.time()
            loop.set_faults(latency_seconds=round(latency.threshold * 1.4, 3), error_rate=0.5)
            k6 = pool.submit(run_k6, loop, HEALTHY_SCENARIO)
            loop.progress(f"faults: waiting for {phase.names} to pend, fire and be notified")
            _await_firing(loop, loop.main, phase.names)
            _await_repeats(loop, phase.names)
            phase.groups = loop.alertmanager_groups()
            phase.fast_burn = observe_fast_burn(loop, SLO)
            recovered = time.time()
            loop.set_faults()
            _await_resolution(loop, loop.main, phase.names, phase)
            phase.k6 = k6.result()
        assert traffic.statuses.get(500, 0) > 0, traffic.statuses
        phase.timelines = _timelines(loop, api, phase.names, triggered, recovered, api.missed_evaluations() - missed)
        phase.others = {n: api.alert_samples(n, int(time.time() - triggered) + 30) for n in NAMES if n not in phase.names}
    except Exception as exc:
        loop.set_faults()
        phase.error = f"{type(exc).__name__}: {exc}"
    loop.progress(f"faults phase done {phase.error}")
    return phase


def _outage(loop, slow_burn: SlowBurnWatch) -> Phase:
    """Once the slow burn on this pair is over and its rates have drained (no traffic), so that
    stopping the exporter proves only the alerts an outage fires."""
    phase = Phase([n for n in NAMES if EXPECTED[n].trigger == "outage"])
    api = loop.outage.api
    try:
        slow_burn.result()
        drained = loop.slow_burn_stopped + max(e.window_seconds for e in EXPECTED.values()) + EVAL_INTERVAL_SECONDS + 1
        time.sleep(max(0.0, drained - time.monotonic()))
        missed = api.missed_evaluations()
        triggered = time.time()
        loop.stop_exporter(loop.outage)
        loop.progress(f"outage: waiting for {phase.names} to pend, fire and be notified")
        _await_firing(loop, loop.outage, phase.names)
        _await_repeats(loop, phase.names)
        phase.groups = loop.alertmanager_groups()
        loop.start_exporter(loop.outage)
        loop.wait_exporter(loop.outage)
        recovered = time.time()
        loop.progress("outage: exporter back")
        _await_resolution(loop, loop.outage, phase.names, phase)
        phase.timelines = _timelines(loop, api, phase.names, triggered, recovered, api.missed_evaluations() - missed)
        # from the outage's trigger on: what the slow burn left on this pair is its own
        phase.others = {n: {state: [t for t in stamps if t >= triggered]
                            for state, stamps in api.alert_samples(n, int(time.time() - triggered) + 30).items()}
                        for n in NAMES if n not in phase.names}
    except Exception as exc:
        phase.error = f"{type(exc).__name__}: {exc}"
    loop.progress(f"outage phase done {phase.error}")
    return phase


class _Invalidations:
    """Every read preceded by an invalidation of the same user: no read can be a hit."""

    def __init__(self, loop, token: str, clients: int = 2):
        self.loop, self.token = loop, token
        self.invalidated = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        base = self.loop.rollout.exporter_url
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self.token}"
            while not self._stop.is_set():
                try:
                    if session.post(f"{base}/api/dashboard/invalidate", timeout=10).status_code == 200:
                        self.invalidated += 1
                    session.get(f"{base}{default_config().summary_path}", timeout=10)
                except requests.RequestException:
                    self._stop.wait(0.05)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(15)


def _rollout(loop) -> Phase:
    phase = Phase([n for n in NAMES if EXPECTED[n].trigger == "rollout"])
    api = loop.rollout.api
    try:
        missed = api.missed_evaluations()
        triggered = time.time()
        with _Invalidations(loop, loop.rollout_tokens["cached"]) as storm:
            loop.set_faults(OPTIMISED_LATENCY_SECONDS, pair=loop.rollout, strategy="aggregate")
            loop.progress(f"rollout: invalidating every read, aggregate slowed; waiting for {phase.names}")
            _await_firing(loop, loop.rollout, phase.names)
            phase.groups = loop.alertmanager_groups()
            recovered = time.time()
            loop.set_faults(BASELINE_LATENCY_SECONDS, pair=loop.rollout, strategy="naive")  # as in the healthy phase
        assert storm.invalidated > 0
        _await_resolution(loop, loop.rollout, phase.names, phase)
        phase.timelines = _timelines(loop, api, phase.names, triggered, recovered, api.missed_evaluations() - missed)
        phase.others = {n: api.alert_samples(n, int(time.time() - triggered) + 30) for n in NAMES if n not in phase.names}
    except Exception as exc:
        loop.set_faults(BASELINE_LATENCY_SECONDS, pair=loop.rollout, strategy="naive")
        phase.error = f"{type(exc).__name__}: {exc}"
    loop.stop_rollout_traffic()
    loop.progress(f"rollout phase done {phase.error}")
    return phase


def run_incidents(loop, slow_burn: SlowBurnWatch) -> dict[str, Phase]:
    """The three pairs' incidents at once; each phase's observations, by phase name."""
    with ThreadPoolExecutor(3) as pool:
        running = {"faults": pool.submit(_faults, loop), "rollout": pool.submit(_rollout, loop),
                   "outage": pool.submit(_outage, loop, slow_burn)}
        phases = {name: future.result() for name, future in running.items()}
    for name in NAMES:
        times = [(r.at, a["status"]) for r in loop.notifications() for a in r.payload["alerts"]
                 if a["labels"].get("alertname") == name]
        if times:
            first = times[0][0]
            loop.progress(f"{name} notifications: " + ", ".join(f"{status} +{at - first:.2f}s" for at, status in times))
    return phases
