"""Annotation queries go through `promtool check rules` with the panel queries: one that Prometheus
refuses, though the project's parser accepts it (Grafana writes `$__interval_ms` as a bare number of
milliseconds, and Prometheus 2.42 wants a unit in a range), is a `dashboard-query-invalid` finding
that names the annotation and its catalog line."""
from __future__ import annotations

import pytest

from generator.promql import parse
from generator.validators.promtool_steps import check_promtool_rules
from tests.support.catalog_builder import CatalogBuilder, dashboard, gauge, label, panel
from tests.support.catalog_edit import context_of

REFUSED = "changes(shop_build_info{$selector}[$__interval_ms]) > 0"
ACCEPTED = "changes(shop_build_info{$selector}[$__interval]) > 0"


def _source(tmp_path, *exprs: str):
    board = dashboard("shop-overview", panel("Up", "sum(up{$selector})", type_="stat"),
                      annotations=[{"name": f"Deploys {n}", "expr": e} for n, e in enumerate(exprs, 1)])
    return (CatalogBuilder("shop").metric(gauge("shop_build_info", labels=[label("version", "1.0", "1.1")]))
            .dashboard(board).write(tmp_path))


def test_the_refused_query_is_one_the_projects_parser_accepts():
    # raises ParseError if not (then the test below would prove nothing the cross-checks do not)
    parse(REFUSED.replace("$selector", 'job="shop"'), grafana=True)


@pytest.mark.promtool
def test_an_annotation_query_promtool_refuses_is_reported_at_its_catalog_line(tmp_path):
    source = _source(tmp_path, ACCEPTED, REFUSED)
    line = CatalogBuilder.line_of(source, "$__interval_ms")
    assert line != CatalogBuilder.line_of(source, "[$__interval]")
    findings = check_promtool_rules(context_of(source))
    assert [(f.rule, f.file, f.item, f.line) for f in findings] == [
        ("dashboard-query-invalid", "dashboards/shop-overview.json", "annotation Deploys 2", None)]
    assert findings[0].message.startswith("Prometheus rejects the query: ")
    assert "missing unit character in duration" in findings[0].message
    assert findings[0].message.endswith(
        f"(defined at catalog/shop.yaml:{line}: dashboards[0].annotations[1].expr)")


@pytest.mark.promtool
def test_annotation_queries_promtool_accepts_give_no_finding(tmp_path):
    assert check_promtool_rules(context_of(_source(tmp_path, ACCEPTED, "sum(shop_build_info{$selector}) > 1"))) == []
