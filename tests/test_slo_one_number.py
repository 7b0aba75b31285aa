"""One number of an SLO changes every artifact it reaches: the target, a tier's factor and the
period each change the rules, the generated tests, the dashboard's thresholds and (the target and
the latency threshold) the k6 thresholds. Expected values are written out here."""
from __future__ import annotations

import json

import yaml

from generator.catalog import load_catalog
from generator.pipeline import render_all
from tests.support.paths import AMPEL

SLO_ALERTS = "alerts/ampel-dashboard-summary-slo-alerts.yaml"
SLO_RECORDING = "recording_rules/ampel-dashboard-summary-slo-recording.yaml"
SLO_DASHBOARD = "dashboards/ampel-dashboard-summary-slo.json"
FAST_TESTS = "tests/rules/ampel-dashboard-summary-slo-5m-test.yaml"


def _render(tmp_path, old: str = "", new: str = "") -> dict[str, str]:
    text = AMPEL.read_text()
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "ampel.yaml"
    path.write_text(text)
    return render_all([load_catalog(path)]).artifacts


def _alert(artifacts, name: str) -> dict:
    rules = yaml.safe_load(artifacts[SLO_ALERTS])["groups"][0]["rules"]
    return next(r for r in rules if r["alert"] == name)


def _record(artifacts, name: str) -> str:
    rules = yaml.safe_load(artifacts[SLO_RECORDING])["groups"][0]["rules"]
    return next(r["expr"] for r in rules if r["record"] == name)


def _panel(artifacts, title: str) -> dict:
    return next(p for p in json.loads(artifacts[SLO_DASHBOARD])["panels"] if p["title"] == title)


def _steps(panel: dict) -> list:
    return [s["value"] for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def _fires_case(artifacts, alert: str) -> dict:
    tests = yaml.safe_load(artifacts[FAST_TESTS])["tests"]
    return next(t for t in tests if t["name"].startswith(alert) and "fires at 1.1" in t["name"])


def _errors_step(case: dict) -> str:
    series = next(s for s in case["input_series"] if 'error_type="database"' in s["series"] and 'job="ampel-api"' in s["series"])
    return series["values"].split()[-1].split("+")[1].split("x")[0]


def _k6_failed(artifacts) -> list:
    return [json.loads(artifacts["k6/small_dataset.js"].split("export const options = ")[1].split(";\n")[0])
            ["thresholds"]["http_req_failed{scenario:small_dataset}"]]


def test_the_shipped_numbers(tmp_path):
    artifacts = _render(tmp_path)
    assert _alert(artifacts, "SummaryAvailabilityBudgetBurn1h")["expr"] == (
        "job:slo_summary_availability_errors:ratio_rate1h > 0.0144 and job:slo_summary_availability_errors:ratio_rate5m > 0.0144")
    assert _record(artifacts, "job:slo_summary_availability_error_budget:remaining_ratio30d") == (
        "1 - job:slo_summary_availability_errors:ratio_rate30d / 0.001")
    assert _record(artifacts, "job:slo_summary_availability_errors:ratio_rate30d") == (
        "sum_over_time(job:slo_summary_availability_errors:rate5m[30d]) / "
        "sum_over_time(job:slo_summary_availability_events:rate5m[30d])")
    assert _errors_step(_fires_case(artifacts, "SummaryAvailabilityBudgetBurn1h")) == "15.84"  # 1.1 x 14.4 x 0.1 % of 1000
    assert _steps(_panel(artifacts, "summary_availability: SLI over 30d")) == [None, 0.999]
    assert _steps(_panel(artifacts, "summary_availability: burn rate per window")) == [None, 1, 3, 6, 14.4]
    assert _k6_failed(artifacts) == [["rate<0.01", "rate<0.001"]]
    assert '"p(99)<500"' in artifacts["k6/small_dataset.js"]


def test_the_target_changes_rules_tests_dashboard_and_k6(tmp_path):
    artifacts = _render(tmp_path, "    target: 99.9\n", "    target: 99.5\n")
    assert _alert(artifacts, "SummaryAvailabilityBudgetBurn1h")["expr"].endswith("ratio_rate5m > 0.072")
    assert _record(artifacts, "job:slo_summary_availability_error_budget:remaining_ratio30d").endswith("/ 0.005")
    assert _errors_step(_fires_case(artifacts, "SummaryAvailabilityBudgetBurn1h")) == "79.2"
    assert _steps(_panel(artifacts, "summary_availability: SLI over 30d")) == [None, 0.995]
    assert _k6_failed(artifacts) == [["rate<0.01", "rate<0.005"]]


def test_a_tier_factor_changes_rules_tests_and_dashboard(tmp_path):
    old = "      total: {metric: http_requests_total, matchers: {path: /api/dashboard/summary}}\n"
    artifacts = _render(tmp_path, old, old + "    alerting:\n      tiers: [{long: 1h, factor: 10}]\n")
    alert = _alert(artifacts, "SummaryAvailabilityBudgetBurn1h")
    assert alert["expr"].endswith("ratio_rate5m > 0.01") and alert["labels"]["burn_rate"] == "10"
    case = _fires_case(artifacts, "SummaryAvailabilityBudgetBurn1h")
    assert _errors_step(case) == "11" and "at 10x" in case["name"]
    assert _steps(_panel(artifacts, "summary_availability: burn rate per window")) == [None, 1, 3, 6, 10]
    would_fire = _panel(artifacts, "summary_availability: alerts that would fire")["targets"][0]["expr"]
    assert "ratio_rate1h{job=~\"$job\"} > bool 0.01" in would_fire
    assert _k6_failed(artifacts) == [["rate<0.01", "rate<0.001"]]  # a factor is no load-test number


def test_the_period_changes_rules_tests_and_dashboard(tmp_path):
    old = "    target: 99.9\n    period: 30d\n"
    artifacts = _render(tmp_path, old, "    target: 99.9\n    period: 28d\n")
    assert _record(artifacts, "job:slo_summary_availability_errors:ratio_rate28d").startswith(
        "sum_over_time(job:slo_summary_availability_errors:rate5m[28d])")
    assert "job:slo_summary_availability_errors:ratio_rate30d" not in artifacts[SLO_RECORDING]
    description = _fires_case(artifacts, "SummaryAvailabilityBudgetBurn1h")["alert_rule_test"][1]["exp_alerts"][0][
        "exp_annotations"]["description"]
    assert "99.9 % / 28d objective. At this rate the budget lasts 1d22h40m." in description  # 28 d / 14.4
    assert _panel(artifacts, "summary_availability: SLI over 28d")["targets"][0]["expr"] == (
        '1 - job:slo_summary_availability_errors:ratio_rate28d{job=~"$job"}')


def test_the_latency_threshold_and_target_reach_k6(tmp_path):
    old = "    target: 99\n    period: 30d\n    latency: {metric: ampel_dashboard_summary_duration_seconds, threshold: 0.5}\n"
    artifacts = _render(tmp_path, old, old.replace("99\n", "99.5\n").replace("0.5}", "1.0}"))
    assert '"p(99.5)<1000"' in artifacts["k6/small_dataset.js"]
    assert 'le=~"1|1\\\\.0"' in _record(artifacts, "job:slo_summary_latency_errors:rate5m")
