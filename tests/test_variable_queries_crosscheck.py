"""A query variable's `label_values(<metric>{...}, <label>)` is cross-checked like a panel query: a
metric the catalog does not define, or a label its series lack, would leave the variable's list
empty in Grafana; each is a finding at the variable's catalog line."""
from __future__ import annotations

from generator.validators.crosscheck import crosscheck
from tests.support.catalog_builder import CatalogBuilder, dashboard, gauge, label, panel
from tests.support.catalog_edit import context_of


def _source(tmp_path, *variables: dict):
    board = dashboard("shop-overview", panel("Up", "sum(up{$selector})", type_="stat"), variables=list(variables))
    return (CatalogBuilder("shop").metric(gauge("shop_build_info", labels=[label("version", "1.0", "1.1")]))
            .dashboard(board).write(tmp_path))


def _found(source) -> list[tuple]:
    return [(f.rule, f.item, f.file, f.line) for f in crosscheck(context_of(source))]


def test_a_variable_over_an_unknown_metric_is_found_at_the_variable(tmp_path):
    source = _source(tmp_path, {"name": "version", "type": "query", "label": "version", "metric": "shop_bild_info",
                                "selects": False})
    findings = crosscheck(context_of(source))
    assert [(f.rule, f.item, f.file, f.line) for f in findings] == [
        ("unknown-metric", "variable version", "catalog/shop.yaml", CatalogBuilder.line_of(source, "name: version", after="variables:"))]
    assert "'shop_bild_info'" in findings[0].message and "'shop_build_info'" in findings[0].message  # the hint


def test_a_variable_over_a_label_its_metric_lacks_is_found_at_the_variable(tmp_path):
    source = _source(tmp_path, {"name": "version", "type": "query", "label": "release", "metric": "shop_build_info",
                                "selects": False})
    findings = crosscheck(context_of(source))
    assert [(f.rule, f.item, f.line) for f in findings] == [
        ("unknown-label", "variable version", CatalogBuilder.line_of(source, "name: version", after="variables:"))]
    assert "'release'" in findings[0].message


def test_variables_over_catalog_metrics_and_scrape_labels_are_clean(tmp_path):
    source = _source(tmp_path, {"name": "instance", "type": "query", "label": "instance"},
                     {"name": "version", "type": "query", "label": "version", "metric": "shop_build_info",
                      "selects": False})
    assert _found(source) == []
