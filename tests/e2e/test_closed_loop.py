"""The closed loop: traffic and k6 -> exporter -> Prometheus running the committed rule files ->
Alertmanager running the committed config -> webhook. Files are read from disk and time-scaled
(tests/e2e/configs.py, tests/e2e/time_scale.py); every expectation comes from the catalog
(tests/e2e/proofs.py), so a hand edit to a committed file that the catalog does not make fails here.

Two phases share one running loop:
  1. healthy: k6 plus a burst of 401s; every recording rule and every dashboard target returns data,
     the 401s would break the error objective if they counted, and nothing is pending or firing;
  2. incidents, concurrently, each on its own pair (tests/e2e/stack.py): injected latency and
     errors on the main exporter (the objective alerts); on the rollout exporter, invalidations that
     make its Redis cache useless (the hit-rate alert) and latency injected into the optimised
     strategy only (the A/B alert); the outage exporter stopped and restarted (the other free-form
     alerts), once its slow burn is over and its rates have drained. For every alert
     of the catalog: pending, then firing exactly `for` later, never before; resolving after
     recovery; notified to the receiver its route names, grouped by the route's group_by, repeated
     after the route's repeat_interval, both through the webhook's payloads and Alertmanager's API.
The SLO's burn-rate alerts (tests/e2e/slo_proofs.py): the faults phase's errors are its fast burn
(page notified, tickets inhibited), and the outage pair runs its slow burn from start-up, beside the
healthy phase (ticket notified, no page).
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import requests
import yaml

from generator.catalog import load_catalog
from generator.model import ErrorRatioObjective, LatencyObjective
from generator.loadtest.binary import K6_EXIT_THRESHOLDS
from generator.loadtest.runner import LoadTestResult, run_scenario
from tests.e2e.configs import (
    ALERTMANAGER_SCALE, EVAL_INTERVAL_SECONDS, RULE_SCALE, dashboard_targets, loop_rule_files,
)
from tests.e2e.stack import BASELINE_LATENCY_SECONDS
from tests.e2e.proofs import (
    REPEAT_MARGIN_SECONDS, RESOLVE_MARGIN_SECONDS, Timeline, check_fires_after_for, check_notifications,
    check_repeats, check_resolves_after_recovery, expectations, route_repeat_seconds,
)
from exporter.config import default_config
from tests.e2e.slo_proofs import FastBurn, SlowBurn, SlowBurnWatch, observe_fast_burn, slo_expectation
from tests.e2e.traffic import Traffic
from tests.support.paths import AMPEL, REPO
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e

LOOP_BUDGET_SECONDS = 60
HEALTHY_SCENARIO = "small_dataset"
FIRE_TIMEOUT = 30
# A repeat is waited for when it is due within this long after the first notification (the critical
# route's 1h, scaled to 6 s); longer repeat intervals (4h -> 24 s) are proven by their absence.
REPEAT_OBSERVED_UP_TO = 10.0

CATALOG = load_catalog(AMPEL)
# Free-form alerts of the rollout, fired on the rollout pair (tests/e2e/stack.py).
HIT_RATE_ALERT, STRATEGY_ALERT = "DashboardCacheHitRateLow", "DashboardSummaryOptimisedSlower"
ROLLOUT_TRIGGERS = {HIT_RATE_ALERT: "rollout", STRATEGY_ALERT: "rollout"}
# Latency injected into the optimised strategy: above the baseline's p95, below the latency objective.
OPTIMISED_LATENCY_SECONDS = 0.3
EXPECTED = {e.name: e for e in expectations(CATALOG, RULE_SCALE, ALERTMANAGER_SCALE, ROLLOUT_TRIGGERS)}
SLO = slo_expectation(CATALOG)
NAMES = sorted(EXPECTED)


def _run_k6(loop, name: str, **overrides) -> LoadTestResult:
    summary = loop.logs / f"k6-{name}-{int(time.monotonic() * 1000)}.json"
    loop.progress(f"k6 {name} started against {loop.main.exporter_url}")
    result = run_scenario(REPO / "k6" / f"{name}.js", loop.main.exporter_url, loop.token, summary, capture=True,
                          timeout=60, **overrides)
    (loop.logs / f"{summary.stem}.out").write_text(result.output)
    loop.progress(f"k6 {name} exited {result.returncode} ({result.verdict})")
    return result


def _records(loop) -> list[str]:
    return [r["record"] for text in loop_rule_files(loop.artifacts).values()
            for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "record" in r]


def _unexcluded_share(obj, catalog, window: float) -> str:
    """The objective's errors with its exclusions counted back in, over its requests: the share the
    401 burst would add if the error rule did not exclude them."""
    selector = catalog.service.selector_text
    counted_back = ", ".join([f'{k}="{v}"' for k, v in obj.errors.matchers]
                         + [f'{k}=~"{"|".join(vs)}"' for k, vs in obj.errors.exclude])
    total = ", ".join([selector] + [f'{k}="{v}"' for k, v in obj.total.matchers])
    return (f"sum(rate({obj.errors.metric}{{{selector}, {counted_back}}}[{window:g}s])) / "
            f"sum(rate({obj.total.metric}{{{total}}}[{window:g}s]))")


# --- phase 1: healthy ------------------------------------------------------------------------------

@dataclass
class Healthy:
    k6: LoadTestResult | None = None
    missing_records: list[str] = field(default_factory=list)
    empty_targets: list[str] = field(default_factory=list)
    targets: int = 0
    auth_shares: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the burst, share)
    burst_statuses: dict = field(default_factory=dict)
    active: set = field(default_factory=set)  # (prometheus, alert, state) ever seen
    notifications: int = 0
    unhealthy: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def slow_burn(loop) -> SlowBurnWatch:
    """The SLO's slow burn, watched on the outage pair from here on, beside the healthy phase; the
    outage phase waits for it to end, and its proof is read at the end (phase 3)."""
    with SlowBurnWatch(loop, SLO) as watch:
        yield watch


@pytest.fixture(scope="module")
def healthy(loop, slow_burn) -> Healthy:
    out = Healthy()
    records = _records(loop)
    targets = dashboard_targets(loop.artifacts)
    out.targets = len(targets)
    error_obj = next(o for o in CATALOG.objectives if isinstance(o, ErrorRatioObjective))
    error_alert = EXPECTED[error_obj.alert.name]
    share_expr = _unexcluded_share(error_obj, CATALOG, error_alert.window_seconds)
    # long enough for the error alert to fire twice over if the 401s counted
    at_least = error_alert.window_seconds + error_alert.for_seconds + 3
    with Traffic(loop.summary_url, "not-a-token", clients=1, pause=0.05) as burst, ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        k6 = pool.submit(_run_k6, loop, HEALTHY_SCENARIO, think_time=0.02)
        loop.progress(f"healthy phase: k6, a 401 burst; {len(records)} recording rules, {len(targets)} dashboard targets")
        missing, empty = list(records), [label for label, _ in targets]
        pairs = (loop.main, loop.rollout)  # the rollout's series come from the rollout pair
        while not k6.done() or time.monotonic() - started < at_least:
            missing = [r for r in missing if not any(p.api.finite_values(r) for p in pairs)]
            empty = [label for label, expr in targets
                     if label in empty and not any(p.api.finite_values(expr) for p in pairs)]
            shares = loop.main.api.finite_values(share_expr)
            if shares:
                out.auth_shares.append((time.monotonic() - started, shares[0]))
            for pair in (loop.main, loop.rollout):  # the outage pair is burning its SLO's budget
                out.active |= {(pair.name, a["labels"]["alertname"], a["state"]) for a in pair.api.alerts()}
            time.sleep(0.5)
        out.k6 = k6.result()
    out.missing_records, out.empty_targets, out.burst_statuses = missing, empty, dict(burst.statuses)
    for pair in (loop.main, loop.rollout):
        out.active |= {(pair.name, a["labels"]["alertname"], a["state"]) for a in pair.api.alerts()}
        out.unhealthy.update({f"{pair.name}: {n}": h for n, h in pair.api.rule_health().items() if not h.startswith("ok")})
    out.notifications = len([n for n in loop.notifications()  # the outage pair's are the slow burn's
                             if any(a["labels"].get("prometheus") != loop.outage.name for a in n.payload["alerts"])])
    loop.progress(f"healthy phase done: {len(out.auth_shares)} samples of the 401 share, alerts seen {sorted(out.active)}")
    return out


def test_healthy_every_recording_rule_returns_a_value(healthy, loop):
    assert healthy.missing_records == [], f"recording rules without a value: {healthy.missing_records}; logs: {loop.logs}"
    assert healthy.unhealthy == {}, f"rules failing to evaluate: {healthy.unhealthy}; logs: {loop.logs}"


def test_healthy_every_dashboard_target_returns_data(healthy, loop):
    assert healthy.targets >= 14
    assert healthy.empty_targets == [], f"dashboard targets without data: {healthy.empty_targets}; logs: {loop.logs}"


def test_healthy_a_401_burst_does_not_fire_the_error_alert(healthy, loop):
    objective = next(o for o in CATALOG.objectives if isinstance(o, ErrorRatioObjective))
    alert = EXPECTED[objective.alert.name]
    assert healthy.burst_statuses.get(401, 0) >= 20, healthy.burst_statuses
    # the 401s alone are far above the objective for longer than the alert's window plus its for...
    above = [t for t, share in healthy.auth_shares if share > objective.threshold]
    assert above and max(above) - min(above) >= alert.window_seconds + alert.for_seconds, healthy.auth_shares
    # ...and the error alert was never even pending
    assert not {a for a in healthy.active if a[1] == alert.name}, healthy.active


def test_healthy_nothing_pends_fires_or_notifies_and_k6_passes(healthy, loop):
    assert healthy.active == set(), f"alerts active under healthy load: {healthy.active}; logs: {loop.logs}"
    assert healthy.notifications == 0, f"notifications under healthy load; logs: {loop.logs}"
    assert healthy.k6.returncode == 0, f"k6 exited {healthy.k6.returncode}: {healthy.k6.crossed}\n{healthy.k6.output}"
    assert healthy.k6.verdict == "PASS" and healthy.k6.report["requests"] > 0


# --- phase 2: incidents ----------------------------------------------------------------------------

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
            k6 = pool.submit(_run_k6, loop, HEALTHY_SCENARIO)
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


@pytest.fixture(scope="module")
def incidents(loop, healthy, slow_burn) -> dict[str, Phase]:
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


def _phase_of(incidents, loop, name) -> Phase:
    phase = next(p for p in incidents.values() if name in p.names)
    assert not phase.error, f"{phase.error}; logs: {loop.logs}"
    return phase


@pytest.mark.parametrize("name", NAMES)
def test_alert_pends_then_fires_after_its_catalog_for_never_before(incidents, loop, name):
    phase = _phase_of(incidents, loop, name)
    assert check_fires_after_for(phase.timelines[name], EXPECTED[name], EVAL_INTERVAL_SECONDS) == [], loop.logs


@pytest.mark.parametrize("name", NAMES)
def test_alert_resolves_after_recovery(incidents, loop, name):
    phase = _phase_of(incidents, loop, name)
    problems = check_resolves_after_recovery(phase.timelines[name], EXPECTED[name], EVAL_INTERVAL_SECONDS,
                                             phase.still_active[name])
    assert problems == [], loop.logs


@pytest.mark.parametrize("name", NAMES)
def test_alert_reaches_the_receiver_its_route_names_grouped_as_the_catalog_says(incidents, loop, name):
    _phase_of(incidents, loop, name)
    assert check_notifications(loop.notifications(), EXPECTED[name], loop.job) == [], loop.logs


@pytest.mark.parametrize("name", NAMES)
def test_alert_is_repeated_after_its_routes_repeat_interval(incidents, loop, name):
    _phase_of(incidents, loop, name)
    assert check_repeats(loop.notifications(), EXPECTED[name]) == [], loop.logs


@pytest.mark.parametrize("name", NAMES)
def test_alertmanager_api_routes_and_groups_as_the_catalog_says(incidents, loop, name):
    phase = _phase_of(incidents, loop, name)
    e = EXPECTED[name]
    config = yaml.safe_load(loop.alertmanager_status()["config"]["original"])
    assert config["route"]["group_by"] == list(CATALOG.alerting.group_by)
    assert route_repeat_seconds(config, e.receiver, e.labels["severity"]) == pytest.approx(e.repeat_seconds)
    groups = [g for g in phase.groups if any(a["labels"].get("alertname") == name for a in g["alerts"])]
    assert [g["receiver"]["name"] for g in groups] == [e.receiver], phase.groups
    assert set(groups[0]["labels"]) == set(e.group_by) and groups[0]["labels"]["alertname"] == name


def test_only_the_triggered_alerts_fired(incidents, loop):
    for phase in incidents.values():
        assert not phase.error, phase.error
        fired = {n: s for n, s in phase.others.items() if s.get("pending") or s.get("firing")}
        assert fired == {}, f"{phase.names} were triggered, but {sorted(fired)} fired too; logs: {loop.logs}"


def test_k6_sees_the_injected_faults(incidents, loop):
    result = incidents["faults"].k6
    assert result is not None, incidents["faults"].error
    assert result.returncode == K6_EXIT_THRESHOLDS, f"k6 exited {result.returncode}\n{result.output}"
    assert any(c.startswith("http_req_duration") for c in result.crossed), result.crossed


def test_every_component_survived_the_loop(incidents, loop):
    """Every component is still running (the outage exporter as its restarted copy). The wall time
    is printed against its budget, not asserted: a timed assertion would flake on a loaded machine."""
    assert loop.dead_processes() == [], f"components that died: {loop.dead_processes()}; logs: {loop.logs}"
    assert loop.outage.restarts == 2 and loop.outage.exporter.proc.poll() is None
    loop.progress(f"loop wall time {loop.progress.elapsed:.1f}s (budget {LOOP_BUDGET_SECONDS}s)")


# --- phase 3: SLO burn rates (tests/e2e/slo_proofs.py) ---------------------------------------------

@pytest.fixture(scope="module")
def slow(slow_burn, incidents) -> SlowBurn:
    return slow_burn.result()


def test_slo_fast_burn_pages_through_the_page_route(incidents, loop):
    fast = incidents["faults"].fast_burn
    assert fast is not None and not fast.error, (fast, loop.logs)
    assert fast.page_notified_to == [SLO.page_receiver], (fast, loop.logs)


def test_slo_page_inhibits_the_tickets_of_its_slo(incidents, loop):
    fast = incidents["faults"].fast_burn
    assert fast is not None and not fast.error, (fast, loop.logs)
    assert fast.tickets_firing == sorted(SLO.tickets), fast  # Prometheus fires them...
    assert all(fast.tickets_inhibited[t] for t in SLO.tickets), fast  # ...Alertmanager holds them back
    assert fast.tickets_notified_while_paged == [], fast


def test_slo_slow_burn_raises_a_ticket_and_no_page(slow, loop):
    assert not slow.error, (slow, loop.logs)
    assert SLO.slow_ticket in slow.tickets_firing, slow
    assert slow.ticket_routed_to == [SLO.ticket_receiver], slow
    assert slow.ticket_notified_to == [SLO.ticket_receiver], slow
    assert slow.ticket_inhibited_by == [], slow  # no page anywhere when it was routed
    assert slow.pages_seen == set(), slow
    # the exporter failed a share between the ticket's and the page's thresholds
    assert SLO.budget * 3 < slow.share < SLO.budget * 6, slow
