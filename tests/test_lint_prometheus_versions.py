"""`--prometheus-version`: the function set follows the target, and the Prometheus 3 migration checks
(prom3-le-quantile-value, prom3-regex-dot-newline) say what changes and how to fix it."""
from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from generator.cli.prometheus_version import prometheus_version
from generator.validators.lint import lint
from tests.support.catalog_builder import CatalogBuilder, alert
from tests.support.catalog_edit import by_rule, context_of
from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

ALERT = """groups:
- name: g
  rules:
  - alert: ApiSomething
    expr: {expr}
    for: 5m
    labels: {{severity: warning}}
    annotations:
      summary: something
      description: "value {{{{ $value }}}}"
      runbook_url: https://runbooks.example.org/api
"""


def _lint(tmp_path, monkeypatch, expr: str, *args: str) -> tuple[int, list[dict]]:
    monkeypatch.chdir(tmp_path)
    Path("rules.yaml").write_text(ALERT.format(expr=json.dumps(expr)))
    ran = run_obsgen("lint", "rules.yaml", "--format", "json", *args)
    assert "Traceback" not in ran.output
    return ran.returncode, json.loads(ran.stdout)["findings"]


def _rules(findings) -> list[str]:
    return [f["rule"] for f in findings]


@pytest.mark.parametrize("expr", ["limitk(2, up) > 0", "sort_by_label(up, \"job\")", "mad_over_time(up[5m]) > 0"])
def test_prometheus_3_function_refused_for_2_42_and_accepted_for_3(tmp_path, monkeypatch, expr):
    code, findings = _lint(tmp_path, monkeypatch, expr)
    assert code == 1 and _rules(findings) == ["invalid-promql"]
    assert "needs Prometheus 3.0 or later; the target is 2.42" in findings[0]["message"]
    assert findings[0]["line"] == 5
    for version in ("3", "3.0", "3.5"):
        code, findings = _lint(tmp_path, monkeypatch, expr, "--prometheus-version", version)
        assert (code, findings) == (0, []), version


def test_holt_winters_accepted_for_2_42_and_refused_for_3(tmp_path, monkeypatch):
    expr = "holt_winters(node_load1[10m], 0.5, 0.5) > 4"
    assert _lint(tmp_path, monkeypatch, expr) == (0, [])
    code, findings = _lint(tmp_path, monkeypatch, expr, "--prometheus-version", "3.0")
    assert code == 1 and _rules(findings) == ["invalid-promql"]
    assert ("'holt_winters' was removed in Prometheus 3.0; the target is 3.0; use double_exponential_smoothing "
            "(behind --enable-feature=promql-experimental-functions)") in findings[0]["message"]


def test_dashboard_query_follows_the_target_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("d.json").write_text(json.dumps({"uid": "d", "title": "D", "panels": [{
        "type": "table", "title": "Up", "description": "up", "fieldConfig": {"defaults": {"unit": "none"}},
        "targets": [{"expr": 'sort_by_label(up, "job")'}]}]}, indent=1))
    ran = run_obsgen("lint", "d.json")
    assert ran.returncode == 1 and "lint/dashboard-query-parses [Up]" in ran.stdout
    assert run_obsgen("lint", "d.json", "--prometheus-version", "3.1").returncode == 0


@pytest.mark.parametrize("value, expected", [("2.42", "2.42"), ("3", "3.0"), ("v3.1.2", "3.1"), ("2.53.0", "2.53")])
def test_version_option_normalised(value, expected):
    assert prometheus_version(None, None, value) == expected


@pytest.mark.parametrize("value", ["1.8", "three", "3.x", ""])
def test_bad_version_is_a_usage_error(value, tmp_path, monkeypatch):
    with pytest.raises(click.BadParameter):
        prometheus_version(None, None, value)
    monkeypatch.chdir(tmp_path)
    Path("r.yaml").write_text("groups: []\n")
    assert run_obsgen("lint", "r.yaml", "--prometheus-version", value).returncode == 2


# -- migration checks ---------------------------------------------------------------------------

BUCKETS = 'sum(rate(http_request_duration_seconds_bucket{{{m}}}[5m])) by (job) > 0'


