"""`obsgen import dashboards`: legacy shapes, sizes and what is reported at its JSON line."""
from __future__ import annotations

import json

import yaml

from tests.support.inprocess import run_obsgen

LEGACY = {
    "uid": "legacy-db",
    "title": "Legacy DB",
    "schemaVersion": 14,
    "rows": [
        {"title": "Queries", "panels": [
            {"type": "singlestat", "title": "QPS", "id": 1, "format": "ops", "thresholds": "100,200",
             "targets": [{"expr": "sum(rate(pg_stat_database_xact_commit{job=\"pg\"}[5m]))", "refId": "A"}]},
            {"type": "graph", "title": "Connections", "id": 2, "stack": True,
             "yaxes": [{"format": "short"}, {"format": "short"}],
             "targets": [{"expr": "sum by (datname) (pg_stat_activity_count{job=\"pg\"})",
                          "legendFormat": "{{datname}}", "refId": "A"},
                         {"datasource": {"type": "loki", "uid": "logs"}, "expr": "{app=\"pg\"}", "refId": "B"}]},
            {"type": "graph", "title": "", "id": 3, "targets": [{"expr": "up{job=\"pg\"}", "refId": "A"}]},
        ]},
        {"title": "Notes", "panels": [{"type": "text", "title": "Read me", "id": 4, "content": "hi"}]},
    ],
}


def test_legacy_rows_singlestat_and_graph(tmp_path):
    source = tmp_path / "legacy.json"
    text = json.dumps(LEGACY, indent=2)
    source.write_text(text)
    out = tmp_path / "catalog.yaml"
    ran = run_obsgen("import", "dashboards", str(source), "-o", str(out))
    assert ran.returncode == 0, ran.output
    catalog = yaml.safe_load(out.read_text())
    assert catalog["service"]["name"] == "legacy-db"
    assert catalog["service"]["selector"] == {"job": "pg"}
    (dashboard,) = catalog["dashboards"]
    assert dashboard["rows"] == [{"title": "Queries", "panels": [
        {"title": "QPS", "type": "stat", "unit": "ops",
         "targets": [{"expr": "sum(rate(pg_stat_database_xact_commit{$selector}[5m]))"}]},
        {"title": "Connections", "type": "timeseries", "unit": "short", "stack": True,
         "targets": [{"expr": "sum by (datname) (pg_stat_activity_count{$selector})", "legend": "{{datname}}"}]},
    ]}, {"title": "Notes", "panels": [{"title": "Read me", "type": "text", "content": "hi"}]}]  # legacy text: markdown
    lines = text.splitlines()

    def line(fragment: str) -> int:  # the line of the `{` that opens the object holding `fragment`
        at = next(i for i, text in enumerate(lines) if fragment in text)
        return next(i for i in range(at, -1, -1) if lines[i].strip() == "{") + 1

    qps, loki, untitled = line('"title": "QPS"'), line('"uid": "logs"'), line('"id": 3')
    assert len({qps, loki, untitled}) == 3
    assert f"{source}:{qps}: panel 'QPS': thresholds `100,200` cannot be expressed" in ran.stderr
    assert f"{source}:{loki}: panel 'Connections': target B is not a PromQL query" in ran.stderr
    assert f"{source}:{untitled}: graph panel 3 has no title" in ran.stderr
    assert "Read me" not in ran.stderr and "Notes" not in ran.stderr


def test_sizes_other_than_the_default_are_kept(tmp_path):
    dashboard = {"uid": "sizes", "title": "Sizes", "panels": [
        {"type": "stat", "title": "A", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4},
         "targets": [{"expr": "up", "refId": "A"}]},
        {"type": "stat", "title": "B", "gridPos": {"x": 12, "y": 0, "w": 6, "h": 6},
         "targets": [{"expr": "up", "refId": "A"}]},
    ]}
    source = tmp_path / "sizes.json"
    source.write_text(json.dumps({"dashboard": dashboard, "meta": {"slug": "sizes"}}))
    ran = run_obsgen("import", "dashboards", str(source))
    assert ran.returncode == 0, ran.output
    panels = yaml.safe_load(ran.stdout)["dashboards"][0]["rows"][0]["panels"]
    # Two panels in a row: the generator's default width is 12, a stat's default height 4.
    assert [(p["title"], p.get("width"), p.get("height")) for p in panels] == [("A", None, None), ("B", 6, 6)]
