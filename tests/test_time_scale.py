"""The closed loop's time-scaling transform changes durations and windows, and nothing else."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.e2e import time_scale
from tests.support.paths import REPO


@pytest.mark.parametrize("text, factor, out", [
    ("5m", 60, "5s"), ("3m", 60, "3s"), ("10m", 60, "10s"), ("30s", 60, "500ms"), ("1h30m", 60, "1m30s"),
    ("4h", 600, "24s"), ("1h", 600, "6s"), ("5m", 600, "500ms"), ("30s", 600, "50ms"), ("1d", 1, "1d"),
])
def test_durations(text, factor, out):
    assert time_scale.scale_duration(text, factor) == out


def test_a_duration_below_a_millisecond_is_refused():
    with pytest.raises(ValueError, match="below 1ms"):
        time_scale.scale_duration("15s", 60000)
    with pytest.raises(ValueError, match="not a duration"):
        time_scale.scale_duration("5 minutes", 60)


@pytest.mark.parametrize("expr, out", [
    ("rate(x[5m])", "rate(x[5s])"),
    ("max_over_time(rate(x[5m])[1h:5m])", "max_over_time(rate(x[5s])[1m:5s])"),
    ("max_over_time(x[30m:])", "max_over_time(x[30s:])"),
    ("rate(x[5m] offset 1h) > 0.5", "rate(x[5s] offset 1m) > 0.5"),
    ("sum by (job, le) (rate(x{job=\"a\"}[5m]))", "sum by (job, le) (rate(x{job=\"a\"}[5s]))"),
    # label values that look like ranges or offsets are text, not durations
    ('x{window="[5m]", note="offset 5m"}', 'x{window="[5m]", note="offset 5m"}'),
    # no range: unchanged, thresholds included
    ("job:x:ratio_rate5m > 0.01", "job:x:ratio_rate5m > 0.01"),
    ("rate(x[$__rate_interval])", "rate(x[$__rate_interval])"),
])
def test_expressions(expr, out):
    assert time_scale.scale_expr(expr, 60) == out


def _rule_files():
    return sorted((REPO / "alerts").glob("*.yaml")) + sorted((REPO / "recording_rules").glob("*.yaml"))


def _without_durations(document: dict) -> dict:
    """The rule document with every scaled field blanked out."""
    out = json.loads(json.dumps(document))
    for group in out["groups"]:
        group.pop("interval", None)
        for rule in group["rules"]:
            rule["expr"] = time_scale._RANGE.sub("[R]", rule["expr"])
            for key in time_scale.RULE_DURATIONS:
                rule.pop(key, None)
    return out


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: p.name)
def test_committed_rule_files_keep_everything_but_durations(path):
    document = yaml.safe_load(path.read_text())
    scaled = time_scale.scale_rule_document(document, 60)
    assert _without_durations(scaled) == _without_durations(document)
    assert scaled != document or not any("[" in r["expr"] or "for" in r for g in document["groups"] for r in g["rules"])
    assert yaml.safe_load(path.read_text()) == document, "the input is not modified"


def test_committed_alert_rules_scaled_by_60():
    document = yaml.safe_load((REPO / "alerts/ampel-dashboard-summary-alerts.yaml").read_text())
    scaled = {r["alert"]: r for r in time_scale.scale_rule_document(document, 60)["groups"][0]["rules"]}
    assert {name: r["for"] for name, r in scaled.items()} == {
        "DashboardSummarySlowResponse": "5s", "DashboardSummaryHighErrorRate": "3s",
        "DashboardSummaryTargetDown": "2s", "DashboardSummaryMetricsAbsent": "10s",
        "DashboardCacheHitRateLow": "10s", "DashboardSummaryOptimisedSlower": "10s"}
    assert scaled["DashboardSummaryHighErrorRate"]["expr"] == "job:ampel_dashboard_errors:ratio_rate5m > 0.01"
    assert scaled["DashboardSummarySlowResponse"]["annotations"]["description"].endswith("objective for 5m.")


def test_committed_recording_rules_scaled_by_60():
    document = yaml.safe_load((REPO / "recording_rules/ampel-dashboard-summary-recording.yaml").read_text())
    exprs = [r["expr"] for r in time_scale.scale_rule_document(document, 60)["groups"][0]["rules"]]
    assert exprs[0] == 'sum by (job, le) (rate(ampel_dashboard_summary_duration_seconds_bucket{job="ampel-api"}[5s]))'
    assert not any("[5m]" in e for e in exprs)


def test_group_interval_and_keep_firing_for_are_scaled():
    document = {"groups": [{"name": "g", "interval": "1m", "rules": [
        {"alert": "A", "expr": "rate(x[10m]) > 1", "for": "5m", "keep_firing_for": "2m",
         "labels": {"window": "10m"}, "annotations": {"summary": "for 5m"}}]}]}
    (group,) = time_scale.scale_rule_document(document, 60)["groups"]
    assert group == {"name": "g", "interval": "1s", "rules": [
        {"alert": "A", "expr": "rate(x[10s]) > 1", "for": "5s", "keep_firing_for": "2s",
         "labels": {"window": "10m"}, "annotations": {"summary": "for 5m"}}]}


def test_committed_alertmanager_config_scales_only_its_timers():
    document = yaml.safe_load((REPO / "alertmanager/alertmanager.yml").read_text())
    scaled = time_scale.scale_alertmanager_document(document, 600)
    assert scaled["global"] == {"resolve_timeout": "500ms"}
    route = scaled["route"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("50ms", "500ms", "24s")
    (subtree,) = route["routes"]  # the shipped catalog's subtree
    assert (subtree["group_wait"], subtree["group_interval"], subtree["repeat_interval"]) == ("50ms", "500ms", "24s")
    assert [(r["receiver"], r.get("repeat_interval")) for r in subtree["routes"]] == [
        ("pagerduty-backend", "6s"), ("slack-backend", None)]
    assert route["group_by"] == ["alertname", "job"]
    assert scaled["receivers"] == document["receivers"]

    def without_timers(node: dict) -> dict:
        return {k: ([without_timers(c) for c in v] if k == "routes" else v) for k, v in node.items()
                if k not in ("group_wait", "group_interval", "repeat_interval")}

    route, document["route"] = without_timers(route), without_timers(document["route"])
    assert route == document["route"]


def test_committed_dashboards_scale_ranges_in_targets_only():
    for path in sorted((REPO / "dashboards").glob("*.json")):
        document = json.loads(path.read_text())
        scaled = time_scale.scale_dashboard(document, 60)
        assert scaled == document  # the shipped dashboards only use $__rate_interval and recorded series
    nested = {"panels": [{"type": "row", "panels": [{"targets": [{"expr": "increase(x[1h])", "refId": "A"}]}]}]}
    assert time_scale.scale_dashboard(nested, 60)["panels"][0]["panels"][0]["targets"] == [
        {"expr": "increase(x[1m])", "refId": "A"}]
