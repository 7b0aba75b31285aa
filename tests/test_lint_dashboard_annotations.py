"""`obsgen lint` on a dashboard JSON lints its PromQL annotation queries like its panel queries, each
finding at the line of the annotation's `expr`; Grafana's built-in annotation and annotations of
other data sources are passed over."""
from __future__ import annotations

import json
from pathlib import Path

from tests.support.inprocess import run_obsgen


def test_annotation_queries_are_linted_at_their_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dashboard = {"uid": "api", "title": "API", "panels": [], "annotations": {"list": [
        {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "name": "Annotations & Alerts",
         "enable": True},
        {"name": "Deploys", "datasource": {"type": "prometheus", "uid": "prom"}, "expr": "increase(deploys_total[5m]) > 0"},
        {"name": "Broken", "expr": "sum(up"},
        {"name": "Logs", "datasource": {"type": "loki", "uid": "loki"}, "expr": '{app="api"} |= "deploy"'},
        {"name": "Fine", "datasource": {"type": "prometheus", "uid": "prom"},
         "expr": "increase(deploys_total[$__rate_interval]) > 0"}]}}
    Path("api.json").write_text(json.dumps(dashboard, indent=2))
    ran = run_obsgen("lint", "api.json", "--format", "json")
    report = json.loads(ran.stdout)
    lines = Path("api.json").read_text().splitlines()
    deploys = next(i + 1 for i, text in enumerate(lines) if "increase(deploys_total[5m])" in text)
    broken = next(i + 1 for i, text in enumerate(lines) if '"sum(up"' in text)
    assert ran.returncode == 1
    assert sorted((f["rule"], f["line"], f["item"]) for f in report["findings"]) == [
        ("dashboard-query-parses", broken, "annotation Broken"),
        ("dashboard-rate-interval", deploys, "annotation Deploys")]
