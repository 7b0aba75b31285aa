"""SLO rules on the shared shop catalog: the recording scheme (short windows from the raw series once,
long windows from the recorded base rates), the alerts' labels, and generated promtool tests that
pass as generated and fail when a rule file is tampered with."""
from __future__ import annotations

import pytest

from generator import promtool
from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.slo_catalogs import write_catalog
from tests.support.project import edit, generated_project

ALERTS = "alerts/shop-api-slo-alerts.yaml"
RECORDING = "recording_rules/shop-api-slo-recording.yaml"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    source = write_catalog(tmp_path_factory.mktemp("src"))
    return source, generated_project(tmp_path_factory.mktemp("project"), (source,))


def _slo_tests(root):
    return sorted((root / rule_tests.FOLDER).glob("*-slo-*-test.yaml"))


def test_recording_scheme(project):
    source, _ = project
    rules = {r.record: r.expr for g in build_rule_groups(load_catalog(source)) for r in g.rules if r.record}
    raw = 'rate(http_requests_total{job="shop-api", code=~"5..", route="/pay"}'
    assert rules["job:slo_availability_errors:rate5m"] == (
        'sum by (job) (rate(http_requests_total{job="shop-api", route="/pay", code=~"5.."}[5m]))')
    assert rules["job:slo_availability_events:rate5m"] == 'sum by (job) (rate(http_requests_total{job="shop-api", route="/pay"}[5m]))'
    assert rules["job:slo_availability_errors:ratio_rate5m"] == (
        "job:slo_availability_errors:rate5m / job:slo_availability_events:rate5m")
    assert "[6h]" in rules["job:slo_availability_errors:ratio_rate6h"] and raw not in rules["job:slo_availability_errors:ratio_rate6h"]
    for window in ("1d", "28d"):  # a day and more: from the recorded 5m rates
        assert rules[f"job:slo_availability_errors:ratio_rate{window}"] == (
            f"sum_over_time(job:slo_availability_errors:rate5m[{window}]) / "
            f"sum_over_time(job:slo_availability_events:rate5m[{window}])")
    assert "job:slo_availability_errors:ratio_rate3d" not in rules  # its tier is disabled
    assert rules["job:slo_availability_error_budget:remaining_ratio28d"] == (
        "1 - job:slo_availability_errors:ratio_rate28d / 0.005")
    assert rules["job:slo_latency_errors:rate5m"] == (
        'sum by (job) (rate(shop_request_duration_seconds_count{job="shop-api", route="/pay"}[5m])) - '
        'sum by (job) (rate(shop_request_duration_seconds_bucket{job="shop-api", route="/pay", le="0.5"}[5m]))')


def test_alerts_per_tier_with_their_labels(project):
    source, _ = project
    alerts = {r.alert: r for g in build_rule_groups(load_catalog(source)) for r in g.rules if r.alert}
    assert sorted(a for a in alerts if a.startswith("Availability")) == [
        "AvailabilityBudgetBurn1d", "AvailabilityBudgetBurn1h", "AvailabilityBudgetBurn6h"]
    page = alerts["AvailabilityBudgetBurn1h"]
    assert page.expr == ("job:slo_availability_errors:ratio_rate1h > 0.05 and "
                         "job:slo_availability_errors:ratio_rate5m > 0.05")  # 10 x 0.5 %
    assert dict(page.labels) == {"severity": "critical", "team": "web", "slo": "availability", "slo_alert": "page",
                                 "long_window": "1h", "short_window": "5m", "burn_rate": "10"}
    assert dict(page.annotations)["runbook_url"] == "https://runbooks.example.com/shop/slo"
    ticket = alerts["LatencyBudgetBurn3d"]
    assert dict(ticket.labels)["severity"] == "warning" and dict(ticket.labels)["slo_alert"] == "ticket"
    assert dict(ticket.annotations)["runbook_url"] == "https://runbooks.example.com/shop/LatencyBudgetBurn"


