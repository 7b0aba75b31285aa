"""`obsgen validate` end to end: passes on the shipped artifacts, and fails with a located, precise
finding on a stale file, a dashboard schema violation, a failing alert unit test and invalid PromQL
(in a rule and in a dashboard query, both through promtool). Exit codes and the three formats."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from generator.validators.findings import WARNING, Finding
from generator.validators.report import junit_report
from generator.validators.run import STEP_NAMES, Result, StepResult, validate
from tests.support.cli import obsgen
from tests.support.paths import AMPEL, REPO
from tests.support.project import edit, generated_project

ALERTS = "alerts/ampel-dashboard-summary-alerts.yaml"
RECORDING = "recording_rules/ampel-dashboard-summary-recording.yaml"
DASHBOARD = "dashboards/ampel-dashboard-summary.json"
TESTS = "tests/rules/ampel-dashboard-summary-test.yaml"


@pytest.fixture
def project(tmp_path):
    return generated_project(tmp_path, (AMPEL,))


def _line_with(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _found(result, check):
    return [f for f in result.findings if f.check == check]


def test_validate_passes_on_the_shipped_artifacts():
    result = obsgen("validate", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validate passed: 0 error(s)" in result.stdout
    for step in STEP_NAMES:
        assert step in result.stdout


def test_a_fresh_project_passes_every_step(project):
    result = validate(project)
    assert [s.name for s in result.steps] == STEP_NAMES
    assert result.findings == [] and not result.failed()


def test_stale_generated_file(project):
    edit(project / RECORDING, "[5m]))\n", "[10m]))\n")
    findings = _found(validate(project, skip=("k6-archive",)), "fresh")
    assert [(f.rule, f.file) for f in findings] == [("stale-file", RECORDING)]
    assert findings[0].line == _line_with(project / RECORDING, "[10m]))")
    assert "run `make generate`" in findings[0].message


def test_dashboard_schema_violation(project):
    dashboard = json.loads((project / DASHBOARD).read_text())
    dashboard["panels"][1]["options"]["orientation"] = "diagonal"
    (project / DASHBOARD).write_text(json.dumps(dashboard, indent=2))
    findings = _found(validate(project, skip=("k6-archive",)), "dashboard-schema")
    assert [(f.rule, f.file, f.item) for f in findings] == [("schema-violation", DASHBOARD, "panels[1].options.orientation")]
    assert "'diagonal' is not one of ['auto', 'vertical', 'horizontal']" in findings[0].message


def test_failing_alert_unit_test(project):
    edit(project / ALERTS, "ratio_rate5m > 0.01", "ratio_rate5m > 0.02")
    findings = _found(validate(project, skip=("k6-archive",)), "promtool-test")
    assert findings and {(f.rule, f.item, f.file) for f in findings} == {("alert-test-failed", "DashboardSummaryHighErrorRate", TESTS)}
    lines = (project / TESTS).read_text().splitlines()
    for f in findings:
        assert lines[f.line - 1].startswith("- name: 'DashboardSummaryHighErrorRate:")
        assert "exp:[" in f.message and "got:[]" in f.message


def test_invalid_promql_in_a_rule_file_through_promtool(project):
    edit(project / RECORDING, "sum by (job) (rate(ampel_dashboard_errors_total", "sum by (job) rate(ampel_dashboard_errors_total")
    findings = _found(validate(project, skip=("k6-archive",)), "promtool-check")
    line = _line_with(project / RECORDING, "sum by (job) rate(")
    assert [(f.rule, f.file, f.line, f.group, f.item) for f in findings] == [
        ("invalid-promql", RECORDING, line, "ampel-dashboard-summary-recording", "job:ampel_dashboard_errors:rate5m")]
    assert "parse error" in findings[0].message


def test_invalid_promql_in_a_dashboard_query_through_promtool(project):
    edit(project / DASHBOARD, "sum(rate(ampel_dashboard_summary_duration_seconds_sum", "sum(rate(ampel_dashboard_summary_duration_seconds_sum)")
    findings = _found(validate(project, skip=("k6-archive",)), "promtool-check")
    assert [(f.rule, f.file, f.item) for f in findings] == [
        ("dashboard-query-invalid", DASHBOARD, "Average response time (target A)")]
    assert findings[0].message.startswith("Prometheus rejects the query: could not parse expression")


def test_dashboard_variables_are_substituted_before_promtool(project):
    text = (project / DASHBOARD).read_text()
    assert "$__rate_interval" in text  # the queries checked above do use Grafana variables
    assert _found(validate(project, skip=("k6-archive",)), "promtool-check") == []


def test_cli_exit_codes_and_formats(project):
    edit(project / ALERTS, "ratio_rate5m > 0.01", "ratio_rate5m > 0.02")
    text = obsgen("validate", "--root", str(project), "--skip", "k6-archive", cwd=REPO)
    assert text.returncode == 1
    assert f"\n{TESTS}\n  {TESTS}:" in text.stdout, "findings are grouped under their file"
    assert "validate FAILED" in text.stdout

    as_json = obsgen("validate", "--root", str(project), "--format", "json", "--skip", "k6-archive", cwd=REPO)
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and report["errors"] >= 3  # stale alerts file + failing tests
    assert {f["check"] for f in report["findings"]} == {"fresh", "promtool-test"}

    out = project / "report.xml"
    junit = obsgen("validate", "--root", str(project), "--format", "junit", "-o", str(out), "--skip", "k6-archive", cwd=REPO)
    assert junit.returncode == 1 and "validate FAILED" in junit.stderr
    suites = ET.parse(out).getroot()
    by_name = {s.get("name"): s for s in suites}
    assert set(by_name) == set(STEP_NAMES)
    assert int(by_name["promtool-test"].get("failures")) >= 2
    assert by_name["k6-archive"].get("skipped") == "1"
    assert by_name["lint"].find("testcase").get("name") == "lint passed"


def test_invalid_catalog_exits_3_with_its_line(project):
    edit(project / "catalog/ampel.yaml", "    for: 2m\n", "    for: 2 minutes\n")
    result = obsgen("validate", "--root", str(project), cwd=REPO)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "catalog/ampel.yaml:" in result.stdout and "catalog-schema/catalog-invalid [alerts[0].for]" in result.stdout


def test_missing_promtool_exits_4_with_the_install_hint(project):
    result = obsgen("validate", "--root", str(project), env={"PROMTOOL": "/nonexistent/promtool"}, cwd=REPO)
    assert result.returncode == 4
    assert "apt-get install prometheus" in result.stderr


def test_warnings_fail_only_when_asked():
    warning = Finding("lint", "example-warning", "a warning", "x.yaml", 3, WARNING)
    result = Result([StepResult("lint", [warning], 0.1)], 0.1)
    assert not result.failed("error") and result.failed("warning")
    passing = ET.fromstring(junit_report(result, "error").split("\n", 1)[1])
    assert passing.find("testsuite").get("failures") == "0"
    failing = ET.fromstring(junit_report(result, "warning").split("\n", 1)[1])
    assert failing.find("testsuite/testcase/failure").get("type") == "example-warning"
