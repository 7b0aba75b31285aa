"""A selecting custom variable's values are checked against the values the catalog allows for its
label on the series the dashboard's queries select: a value no panel can show is a
`label-value-not-allowed` error at that value's catalog line, once per series."""
from __future__ import annotations

from generator.validators.crosscheck import crosscheck
from tests.support.catalog_builder import CatalogBuilder, dashboard, panel
from tests.support.catalog_edit import context_of

RATE = "sum(rate(shop_requests_total{$selector}[$__rate_interval]))"
ERRORS = 'sum(rate(shop_requests_total{$selector, code!="200"}[$__rate_interval]))'


def _source(tmp_path, values: list[str], **board_extra):
    board = dashboard("shop-overview", panel("Requests", RATE), panel("Errors", ERRORS),
                      variables=[{"name": "status", "type": "custom", "label": "code", "values": values, "multi": True}],
                      **board_extra)
    board["annotations"] = [{"name": "Spikes", "expr": f"{RATE} > 100"}]
    return CatalogBuilder("shop").dashboard(board).write(tmp_path)


def test_a_value_the_label_does_not_allow_is_found_once_at_its_line(tmp_path):
    source = _source(tmp_path, ["200", "418", "500"])
    findings = crosscheck(context_of(source))
    assert [(f.rule, f.item, f.file, f.line) for f in findings] == [
        ("label-value-not-allowed", "variable status", "catalog/shop.yaml", CatalogBuilder.line_of(source, "- '418'"))]
    assert findings[0].message == ("value '418' of variable $status is not allowed for label 'code' on "
                                   "'shop_requests_total' (values: 200, 404, 500): the panels over it are empty "
                                   "when it is chosen (in dashboards/shop-overview.json)")


def test_allowed_values_are_clean_and_a_dashboard_silence_covers_its_variables(tmp_path):
    assert crosscheck(context_of(_source(tmp_path, ["200", "404", "500"]))) == []
    silenced = _source(tmp_path / "silenced", ["418"],
                       silence=[{"rule": "label-value-not-allowed", "reason": "a teapot route is coming"}])
    assert crosscheck(context_of(silenced)) == []


def test_a_custom_variable_without_label_selects_nothing_and_is_not_checked(tmp_path):
    board = dashboard("shop-overview", panel("Requests", RATE),
                      variables=[{"name": "status", "type": "custom", "values": ["418"]}])
    assert crosscheck(context_of(CatalogBuilder("shop").dashboard(board).write(tmp_path))) == []
