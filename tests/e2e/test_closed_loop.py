"""The closed loop: traffic and k6 -> exporter -> Prometheus running the committed rule files ->
Alertmanager running the committed config -> webhook. Files are read from disk and time-scaled
(tests/e2e/configs.py, tests/e2e/time_scale.py); every expectation comes from the catalog
(tests/e2e/proofs.py), so a hand edit to a committed file that the catalog does not make fails here.

Two phases share one running loop:
  1. healthy: k6 plus a burst of 401s; every recording rule and every dashboard target returns data,
     the 401s would break the error objective if they counted, and nothing is pending or firing;
  2. incidents (tests/e2e/incidents.py), concurrently, each on its own pair (tests/e2e/stack.py):
     injected latency and errors on the main exporter (the objective alerts); on the rollout exporter, invalidations that
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

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import yaml

from generator.loadtest.binary import K6_EXIT_THRESHOLDS
from generator.loadtest.runner import LoadTestResult
from generator.model import ErrorRatioObjective
from tests.e2e.configs import EVAL_INTERVAL_SECONDS, dashboard_targets, loop_rule_files
from tests.e2e.expected import CATALOG, EXPECTED, HEALTHY_SCENARIO, NAMES, SLO, run_k6
from tests.e2e.incidents import Phase, run_incidents
from tests.e2e.proofs import (
    check_fires_after_for, check_notifications, check_repeats, check_resolves_after_recovery, route_repeat_seconds,
)
from tests.e2e.slo_proofs import SlowBurn, SlowBurnWatch
from tests.e2e.traffic import Traffic

pytestmark = pytest.mark.e2e

LOOP_BUDGET_SECONDS = 60


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
        k6 = pool.submit(run_k6, loop, HEALTHY_SCENARIO, think_time=0.02)
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

@pytest.fixture(scope="module")
def incidents(loop, healthy, slow_burn) -> dict[str, Phase]:
    return run_incidents(loop, slow_burn)


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
