"""Two objectives on one histogram share one bucket rule; an alert the generated tests cannot cover is
reported by validate as `untested-rule`, located in its catalog."""
from __future__ import annotations

import subprocess

from generator.build.rules import build_rule_groups
from generator.slo.rules import is_slo_group
from generator import promtool
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from generator.validators.promtool_steps import check_promtool_tests
from tests.support.catalog_edit import context_of, edited_catalog, line_containing
from tests.support.project import generated_project

P99 = """  - name: summary_latency_p99
    kind: latency
    metric: ampel_dashboard_summary_duration_seconds
    quantile: 0.99
    threshold: {tier: large, level: critical}
    alert:
      name: DashboardSummaryTailSlow
      for: 10m
      severity: warning
      summary: Dashboard summary tail is slow
      description: p99 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above ${threshold} for ${for}.
  - name: summary_errors
"""


def test_two_objectives_on_one_histogram_share_one_bucket_rule(tmp_path):
    source = edited_catalog(tmp_path / "src", ("  - name: summary_errors\n", P99))
    catalog = load_catalog(source)
    # the catalog's objective and free-form recording rules (its SLOs record in groups of their own)
    records = [r.record for g in build_rule_groups(catalog) if not is_slo_group(g) for r in g.rules if r.record]
    assert records.count("job_le:ampel_dashboard_summary_duration_seconds_bucket:rate5m") == 1
    assert "job:ampel_dashboard_summary_duration_seconds:p95_rate5m" in records
    assert "job:ampel_dashboard_summary_duration_seconds:p99_rate5m" in records
    assert len(records) == len(set(records)) == 8
    root = generated_project(tmp_path / "project", (source,))
    rule_files = sorted(str(p) for folder in ("alerts", "recording_rules") for p in (root / folder).glob("*.yaml"))
    check = subprocess.run(["promtool", "check", "rules", "--lint-fatal", *rule_files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []
    alerts = {c.alerts[1].alert: c.alerts[1].expected for c in rule_tests.plan_for(catalog).cases
              if "resolves after recovery" in c.name}
    assert "above 1s for 10m." in dict(alerts["DashboardSummaryTailSlow"][0].annotations)["description"]


def test_an_alert_without_a_test_block_is_an_untested_rule_finding(tmp_path):
    source = edited_catalog(tmp_path, ("""    test: {series: 'up{$selector, instance="ampel-api-0:8080"}', firing: 0, quiet: 1}\n""", ""))
    findings = [f for f in check_promtool_tests(context_of(source)) if f.rule == "untested-rule"]
    assert [(f.item, f.file, f.line) for f in findings] == [
        ("DashboardSummaryTargetDown", "catalog/ampel.yaml", line_containing(source, "- name: DashboardSummaryTargetDown"))]
    assert "no test: block" in findings[0].message and findings[0].severity == "error"
