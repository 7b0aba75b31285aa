"""Lint: the shipped catalogs are clean, each rule reports its defect at the catalog line of the item,
and a silence with a reason on the item drops exactly that rule."""
from __future__ import annotations

import json
from dataclasses import replace

from generator.validators.context import ValidationContext
from generator.validators.lint import RULES, lint
from tests.support.catalog_edit import by_rule, context_of, edited_catalog, line_containing
from tests.support.paths import AMPEL, CHECKOUT, REPO

TARGET_DOWN = """  - name: DashboardSummaryTargetDown
    expr: up{$selector} == 0
    for: 2m
    severity: critical
"""
BREAKDOWN_PANEL = "sum by (visibility) (rate(ampel_dashboard_breakdown_total{$selector}[$__rate_interval]))"
ERRORS_RECORDING = "sum by (job, error_type) (rate(ampel_dashboard_errors_total{$selector}[5m]))"


def _only(findings, rule):
    found = by_rule(findings, rule)
    assert len(found) == 1, [str(f) for f in findings]
    return found[0]


def test_shipped_catalogs_are_clean():
    assert lint(context_of(AMPEL, CHECKOUT, root=REPO)) == []


def test_every_rule_is_documented():
    doc = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule}`" in doc, rule


def test_alert_name_severity_and_for(tmp_path):
    path = edited_catalog(tmp_path, (TARGET_DOWN, TARGET_DOWN.replace("DashboardSummaryTargetDown", "dashboardSummaryTargetDown")
                                     .replace("for: 2m", "for: 0s").replace("critical", "urgent")))
    findings = lint(context_of(path))
    name = _only(findings, "alert-name-camelcase")
    assert name.line == line_containing(path, "- name: dashboardSummaryTargetDown")
    assert name.message == "alert name 'dashboardSummaryTargetDown' is not CamelCase (e.g. ServiceHighErrorRate)"
    severity = _only(findings, "alert-severity")
    assert severity.line == line_containing(path, "severity: urgent")
    assert severity.message == "severity 'urgent' is not one of critical, warning, info (service.severities)"
    for_ = _only(findings, "alert-for")
    assert for_.line == line_containing(path, "for: 0s") and for_.item == "dashboardSummaryTargetDown"


def test_missing_runbook_url(tmp_path):
    path = edited_catalog(tmp_path, (TARGET_DOWN, TARGET_DOWN + "    runbook_url: ''\n"))
    finding = _only(lint(context_of(path)), "alert-runbook-url")
    assert finding.line == line_containing(path, "runbook_url: ''")
    assert finding.item == "DashboardSummaryTargetDown" and finding.group == "ampel-dashboard-summary-alerts"
    assert finding.message == "missing runbook_url annotation: set runbook_url or service.runbook_base_url"
    assert str(finding).startswith(f"catalog/ampel.yaml:{finding.line}: error: alert-runbook-url "
                                   f"[DashboardSummaryTargetDown]: missing runbook_url")


def test_runbook_url_must_be_a_url_and_description_templated(tmp_path):
    path = edited_catalog(
        tmp_path,
        (TARGET_DOWN, TARGET_DOWN + "    runbook_url: see the wiki\n"),
        ("description: Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}.",
         "description: Prometheus cannot scrape the service."),
    )
    findings = lint(context_of(path))
    assert _only(findings, "alert-runbook-url").message == "runbook_url 'see the wiki' is not an http(s) URL"
    description = _only(findings, "alert-description-templated")
    assert description.line == line_containing(path, "description: Prometheus cannot scrape the service.")
    assert "uses no template" in description.message


def test_missing_summary_in_a_rule(tmp_path):
    ctx = context_of(edited_catalog(tmp_path))
    artifacts = ctx.per_catalog[0]
    groups = []
    for group in artifacts.groups:
        rules = tuple(replace(r, annotations=tuple((k, v) for k, v in r.annotations if k != "summary"))
                      if r.alert == "DashboardSummaryHighErrorRate" else r for r in group.rules)
        groups.append(replace(group, rules=rules))
    artifacts.groups = tuple(groups)
    finding = _only(lint(ctx), "alert-summary")
    assert finding.item == "DashboardSummaryHighErrorRate" and finding.message == "the alert has no summary annotation"


def test_recording_rule_name(tmp_path):
    path = edited_catalog(tmp_path, ("record: job_error_type:ampel_dashboard_errors:rate5m", "record: :ampel_dashboard_errors:rate5m"))
    finding = _only(lint(context_of(path)), "recording-rule-name")
    assert finding.line == line_containing(path, "record: :ampel_dashboard_errors:rate5m")
    assert finding.message == "recording rule ':ampel_dashboard_errors:rate5m' is not named level:metric:operations"


def test_rate_window_shorter_than_four_scrapes(tmp_path):
    path = edited_catalog(tmp_path, (ERRORS_RECORDING, ERRORS_RECORDING.replace("[5m]", "[45s]")))
    finding = _only(lint(context_of(path)), "rate-window")
    assert finding.line == line_containing(path, "[45s]")
    assert finding.message.startswith("rate() over [45s] covers fewer than 4 scrapes of 15s; use at least 1m")


def test_invalid_promql_in_a_dashboard(tmp_path):
    """The loader refuses such a catalog (tests/test_catalog_promql.py); a rendered dashboard whose
    query does not parse is still reported at the panel's catalog line."""
    path = edited_catalog(tmp_path)
    ctx = context_of(path)
    dashboard = ctx.per_catalog[0].dashboards["dashboards/ampel-dashboard-summary.json"]
    panel = next(p for p in dashboard["panels"] if p["title"] == "PR breakdown by visibility")
    panel["targets"][0]["expr"] = panel["targets"][0]["expr"].replace("sum by (visibility)", "sum by (visibility")
    finding = _only(lint(ctx), "dashboard-query-parses")
    assert finding.line == line_containing(path, BREAKDOWN_PANEL)
    assert finding.item == "PR breakdown by visibility" and finding.group == "ampel-dashboard-summary"
    assert finding.message.startswith("the query does not parse: 1:20: expected ',' or ')' in by()/without(), "
                                      "found '('")
    assert "(in dashboards/ampel-dashboard-summary.json)" in finding.message


def test_dashboard_queries_use_rate_interval(tmp_path):
    path = edited_catalog(tmp_path, (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("$__rate_interval", "$__interval")),
                          ("[$__rate_interval])))\n                legend: p99", "[5m])))\n                legend: p99"))
    findings = by_rule(lint(context_of(path)), "dashboard-rate-interval")
    assert sorted(f.line for f in findings) == sorted([line_containing(path, "[$__interval]"),
                                                       line_containing(path, "(0.99, sum by (le) (rate(ampel_dashboard_summary_duration_seconds_bucket{$selector}[5m])))")])
    assert any("rate() over [$__interval]: dashboard queries use [$__rate_interval]" in f.message for f in findings)


def test_panel_unit_and_description(tmp_path):
    path = edited_catalog(tmp_path, ("            unit: reqps\n            description: Summary requests per second, by status code.\n",
                                     "            unit: ''\n"))
    findings = lint(context_of(path))
    unit, description = _only(findings, "panel-unit"), _only(findings, "panel-description")
    assert unit.item == description.item == "Request rate"
    assert unit.line == line_containing(path, "unit: ''")
    assert description.line == line_containing(path, "- title: Request rate")
    assert unit.message == "panel 'Request rate' has no unit (in dashboards/ampel-dashboard-summary.json)"


def test_dashboard_uids_unique_across_catalogs(tmp_path):
    first = context_of(AMPEL, root=REPO)
    second = context_of(edited_catalog(tmp_path, ("name: ampel-dashboard-summary\n", "name: ampel-copy\n")))
    merged = ValidationContext(REPO, first.catalogs + second.catalogs, first.rendered,
                               first.per_catalog + second.per_catalog)
    finding = _only(lint(merged), "dashboard-uid-unique")
    assert finding.file == "catalog/ampel.yaml" and finding.line == line_containing(AMPEL, "uid: ampel-dashboard-summary")
    assert finding.message == f"dashboard uid 'ampel-dashboard-summary' is also used at catalog/ampel.yaml:{finding.line}"


def test_dashboard_uid_stable_against_the_committed_file(tmp_path):
    path = edited_catalog(tmp_path)
    committed = json.loads((REPO / "dashboards" / "ampel-dashboard-summary.json").read_text())
    committed["uid"] = "ampel-old-uid"
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "ampel-dashboard-summary.json").write_text(json.dumps(committed))
    finding = _only(lint(context_of(path, root=tmp_path)), "dashboard-uid-stable")
    assert finding.line == line_containing(path, "uid: ampel-dashboard-summary")
    assert "the committed dashboards/ampel-dashboard-summary.json has uid 'ampel-old-uid'" in finding.message


def test_silences_on_panel_dashboard_and_alert(tmp_path):
    path = edited_catalog(
        tmp_path,
        (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("$__rate_interval", "1m")),
        ("            stack: true\n            targets:\n              - expr: sum by (visibility)",
         "            stack: true\n            silence:\n              - {rule: dashboard-rate-interval, reason: a fixed "
         "minute matches the batch job}\n            targets:\n              - expr: sum by (visibility)"),
        (TARGET_DOWN, TARGET_DOWN.replace("critical", "page") + "    silence:\n      - {rule: alert-severity, "
                                                                "reason: pages through the legacy pager}\n"),
        ("tags: [ampel, generated]\n", "tags: [ampel, generated]\n    silence:\n      - {rule: panel-description, "
                                       "reason: descriptions live in the runbook}\n"),
        ("            description: Summary requests per second, by status code.\n", ""),
    )
    findings = lint(context_of(path))
    assert by_rule(findings, "dashboard-rate-interval") == []
    assert by_rule(findings, "alert-severity") == []
    assert by_rule(findings, "panel-description") == []
    assert findings == [], [str(f) for f in findings]
    unsilenced = edited_catalog(tmp_path / "plain", (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("$__rate_interval", "1m")))
    assert len(by_rule(lint(context_of(unsilenced)), "dashboard-rate-interval")) == 1


def test_a_silence_naming_an_unknown_rule_is_reported(tmp_path):
    path = edited_catalog(tmp_path, (TARGET_DOWN, TARGET_DOWN + "    silence:\n      - {rule: alert-sevrity, "
                                                              "reason: typo in the rule id here}\n"))
    finding = _only(lint(context_of(path)), "silence-unknown-rule")
    assert finding.severity == "warning"
    assert finding.line == line_containing(path, "rule: alert-sevrity")
    assert finding.message.startswith("silence of 'alert-sevrity' has no effect")