def test_every_tier_has_its_cases(project):
    source, root = project
    names = []
    for path in _slo_tests(root):
        import yaml
        names += [t["name"] for t in yaml.safe_load(path.read_text())["tests"]]
    for alert, kind in [("AvailabilityBudgetBurn1h", "page"), ("AvailabilityBudgetBurn6h", "page"),
                        ("AvailabilityBudgetBurn1d", "ticket"), ("LatencyBudgetBurn3d", "ticket")]:
        mine = [n for n in names if n.startswith(alert + " ")]
        wanted = ["fires at 1.1 times", "stays quiet at 0.9 times", "stops once the short window recovers"]
        wanted += ["that no page catches"] if kind == "ticket" else []
        assert all(any(w in n for n in mine) for w in wanted), (alert, mine)
    assert rule_tests.plan_for(load_catalog(source)).untested == []


def test_generated_tests_pass(project):
    _, root = project
    assert promtool.test_rules(_slo_tests(root)) == []


TAMPERS = [
    # (what, file, old, new, a test name that must fail, the test file's evaluation interval)
    ("a page threshold", ALERTS, "ratio_rate1h > 0.05 and", "ratio_rate1h > 0.06 and", "AvailabilityBudgetBurn1h", "5m"),
    ("a long window", ALERTS, "expr: job:slo_availability_errors:ratio_rate6h >", "expr: job:slo_availability_errors:ratio_rate1h >",
     "AvailabilityBudgetBurn6h", "30m"),
    ("a short window", ALERTS, "ratio_rate1h > 0.05 and job:slo_availability_errors:ratio_rate5m",
     "ratio_rate1h > 0.05 and job:slo_availability_errors:ratio_rate1h", "stops once the short window recovers", "5m"),
    ("the error matcher", RECORDING, 'code=~"5.."}[5m]', 'code=~"[45].."}[5m]', "AvailabilityBudgetBurn1h", "5m"),
    ("the latency bucket", RECORDING, 'le="0.5"}[5m]', 'le="0.25"}[5m]', "LatencyBudgetBurn", "5m"),
    ("a long-window source", RECORDING, "sum_over_time(job:slo_availability_errors:rate5m[1d])",
     "sum_over_time(job:slo_availability_errors:rate5m[2h])", "AvailabilityBudgetBurn1d", "2h"),
    # the ticket tiers are evaluated once per short window (2h, 6h): their recorded long windows hold a
    # dozen evaluations, and each of these still fails
    ("a ticket's long window", ALERTS, "expr: job:slo_latency_errors:ratio_rate3d >", "expr: job:slo_latency_errors:ratio_rate1d >",
     "LatencyBudgetBurn3d", "6h"),
    ("a 3d source window", RECORDING, "sum_over_time(job:slo_latency_errors:rate5m[3d])",
     "sum_over_time(job:slo_latency_errors:rate5m[2d])", "LatencyBudgetBurn3d", "6h"),
    ("a ticket's short window", ALERTS, "ratio_rate1d > 0.015 and job:slo_availability_errors:ratio_rate2h",
     "ratio_rate1d > 0.015 and job:slo_availability_errors:ratio_rate1d", "stops once the short window recovers", "2h"),
    ("a ticket threshold, lowered", ALERTS, "ratio_rate3d > 0.01 and job:slo_latency_errors:ratio_rate6h > 0.01",
     "ratio_rate3d > 0.008 and job:slo_latency_errors:ratio_rate6h > 0.008", "stays quiet at 0.9 times", "6h"),
]


@pytest.mark.parametrize("what, rel, old, new, failing, interval", TAMPERS, ids=[t[0] for t in TAMPERS])
def test_a_tampered_rule_fails_its_generated_test(what, rel, old, new, failing, interval, tmp_path):
    source = write_catalog(tmp_path / "src")
    root = generated_project(tmp_path / "project", (source,))
    edit(root / rel, old, new)
    findings = promtool.test_rules([root / rule_tests.FOLDER / f"shop-api-slo-{interval}-test.yaml"])
    assert findings, what
    assert any(failing in f.message for f in findings), [f.message for f in findings][:5]


def test_alertmanager_inhibits_tickets_by_the_page_of_the_same_slo(project):
    import subprocess

    import yaml as _yaml
    _, root = project
    config = root / "alertmanager" / "alertmanager.yml"
    rules = _yaml.safe_load(config.read_text())["inhibit_rules"]
    assert {"source_matchers": ['slo_alert="page"'], "target_matchers": ['slo_alert="ticket"'],
            "equal": ["slo", "job", "team"]} in rules
    check = subprocess.run(["amtool", "check-config", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
