"""The closed loop: k6 load -> exporter -> Prometheus with the generated rules -> Alertmanager with
the generated routes -> webhook. Rules run in the time-scaled profile (see tests/e2e/configs.py);
the promtool unit tests cover their full-length behaviour.

The tests share one running loop and run in file order: healthy first (nothing may have fired),
then injected latency, then injected errors, then every dashboard panel against the live data.
"""
from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from generator.build.rules import build_rule_groups
from generator.loadtest.binary import K6_EXIT_THRESHOLDS
from generator.loadtest.runner import run_scenario
from generator.renderers import dashboards as dashboard_renderer
from tests.e2e.configs import TIME_SCALE, substitute_grafana_variables
from tests.e2e.traffic import Traffic
from tests.support.paths import REPO
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e

LOOP_BUDGET_SECONDS = 60
HEALTHY_SCENARIO = "small_dataset"


def _rules(loop, kind: str):
    return [r for g in build_rule_groups(loop.catalog, scale=TIME_SCALE) if g.kind == kind for r in g.rules]


def _alert_rule(loop, name: str):
    return next(r for r in _rules(loop, "alerts") if r.alert == name)


def _objective_alert(loop, kind: str) -> str:
    return next(o.alert.name for o in loop.catalog.objectives if o.kind == kind)


def _run_k6(loop, name: str, **overrides):
    summary = loop.logs / f"k6-{name}-{int(time.monotonic() * 1000)}.json"
    loop.progress(f"k6 {name} started against {loop.exporter_url}")
    result = run_scenario(REPO / "k6" / f"{name}.js", loop.exporter_url, loop.token, summary, capture=True,
                          timeout=60, **overrides)
    (loop.logs / f"{summary.stem}.out").write_text(result.output)
    loop.progress(f"k6 {name} exited {result.returncode} ({result.verdict})")
    return result


def _watch_states(loop, name: str, stop: threading.Event, seen: list[str]) -> None:
    while not stop.is_set():
        for state in sorted(loop.prometheus.alert_states(name)):
            if not seen or seen[-1] != state:
                seen.append(state)
        stop.wait(0.2)


def _assert_notification(loop, name: str) -> None:
    """The alert reached the receiver the catalog routes its severity to, with the catalog's text."""
    rule = _alert_rule(loop, name)
    labels = dict(rule.labels)
    expected_receiver = loop.catalog.alerting.receiver_for(labels["severity"])
    loop.progress(f"waiting for {name} at the webhook (receiver {expected_receiver})")
    received = wait_until(lambda: loop.webhook.received(name), 20, interval=0.2,
                          what=f"{name} notification at the webhook (logs: {loop.logs})")
    receiver, alert = received[0]
    assert receiver == expected_receiver, f"{name} went to {receiver}; logs: {loop.logs}"
    for key, value in labels.items():
        assert alert["labels"].get(key) == value, f"label {key} of {name}: {alert['labels']}; logs: {loop.logs}"
    assert alert["labels"]["job"] == loop.job
    annotations = dict(rule.annotations)
    assert set(alert["annotations"]) == set(annotations), f"{alert['annotations']}; logs: {loop.logs}"
    for key, template in annotations.items():
        fragments = [f for f in re.split(r"\{\{.*?\}\}", template) if f.strip()]
        for fragment in fragments:  # templated parts ({{ $value }}, {{ $labels.job }}) are filled in
            assert fragment in alert["annotations"][key], f"{key} of {name}: {alert['annotations'][key]!r}"
        assert "{{" not in alert["annotations"][key]
    loop.progress(f"{name} notified to {receiver} with the catalog's labels and annotations")


