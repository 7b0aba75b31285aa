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
from tests.support.catalog_builder import every_artifact
from tests.support.cli import obsgen
from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO
from tests.support.project import edit, generated_project

ALERTS = "alerts/shop-alerts.yaml"
RECORDING = "recording_rules/shop-recording.yaml"
DASHBOARD = "dashboards/shop.json"
TESTS = "tests/rules/shop-test.yaml"
HISTOGRAM = "shop_request_duration_seconds"


@pytest.fixture
def project(tmp_path):
    return generated_project(tmp_path, (every_artifact().write(tmp_path / "src"),))


def _line_with(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _found(result, check):
    return [f for f in result.findings if f.check == check]


def test_validate_passes_on_the_shipped_artifacts():
    """A subprocess smoke test: the installed console script on the repository, as CI runs it."""
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
    assert _line_with(project / RECORDING, "[10m]))") > 3  # not the header: a line inside the rules
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
    assert _found(validate(project, skip=("k6-archive",)), "promtool-test") == []
    edit(project / ALERTS, "ratio_rate5m > 0.01", "ratio_rate5m > 0.02")
    findings = _found(validate(project, skip=("k6-archive",)), "promtool-test")
    assert findings and {(f.rule, f.item, f.file) for f in findings} == {("alert-test-failed", "ShopHighErrorRate", TESTS)}
    lines = (project / TESTS).read_text().splitlines()
    for f in findings:
        assert lines[f.line - 1].startswith("- name: 'ShopHighErrorRate:")
        assert "exp:[" in f.message and "got:[]" in f.message


def test_invalid_promql_in_a_rule_file_through_promtool(project):
    edit(project / RECORDING, "sum by (job) (rate(shop_errors_total", "sum by (job) rate(shop_errors_total")
    findings = _found(validate(project, skip=("k6-archive",)), "promtool-check")
    line = _line_with(project / RECORDING, "sum by (job) rate(")
    assert [(f.rule, f.file, f.line, f.group, f.item) for f in findings] == [
        ("invalid-promql", RECORDING, line, "shop-recording", "job:shop_errors:rate5m")]
    assert "parse error" in findings[0].message


def test_invalid_promql_in_a_dashboard_query_through_promtool(project):
    edit(project / DASHBOARD, f"sum(rate({HISTOGRAM}_sum", f"sum(rate({HISTOGRAM}_sum)")
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
    text = run_obsgen("validate", "--root", str(project), "--skip", "k6-archive")
    assert text.returncode == 1
    assert f"\n{TESTS}\n  {TESTS}:" in text.stdout, "findings are grouped under their file"
    assert "validate FAILED" in text.stdout

    as_json = run_obsgen("validate", "--root", str(project), "--format", "json", "--skip", "k6-archive")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and report["errors"] >= 3  # stale alerts file + failing tests
    assert {f["check"] for f in report["findings"]} == {"fresh", "promtool-test"}

    out = project / "report.xml"
    junit = run_obsgen("validate", "--root", str(project), "--format", "junit", "-o", str(out), "--skip", "k6-archive")
    assert junit.returncode == 1 and "validate FAILED" in junit.stderr
    suites = ET.parse(out).getroot()
    by_name = {s.get("name"): s for s in suites}
    assert set(by_name) == set(STEP_NAMES)
    assert int(by_name["promtool-test"].get("failures")) >= 2
    assert by_name["k6-archive"].get("skipped") == "1"
    assert by_name["lint"].find("testcase").get("name") == "lint passed"


def test_invalid_catalog_exits_3_with_its_line(project):
    edit(project / "catalog/shop.yaml", "  for: 2m\n", "  for: 2 minutes\n")
    line = _line_with(project / "catalog/shop.yaml", "for: 2 minutes")
    result = run_obsgen("validate", "--root", str(project))
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"catalog/shop.yaml:{line}: error: catalog-schema/catalog-invalid [alerts[0].for]" in result.stdout


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