@pytest.mark.parametrize("matcher, fix", [
    ('le="1"', 'fix: le=~"1(\\\\.0)?" matches both forms (or le="1.0" once every server runs Prometheus 3)'),
    ('le!="10"', 'fix: le!~"10(\\\\.0)?" matches both forms'),
    ('le=~"1|2\\\\.5|5"', 'fix: le=~"1(\\\\.0)?|2\\\\.5|5(\\\\.0)?" matches both forms'),
    ('quantile="1"', 'fix: quantile=~"1(\\\\.0)?" matches both forms'),
])
def test_le_and_quantile_values_in_integer_form(tmp_path, monkeypatch, matcher, fix):
    assert _lint(tmp_path, monkeypatch, BUCKETS.format(m=matcher)) == (0, [])  # 2.42: nothing changes
    code, findings = _lint(tmp_path, monkeypatch, BUCKETS.format(m=matcher), "--prometheus-version", "3")
    assert code == 1 and _rules(findings) == ["prom3-le-quantile-value"]
    finding = findings[0]
    assert (finding["check"], finding["line"], finding["severity"]) == ("migration", 5, "error")
    assert fix in finding["message"]
    assert "Prometheus 3 writes" in finding["message"] and "in float form" in finding["message"]


@pytest.mark.parametrize("matcher", ['le="1.0"', 'le="+Inf"', 'le="0.25"', 'quantile="0.99"', 'le=~"1(\\\\.0)?"',
                                     'le=~"1.*"', 'job="1"'])
def test_float_form_and_other_labels_are_left_alone(tmp_path, monkeypatch, matcher):
    code, findings = _lint(tmp_path, monkeypatch, BUCKETS.format(m=matcher), "--prometheus-version", "3")
    assert [f for f in findings if f["rule"] == "prom3-le-quantile-value"] == []


def test_le_integer_example_from_the_message(tmp_path, monkeypatch):
    code, findings = _lint(tmp_path, monkeypatch, BUCKETS.format(m='le="5"'), "--prometheus-version", "3")
    assert findings[0]["message"].startswith(
        'le="5": Prometheus 3 writes le values in float form (le="5" becomes le="5.0"), so this matcher stops matching')


@pytest.mark.parametrize("matcher, reported", [
    ('job=~"api.*"', True), ('job!~"a.b"', True), ('job=~".*"', False), ('job=~".+"', False),
    ('job=~"a\\\\.b"', False), ('job=~"a[.]b"', False), ('job="a.b"', False),
])
def test_regex_dot_matches_newlines_in_3(tmp_path, monkeypatch, matcher, reported):
    expr = f"up{{{matcher}}} == 0"
    assert _lint(tmp_path, monkeypatch, expr) == (0, [])
    code, findings = _lint(tmp_path, monkeypatch, expr, "--prometheus-version", "3")
    found = [f for f in findings if f["rule"] == "prom3-regex-dot-newline"]
    assert code == 0  # a warning: does not fail without --fail-on warning
    assert len(found) == (1 if reported else 0)
    if reported:
        assert found[0]["severity"] == "warning"
        assert "write [^\\n] in place of `.`" in found[0]["message"]


def test_validate_runs_the_migration_checks_for_3(tmp_path):
    path = CatalogBuilder("shop").alert(alert("ShopDown", 'up{$selector, le="1"} == 0')).write(tmp_path)
    ctx = context_of(path)
    assert by_rule(lint(ctx), "prom3-le-quantile-value") == []
    ctx.target = "3.0"
    [finding] = by_rule(lint(ctx), "prom3-le-quantile-value")
    assert finding.check == "migration"
    assert finding.line == CatalogBuilder.line_of(path, 'le="1"')


def test_validate_accepts_the_option():
    ran = run_obsgen("validate", "--prometheus-version", "nope", "--root", str(REPO))
    assert ran.returncode == 2 and "is not a Prometheus version" in ran.output


def test_every_new_check_is_documented():
    from generator.validators.migration import RULES
    doc = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule}`" in doc, rule


def test_warnings_fail_with_fail_on_warning_and_can_be_silenced(tmp_path, monkeypatch):
    expr = 'up{job=~"api.*"} == 0'
    code, findings = _lint(tmp_path, monkeypatch, expr, "--prometheus-version", "3", "--fail-on", "warning")
    assert code == 1 and _rules(findings) == ["prom3-regex-dot-newline"]
    Path(".obsgen.yaml").write_text("lint:\n  silences:\n    - rule: prom3-regex-dot-newline\n"
                                    "      reason: job names never hold newlines\n")
    assert _lint(tmp_path, monkeypatch, expr, "--prometheus-version", "3", "--fail-on", "warning") == (0, [])
