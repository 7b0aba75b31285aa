"""The promtool wrapper against the real promtool: discovery, version, parsed findings."""
from __future__ import annotations

import textwrap

import pytest

from generator import promtool
from generator.errors import ToolMissing


def _write(path, text):
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_finds_promtool_on_path_and_reads_its_version(monkeypatch):
    monkeypatch.delenv("PROMTOOL", raising=False)
    tool = promtool.find_promtool()
    assert tool.path.endswith("promtool")
    major, minor, _ = (int(x) for x in tool.version.split("."))
    assert (major, minor) >= (2, 42)


def test_promtool_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMTOOL", promtool.find_promtool().path)
    assert promtool.find_promtool().version


@pytest.mark.parametrize("value", ["/nonexistent/promtool", ""])
def test_missing_promtool_fails_with_the_install_hint(monkeypatch, value):
    if value:
        monkeypatch.setenv("PROMTOOL", value)
    else:
        monkeypatch.delenv("PROMTOOL", raising=False)
        monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolMissing) as raised:
        promtool.find_promtool()
    assert "apt-get install prometheus" in str(raised.value) and "$PROMTOOL" in str(raised.value)


def test_a_binary_that_is_not_promtool_is_refused(monkeypatch):
    monkeypatch.setenv("PROMTOOL", "/bin/false")
    with pytest.raises(ToolMissing, match="does not answer like promtool"):
        promtool.find_promtool()


def test_check_rules_runs_once_over_all_files_and_locates_each_problem(tmp_path):
    good = _write(tmp_path / "good.yaml", """
        groups:
        - name: fine
          rules:
          - record: job:up:sum
            expr: sum by (job) (up)
        """)
    bad = _write(tmp_path / "bad.yaml", """
        groups:
        - name: broken
          rules:
          - alert: Fine
            expr: up == 0
          - alert: Broken
            expr: sum by (job) (rate(x_total[5m])
        """)
    unknown = _write(tmp_path / "unknown.yaml", """
        groups:
        - name: g
          rules:
          - record: a:b:c
            expr: up
            bogus: 1
        """)
    findings = promtool.check_rules([good, bad, unknown])
    assert [(f.file, f.line, f.group, f.item, f.rule) for f in findings] == [
        (str(bad), 7, "broken", "Broken", "invalid-promql"),
        (str(unknown), 6, "", "", "invalid-rule-file"),
    ]
    assert "unclosed left parenthesis" in findings[0].message
    assert "field bogus not found" in findings[1].message


def test_duplicate_rules_are_findings(tmp_path):
    dup = _write(tmp_path / "dup.yaml", """
        groups:
        - name: g
          rules:
          - record: a:b:c
            expr: up
          - record: a:b:c
            expr: up
        """)
    findings = promtool.check_rules([dup])
    assert [f.rule for f in findings] == ["duplicate-rule"]


def test_test_rules_reports_each_failing_evaluation_at_its_test(tmp_path):
    _write(tmp_path / "rules.yaml", """
        groups:
        - name: g
          rules:
          - alert: Down
            expr: up == 0
            for: 2m
        """)
    tests = _write(tmp_path / "tests.yaml", """
        rule_files: [rules.yaml]
        evaluation_interval: 1m
        tests:
        - name: fires after two minutes
          interval: 1m
          input_series:
          - series: 'up{job="a"}'
            values: '0x10'
          alert_rule_test:
          - eval_time: 1m
            alertname: Down
            exp_alerts: [{exp_labels: {job: a}}]
        - name: passing
          interval: 1m
          input_series:
          - series: 'up{job="a"}'
            values: '1x10'
          alert_rule_test:
          - eval_time: 5m
            alertname: Down
            exp_alerts: []
        """)
    findings = promtool.test_rules([tests])
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.file, finding.line, finding.rule, finding.item) == (str(tests), 4, "alert-test-failed", "Down")
    assert "test 'fires after two minutes'" in finding.message and "time: 1m" in finding.message


def test_check_metrics_lint_problems_are_warnings():
    findings = promtool.check_metrics("# TYPE foo_seconds counter\nfoo_seconds 1\n", source="x.prom")
    assert {(f.item, f.severity) for f in findings} == {("foo_seconds", "warning")}
    assert any('should have "_total" suffix' in f.message for f in findings)
