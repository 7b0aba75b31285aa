"""`obsgen validate` end to end for the offline checks: a regenerated project whose catalog has a
cross-check defect and a lint defect fails with exit 1, naming the catalog line of each."""
from __future__ import annotations

import json

from tests.support.catalog_builder import CatalogBuilder, counter, dashboard, label, panel
from tests.support.cli import obsgen

PANEL = 'sum by (state) (rate(shop_orders_total{$selector, state="blue"}[5m]))'


def test_validate_reports_crosscheck_and_lint_findings_with_catalog_lines(tmp_path):
    """A subprocess smoke test: the installed console script, as CI runs it."""
    path = (CatalogBuilder("shop").metric(counter("shop_orders_total", [label("state", "paid", "failed")]))
            .dashboard(dashboard("shop", panel("Orders by state", PANEL))).write(tmp_path))
    generated = obsgen("generate", "--root", str(tmp_path), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    line = CatalogBuilder.line_of(path, 'state="blue"')

    text = obsgen("validate", "--root", str(tmp_path), "--skip", "k6-archive", cwd=tmp_path)
    assert text.returncode == 1, text.stdout + text.stderr
    assert f"catalog/shop.yaml:{line}: error: crosscheck/label-value-not-allowed [Orders by state]: " \
           f"state='blue' on 'shop_orders_total'" in text.stdout
    assert f"catalog/shop.yaml:{line}: error: lint/dashboard-rate-interval [Orders by state]: " \
           f"rate() over [5m]" in text.stdout

    report = obsgen("validate", "--root", str(tmp_path), "--skip", "k6-archive", "--format", "json", cwd=tmp_path)
    assert report.returncode == 1
    findings = json.loads(report.stdout)["findings"]
    assert sorted((f["check"], f["rule"], f["line"]) for f in findings) == [
        ("crosscheck", "label-value-not-allowed", line), ("lint", "dashboard-rate-interval", line)]
