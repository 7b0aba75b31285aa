"""`override-field-unknown`: an override's field name that is none of a panel's fixed legends matches
no series (the override does nothing); templated legends, or a target without a legend, leave the
names open and are not checked."""
from __future__ import annotations

from generator.validators.findings import WARNING
from generator.validators.lint import lint
from tests.support.catalog_builder import CatalogBuilder, dashboard, panel
from tests.support.catalog_edit import context_of

RATE = "sum(rate(shop_requests_total{$selector}[$__rate_interval]))"


def _latency(fields: list[str], legends=("requests", "errors"), type_: str = "timeseries") -> dict:
    out = panel("Traffic", RATE, type_=type_, overrides=[{"fields": fields, "color": "red"}])
    out["targets"] = [{"expr": RATE, "legend": legends[0]},
                      {"expr": RATE.replace("{$selector}", '{$selector, code="500"}'), "legend": legends[1]}]
    return out


def _found(tmp_path, *panels: dict) -> list[tuple]:
    source = CatalogBuilder("shop").dashboard(dashboard("shop-overview", *panels)).write(tmp_path)
    findings = [f for f in lint(context_of(source)) if f.rule == "override-field-unknown"]
    return source, [(f.item, f.line, f.severity, f.message) for f in findings]


def test_a_field_that_is_none_of_the_legends(tmp_path):
    source, found = _found(tmp_path, _latency(["errors", "eror"]))
    assert found == [("Traffic", CatalogBuilder.line_of(source, "- eror"), WARNING,
                      "panel 'Traffic': override field 'eror' is none of the panel's series (its legends: requests, "
                      "errors), so the override does nothing")]


def test_fields_that_are_legends_are_clean(tmp_path):
    assert _found(tmp_path, _latency(["errors", "requests"]))[1] == []


def test_templated_or_missing_legends_and_tables_are_not_checked(tmp_path):
    templated = _latency(["eror"], legends=("requests", "{{code}}"))
    missing = _latency(["eror"], legends=("requests", ""))
    missing["title"] = "Missing"
    del missing["targets"][1]["legend"]
    table = _latency(["eror"], type_="table")
    table["title"] = "Table"
    assert _found(tmp_path, templated, missing, table)[1] == []
