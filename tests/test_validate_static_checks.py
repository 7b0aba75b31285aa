"""`obsgen validate` end to end for the offline checks: a regenerated project whose catalog has a
cross-check defect and a lint defect fails with exit 1, naming the catalog line of each."""
from __future__ import annotations

import json

from tests.support.catalog_edit import edited_catalog, line_containing
from tests.support.cli import obsgen

PANEL = "sum by (visibility) (rate(ampel_dashboard_breakdown_total{$selector}[$__rate_interval]))"


def test_validate_reports_crosscheck_and_lint_findings_with_catalog_lines(tmp_path):
    path = edited_catalog(tmp_path, (PANEL, PANEL.replace("{$selector}", '{$selector, visibility="blue"}')
                                     .replace("$__rate_interval", "5m")))
    generated = obsgen("generate", "--root", str(tmp_path), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    line = line_containing(path, 'visibility="blue"')

    text = obsgen("validate", "--root", str(tmp_path), "--skip", "k6-archive", cwd=tmp_path)
    assert text.returncode == 1, text.stdout + text.stderr
    assert f"catalog/ampel.yaml:{line}: error: crosscheck/label-value-not-allowed [PR breakdown by visibility]: " \
           f"visibility='blue' on 'ampel_dashboard_breakdown_total'" in text.stdout
    assert f"catalog/ampel.yaml:{line}: error: lint/dashboard-rate-interval [PR breakdown by visibility]: " \
           f"rate() over [5m]" in text.stdout

    report = obsgen("validate", "--root", str(tmp_path), "--skip", "k6-archive", "--format", "json", cwd=tmp_path)
    assert report.returncode == 1
    findings = json.loads(report.stdout)["findings"]
    assert sorted((f["check"], f["rule"], f["line"]) for f in findings) == [
        ("crosscheck", "label-value-not-allowed", line), ("lint", "dashboard-rate-interval", line)]
