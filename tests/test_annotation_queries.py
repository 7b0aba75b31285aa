"""A dashboard's annotation queries are cross-checked like its panels' queries: an unknown metric or
label in a deploy annotation is a finding at the annotation's catalog line."""
from __future__ import annotations

from generator.validators.crosscheck import crosscheck
from tests.support.catalog_builder import CatalogBuilder, dashboard, gauge, label, panel
from tests.support.catalog_edit import context_of


def _source(tmp_path, expr: str):
    board = dashboard("shop-overview", panel("Up", "sum(up{$selector})", type_="stat"),
                      annotations=[{"name": "Deploys", "expr": expr}])
    return (CatalogBuilder("shop").metric(gauge("shop_build_info", labels=[label("version", "1.0", "1.1")]))
            .dashboard(board).write(tmp_path))


def test_an_annotation_over_an_unknown_metric_is_an_unknown_metric_finding_at_its_line(tmp_path):
    source = _source(tmp_path, "changes(shop_bild_info{$selector}[$__interval]) > 0")
    findings = [f for f in crosscheck(context_of(source)) if f.rule == "unknown-metric"]
    assert [(f.item, f.file, f.line) for f in findings] == [
        ("Deploys", "catalog/shop.yaml", CatalogBuilder.line_of(source, "shop_bild_info"))]
    assert "shop_bild_info" in findings[0].message


def test_an_annotation_over_a_catalog_metric_and_its_labels_is_clean(tmp_path):
    source = _source(tmp_path, 'changes(shop_build_info{$selector, version="1.1"}[$__interval]) > 0')
    assert crosscheck(context_of(source)) == []
    wrong_label = _source(tmp_path / "label", 'changes(shop_build_info{$selector, release="1.1"}[$__interval]) > 0')
    assert [f.rule for f in crosscheck(context_of(wrong_label))] == ["unknown-label"]
