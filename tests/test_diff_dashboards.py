"""Dashboard diff on crafted before/after pairs: panels added or removed, queries, thresholds, units."""
from __future__ import annotations

import copy
import json
import textwrap

from generator.diff import compare
from generator.diff.formatters import FORMATS


def _panel(panel_id: int, title: str, expr: str, unit: str = "s", threshold: float | None = None) -> dict:
    steps = [{"color": "green", "value": None}] + ([{"color": "red", "value": threshold}] if threshold else [])
    return {"id": panel_id, "type": "timeseries", "title": title,
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}}},
            "targets": [{"expr": expr, "refId": "A", "legendFormat": "__auto"}]}


BEFORE = {
    "uid": "api-overview", "title": "API overview", "tags": ["api"], "schemaVersion": 41,
    "panels": [
        {"id": 1, "type": "row", "title": "Latency", "panels": []},
        _panel(2, "p95 latency", 'histogram_quantile(0.95, sum by (le) (rate(api_duration_seconds_bucket{job="api"}[5m])))',
               threshold=0.5),
        _panel(3, "Average latency", 'sum(rate(api_duration_seconds_sum[5m])) / sum(rate(api_duration_seconds_count[5m]))'),
        {"id": 4, "type": "row", "title": "Traffic", "panels": []},
        _panel(5, "Request rate", 'sum(rate(api_requests_total{job="api"}[5m]))', unit="reqps"),
    ],
}


def _compare(after: dict):
    return compare({"dashboards/api.json": json.dumps(BEFORE)}, {"dashboards/api.json": json.dumps(after)}, "main", "pr")


def test_changed_panel_query_gives_exactly_the_expected_summary():
    after = copy.deepcopy(BEFORE)
    after["panels"][4]["targets"][0]["expr"] = 'sum by (path) (rate(api_requests_total{job="api"}[5m]))'
    assert FORMATS["text"](_compare(after)) == textwrap.dedent("""\
        diff main -> pr
        dashboards/api.json
          dashboard API overview (api-overview)
            ~ panel Request rate
                query A: sum(rate(api_requests_total{job="api"}[5m])) -> sum by (path) (rate(api_requests_total{job="api"}[5m]))
        summary: panels: 1 changed
        """)


def test_threshold_unit_added_and_removed_panels():
    after = copy.deepcopy(BEFORE)
    after["panels"][1]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.75
    after["panels"][4]["fieldConfig"]["defaults"]["unit"] = "rps"
    del after["panels"][2]
    after["panels"].append(_panel(6, "Error ratio", "job:api_errors:ratio_rate5m", unit="percentunit", threshold=0.01))
    after["title"] = "API overview (v2)"
    assert FORMATS["text"](_compare(after)) == textwrap.dedent("""\
        diff main -> pr
        dashboards/api.json
          ~ dashboard API overview (v2) (api-overview)
              title: API overview -> API overview (v2)
            - panel Average latency
            ~ panel Request rate
                unit: reqps -> rps
            ~ panel p95 latency
                thresholds: green, red from 0.5 -> green, red from 0.75
            + panel Error ratio
                type: timeseries
                row: Traffic
                unit: percentunit
                thresholds: green, red from 0.01
                query A: job:api_errors:ratio_rate5m
                legend A: __auto
        summary: dashboards: 1 changed; panels: 1 removed, 2 changed, 1 added
        """)


def test_layout_ids_and_query_spacing_are_not_changes():
    after = copy.deepcopy(BEFORE)
    for index, panel in enumerate(after["panels"]):
        panel["id"] = 100 + index
        panel["gridPos"] = {"h": 8, "w": 12, "x": 0, "y": index}
    after["panels"][2]["targets"][0]["expr"] = (
        "sum(rate(api_duration_seconds_sum[5m]))\n  /\nsum(rate(api_duration_seconds_count[5m]))")
    assert not _compare(after).changed


def test_panel_moved_to_another_row():
    after = copy.deepcopy(BEFORE)
    after["panels"].append(after["panels"].pop(2))  # Average latency now sits under Traffic
    (change,) = _compare(after).changes
    assert (change.name, [(f.field, f.before, f.after) for f in change.fields]) == (
        "Average latency", [("row", "Latency", "Traffic")])


def test_added_dashboard_lists_its_panels_and_removed_dashboard_does_not():
    report = compare({"old.json": json.dumps({**BEFORE, "uid": "old"})}, {"dashboards/api.json": json.dumps(BEFORE)})
    assert [(c.kind, c.name, c.status) for c in report.changes] == [
        ("dashboard", "API overview (api-overview)", "added"),
        ("panel", "Average latency", "added"), ("panel", "Request rate", "added"), ("panel", "p95 latency", "added"),
        ("dashboard", "API overview (old)", "removed"),
    ]


def test_markdown_for_a_dashboard_change():
    after = copy.deepcopy(BEFORE)
    after["panels"][4]["fieldConfig"]["defaults"]["unit"] = "rps"
    assert FORMATS["markdown"](_compare(after)).splitlines()[5:] == [
        "#### `dashboards/api.json` \u00b7 dashboard `API overview (api-overview)`",
        "",
        "| | item | field | before | after |",
        "|---|---|---|---|---|",
        "| ~ | panel `Request rate` | unit | `reqps` | `rps` |",
    ]
