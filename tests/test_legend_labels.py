"""`legend-label-unknown`: a `{{label}}` in a legend, an annotation's title or text, or an annotation
tag label that the query's result does not carry is a warning at that catalog line (Grafana would
show it empty); labels the result carries, over catalog and recorded series alike, are clean."""
from __future__ import annotations

from generator.validators.crosscheck import crosscheck
from generator.validators.findings import WARNING
from generator.validators.template_labels import template_labels
from tests.support.catalog_builder import CatalogBuilder, dashboard, gauge, label, panel
from tests.support.catalog_edit import context_of

BY_CODE = "sum by (code) (rate(shop_requests_total{$selector}[$__rate_interval]))"
DEPLOYS = "changes(shop_build_info{$selector}[$__interval]) > 0"


def _source(tmp_path, *panels: dict, annotations=(), recording=None):
    builder = CatalogBuilder("shop").metric(gauge("shop_build_info", labels=[label("version", "1.0", "1.1")]))
    if recording:
        builder.recording_rule(*recording)
    board = dashboard("shop-overview", *panels, annotations=list(annotations)) if annotations else \
        dashboard("shop-overview", *panels)
    return builder.dashboard(board).write(tmp_path)


def _found(source) -> list[tuple]:
    return [(f.rule, f.item, f.line, f.severity) for f in crosscheck(context_of(source)) if f.rule == "legend-label-unknown"]


def test_template_labels_are_read_as_grafana_reads_them():
    assert template_labels("{{code}} on {{ instance }}, {{code}} {{$labels.x}} {{}}") == ["code", "instance"]


def test_a_legend_label_the_result_lacks(tmp_path):
    bad = panel("Requests", BY_CODE)
    bad["targets"][0]["legend"] = "{{code}} on {{instance}}"
    source = _source(tmp_path, bad)
    findings = [f for f in crosscheck(context_of(source)) if f.rule == "legend-label-unknown"]
    assert [(f.item, f.file, f.line, f.severity) for f in findings] == [
        ("Requests", "catalog/shop.yaml", CatalogBuilder.line_of(source, "legend: '{{code}} on {{instance}}'"), WARNING)]
    assert findings[0].message == ("legend '{{code}} on {{instance}}' names label 'instance', which the query's result "
                                   "does not carry (its labels: code); Grafana shows it empty "
                                   "(in dashboards/shop-overview.json)")


def test_legend_labels_the_result_carries_and_grafanas_own_names_are_clean(tmp_path):
    good = panel("Requests", BY_CODE)
    good["targets"][0]["legend"] = "{{ code }} {{__name__}}"
    raw = panel("Raw", "rate(shop_requests_total{$selector}[$__rate_interval])")
    raw["targets"][0]["legend"] = "{{code}} {{job}} {{instance}}"  # a raw series keeps its target labels
    assert _found(_source(tmp_path, good, raw)) == []


def test_over_a_recorded_series_its_rules_labels_count(tmp_path):
    recorded = panel("Recorded", "sum(shop:requests:rate5m{$selector})")
    recorded["targets"][0]["legend"] = "{{code}}"
    per_code = panel("Per code", "shop:requests:rate5m{$selector}")
    per_code["targets"][0]["legend"] = "{{code}} {{job}}"
    source = _source(tmp_path, recorded, per_code,
                     recording=("shop:requests:rate5m", "sum by (job, code) (rate(shop_requests_total{$selector}[5m]))"))
    assert _found(source) == [("legend-label-unknown", "Recorded", CatalogBuilder.line_of(source, "legend: '{{code}}'"),
                               WARNING)]


def test_annotation_title_text_and_tags(tmp_path):
    deploys = {"name": "Deploys", "expr": DEPLOYS, "title": "Deploy {{versoin}}", "text": "{{version}} on {{pod}}",
               "tags": ["version", "release"]}
    source = _source(tmp_path, panel("Up", "sum(up{$selector})", type_="stat"), annotations=[deploys])
    assert _found(source) == [
        ("legend-label-unknown", "Deploys", CatalogBuilder.line_of(source, "title: Deploy {{versoin}}"), WARNING),
        ("legend-label-unknown", "Deploys", CatalogBuilder.line_of(source, "text: '{{version}} on {{pod}}'"), WARNING),
        ("legend-label-unknown", "Deploys", CatalogBuilder.line_of(source, "tags:", after="annotations:"), WARNING)]


def test_a_panel_silences_it(tmp_path):
    bad = panel("Requests", BY_CODE, silence=[{"rule": "legend-label-unknown", "reason": "label added by a relabel"}])
    bad["targets"][0]["legend"] = "{{pod}}"
    assert _found(_source(tmp_path, bad)) == []


def test_over_an_unknown_metric_only_unknown_metric_is_reported_unless_by_decides(tmp_path):
    typo = panel("Typo", "rate(shop_requets_total{$selector}[$__rate_interval])")
    typo["targets"][0]["legend"] = "{{pod}}"
    assert [f.rule for f in crosscheck(context_of(_source(tmp_path, typo)))] == ["unknown-metric"]
    grouped = panel("Typo", "sum by (code) (rate(shop_requets_total{$selector}[$__rate_interval]))")
    grouped["targets"][0]["legend"] = "{{pod}}"  # whatever the series below, `by (code)` leaves only code
    assert sorted(f.rule for f in crosscheck(context_of(_source(tmp_path / "by", grouped)))) == [
        "legend-label-unknown", "unknown-metric"]