def test_healthy_load_records_every_rule_fires_nothing_and_k6_passes(loop):
    records = [r.record for r in _rules(loop, "recording")]
    with ThreadPoolExecutor(1) as pool:
        k6 = pool.submit(_run_k6, loop, HEALTHY_SCENARIO, think_time=0.02)
        loop.progress(f"waiting for all {len(records)} recording rules to return a value")
        missing = records
        deadline = time.monotonic() + 15
        while missing and time.monotonic() < deadline and not k6.done():
            missing = [r for r in records if not loop.prometheus.finite_values(r)]
            time.sleep(0.5)
        result = k6.result()
    assert not missing, f"recording rules without a value under load: {missing}; logs: {loop.logs}"
    loop.progress("every recording rule returned a value")
    unhealthy = {name: h for name, h in loop.prometheus.rule_health().items() if not h.startswith("ok")}
    assert not unhealthy, f"rules failing to evaluate: {unhealthy}; logs: {loop.logs}"
    assert result.returncode == 0, f"k6 exited {result.returncode}: {result.crossed}\n{result.output}"
    assert result.verdict == "PASS" and result.report["requests"] > 0
    active = [(a["labels"]["alertname"], a["state"]) for a in loop.prometheus.alerts()]
    assert active == [], f"alerts active under healthy load: {active}; logs: {loop.logs}"
    assert loop.prometheus.query('ALERTS{alertstate="firing"}') == []
    assert loop.webhook.all_payloads() == [], f"notifications under healthy load; logs: {loop.logs}"


def test_injected_latency_makes_the_slow_response_alert_pend_then_fire_and_notify(loop):
    name = _objective_alert(loop, "latency")
    objective = next(o for o in loop.catalog.objectives if o.kind == "latency")
    loop.set_faults(latency_seconds=round(objective.threshold * 1.4, 3))
    seen: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_states, args=(loop, name, stop, seen), daemon=True)
    try:
        with Traffic(loop.summary_url, loop.token, clients=3), ThreadPoolExecutor(1) as pool:
            watcher.start()
            k6 = pool.submit(_run_k6, loop, HEALTHY_SCENARIO)
            loop.progress(f"waiting for {name} to go pending, then firing")
            wait_until(lambda: "firing" in seen, 30, interval=0.2, what=f"{name} to fire (logs: {loop.logs})")
            loop.progress(f"{name} states seen: {' -> '.join(seen)}")
            _assert_notification(loop, name)
            result = k6.result()
    finally:
        stop.set()
        loop.set_faults()
    assert seen[:2] == ["pending", "firing"], f"{name} states: {seen}; logs: {loop.logs}"
    assert result.returncode == K6_EXIT_THRESHOLDS, f"k6 exited {result.returncode}\n{result.output}"
    assert any(c.startswith("http_req_duration") for c in result.crossed), result.crossed


def test_injected_errors_make_the_error_rate_alert_fire_and_notify(loop):
    name = _objective_alert(loop, "error_ratio")
    loop.set_faults(error_rate=0.5)
    try:
        with Traffic(loop.summary_url, loop.token, clients=2) as traffic:
            loop.progress(f"waiting for {name} to fire")
            wait_until(lambda: "firing" in loop.prometheus.alert_states(name), 30, interval=0.2,
                       what=f"{name} to fire (logs: {loop.logs})")
            _assert_notification(loop, name)
    finally:
        loop.set_faults()
    assert traffic.statuses.get(500, 0) > 0, traffic.statuses


def _panel_targets(loop):
    for rel, text in dashboard_renderer.render(loop.catalog).items():
        for panel in json.loads(text)["panels"]:
            for target in panel.get("targets", []):
                yield f"{rel} / {panel['title']} / {target['refId']}", substitute_grafana_variables(target["expr"])


def test_every_dashboard_panel_query_returns_data(loop):
    targets = list(_panel_targets(loop))
    assert len(targets) >= 10
    with Traffic(loop.summary_url, loop.token, clients=2):
        loop.progress(f"querying {len(targets)} panel targets until each returns data")
        empty = [t for t, _ in targets]
        deadline = time.monotonic() + 15
        while empty and time.monotonic() < deadline:
            empty = [label for label, expr in targets if not loop.prometheus.finite_values(expr)]
            if empty:
                time.sleep(0.5)
    assert not empty, f"panels without data: {empty}; logs: {loop.logs}"
    loop.progress("every panel query returned data")


def test_every_component_survived_the_loop(loop):
    """Every process is still up after the faults. The wall time is printed as a figure against its
    budget, not asserted: a timed assertion would flake on a loaded machine."""
    loop.check_alive()
    loop.progress(f"loop wall time {loop.progress.elapsed:.1f}s (budget {LOOP_BUDGET_SECONDS}s)")
