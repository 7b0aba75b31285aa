"""`alert: false` on an objective: no derived alert, its recording rules (and their generated promtool
tests) stay; `alert: true` or any other non-mapping is a located error."""
from __future__ import annotations

import re

import pytest

from generator import promtool
from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.support.catalog_builder import (
    CatalogBuilder, counter, error_ratio_objective, histogram, label, latency_objective,
)
from tests.support.inprocess import run_obsgen
from tests.support.project import generated_project


def shop(alert=False) -> CatalogBuilder:
    """An error ratio whose `alert:` is `alert` (false: none) and a latency objective with an alert."""
    return (CatalogBuilder("shop-api", team="web", metrics=[
                counter("http_requests_total", [label("code", "200", "500")]),
                histogram("shop_request_duration_seconds", (0.1, 0.5, 1))])
            .objective(error_ratio_objective("errors", {"metric": "http_requests_total", "matchers": {"code": {"=~": "5.."}}},
                                             {"metric": "http_requests_total"}, 0.01, alert_name=None, alert=alert))
            .objective(latency_objective("latency", "shop_request_duration_seconds", 0.5, quantile=0.9,
                                         alert_name="ShopSlow")))


def test_no_alert_but_recording_rules_and_their_tests(tmp_path):
    source = shop().write(tmp_path)
    catalog = load_catalog(source)
    groups = build_rule_groups(catalog)
    assert [r.alert for g in groups for r in g.rules if r.alert] == ["ShopSlow"]
    assert {r.record for g in groups for r in g.rules if r.objective == "errors"} == {
        "job:http_requests:errors_errors_rate5m", "job:http_requests:rate5m",
        "job:http_requests:ratio_rate5m"}
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    names = [c.name for c in plan.cases]
    assert "errors: recording rules in a steady state" in names
    assert not any(c.alerts for c in plan.cases if c.name.startswith("errors"))
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []
    assert "ShopSlow" in (root / "alerts").joinpath("shop-api-alerts.yaml").read_text()


@pytest.mark.parametrize("value, written", [("true", True), ("none", "none"), ("[]", [])])
def test_alert_other_than_false_or_a_mapping_is_a_located_error(value, written, tmp_path, monkeypatch):
    text = shop(written).write(tmp_path).read_text()
    monkeypatch.chdir(tmp_path)
    result = run_obsgen("generate")
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(r"catalog/shop-api\.yaml:(\d+): objectives\[0\]\.alert: ", result.stderr)
    expected = {"true": "expected false (no alert) or the alert as a mapping", "none": "is not of type 'object', 'boolean'",
                "[]": "is not of type 'object', 'boolean'"}[value]
    assert expected in result.stderr, result.stderr
    assert match, result.stderr
    assert text.splitlines()[int(match.group(1)) - 1] == f"  alert: {value}"  # the first objective's (the builder indents by 2)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop-api.yaml"]
