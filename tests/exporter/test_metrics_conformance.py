"""The running exporter's /metrics matches the catalog exactly, through the check-metrics logic."""
from __future__ import annotations

import re

import requests
from prometheus_client.parser import text_string_to_metric_families

from generator import pipeline
from generator.validators.exposition import check_exposition


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_a_fresh_exporter_exposes_every_catalog_series_before_any_event(start_exporter, db_copy, catalog):
    text = start_exporter(db_copy).metrics_text()
    assert check_exposition(catalog, text, "/metrics") == []
    exposed = families(text)
    for metric in catalog.metrics:
        family = exposed[metric.base_name if metric.type == "counter" else metric.name]
        assert family.type == metric.type
        if metric.type == "histogram":
            bounds = [float(s.labels["le"]) for s in family.samples if s.name.endswith("_bucket")]
            assert bounds == [*metric.buckets, float("inf")]
        elif len(metric.labels) == 1 and metric.labels[0].values:  # enumerated: every value, at 0
            label = metric.labels[0]
            assert {s.labels[label.name]: s.value for s in family.samples} == {v: 0 for v in label.values}
    assert "_created" not in text


def test_after_traffic_the_exposition_still_matches(shared_exporter, catalog):
    shared_exporter.get("/api/dashboard/summary", "token-large")
    shared_exporter.get("/api/dashboard/summary")  # 401
    shared_exporter.get("/no/such/route")  # counted as path="other"
    requests.request("PATCH", shared_exporter.url + "/healthz", timeout=5)
    text = shared_exporter.metrics_text()
    assert check_exposition(catalog, text, "/metrics") == []
    paths = {s.labels["path"] for s in families(text)["http_requests"].samples}
    assert "other" in paths and "/no/such/route" not in paths


def test_the_check_does_fail_on_a_drifting_exposition(shared_exporter, catalog):
    text = shared_exporter.metrics_text().replace('visibility="green"', 'visibility="blue"')
    rules = {f.rule for f in check_exposition(catalog, text, "/metrics")}
    assert "unexpected-label-value" in rules


def test_le_values_are_those_the_generated_artifacts_select(shared_exporter, catalog):
    rendered = pipeline.render_all([catalog]).artifacts
    selected = set()
    for text in rendered.values():
        selected |= set(re.findall(r'le=\\?"([^"\\]+)\\?"', text))
    assert selected, "no generated artifact selects a bucket: this test would check nothing"
    exposed = {s.labels["le"] for s in families(shared_exporter.metrics_text())[
        "ampel_dashboard_summary_duration_seconds"].samples if "le" in s.labels}
    assert selected <= exposed, f"selected by generated artifacts but not exposed: {sorted(selected - exposed)}"
