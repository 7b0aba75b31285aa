"""Panel types beyond timeseries and stat: gauge, bar gauge, table, heatmap, text and state timeline.
Each renders in current Grafana's shape and passes its official panel schema with 0 errors."""
from __future__ import annotations

import pytest

from generator.validators.grafana_schema import validate_dashboard
from generator.validators.lint import lint
from tests.support.catalog_edit import context_of
from tests.support.inprocess import run_obsgen
from tests.support.located import located_error
from tests.test_dashboard_variables import catalog_data, rendered, write

BUCKETS = 'sum by (le) (rate(app_duration_seconds_bucket{$selector}[$__rate_interval]))'
COUNT = 'sum(rate(app_duration_seconds_count{$selector}[$__rate_interval]))'


def with_panels(*panels: dict, variables=None) -> dict:
    data = catalog_data(variables)
    data["dashboards"][0]["rows"][0]["panels"] = list(panels)
    return data


def panel(type_: str, **fields) -> dict:
    out = {"title": f"A {type_}", "type": type_, "unit": "s", "description": "What it shows.",
           "targets": [{"expr": COUNT}]}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


ALL_KINDS = [
    panel("gauge", min=0, max=2),
    panel("bargauge", max=1),
    panel("table", targets=[{"expr": 'sum by (job) (rate(app_duration_seconds_count{$selector}[$__rate_interval]))'}]),
    panel("heatmap", targets=[{"expr": BUCKETS}]),
    panel("text", unit=None, targets=None, content="[Runbook](https://runbooks.example.com/app)"),
    panel("state-timeline", unit="short", targets=[{"expr": "up{$selector}", "legend": "{{instance}}"}]),
    panel("timeseries"),
    panel("stat"),
]


def non_rows(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_every_panel_kind_passes_the_official_schemas(tmp_path):
    dashboard = rendered(tmp_path, with_panels(*ALL_KINDS, variables=[
        {"name": "instance", "type": "query", "label": "instance", "multi": True, "include_all": True}]))
    types = [p["type"] for p in non_rows(dashboard)]
    assert types == ["gauge", "bargauge", "table", "heatmap", "text", "state-timeline", "timeseries", "stat"]
    assert [str(v) for v in validate_dashboard(dashboard)] == []


def test_a_misspelt_option_is_caught_by_the_panel_schema(tmp_path):
    # the check above can fail: a gauge without a required option is refused by gauge.jsonschema.json
    dashboard = rendered(tmp_path, with_panels(panel("gauge")))
    del non_rows(dashboard)[0]["options"]["reduceOptions"]
    assert any("reduceOptions" in str(v) and "gauge.jsonschema.json" in str(v) for v in validate_dashboard(dashboard))


def test_kind_specific_output(tmp_path):
    gauge, bargauge, table, heatmap, text, timeline, *_ = non_rows(rendered(tmp_path, with_panels(*ALL_KINDS)))
    assert (gauge["fieldConfig"]["defaults"]["min"], gauge["fieldConfig"]["defaults"]["max"]) == (0, 2)
    assert "min" not in bargauge["fieldConfig"]["defaults"] and bargauge["fieldConfig"]["defaults"]["max"] == 1
    assert table["targets"][0]["format"] == "table" and table["targets"][0]["instant"] is True
    assert table["targets"][0]["expr"] == 'sum by (job) (rate(app_duration_seconds_count{job="app-api"}[$__rate_interval]))'
    assert [t["id"] for t in table["transformations"]] == ["merge", "organize"]
    assert heatmap["targets"][0]["format"] == "heatmap"
    assert heatmap["targets"][0]["legendFormat"] == "{{le}}"
    assert heatmap["options"]["calculate"] is False and heatmap["options"]["yAxis"]["unit"] == "s"
    assert text["options"] == {"mode": "markdown", "content": "[Runbook](https://runbooks.example.com/app)",
                               "code": {"language": "plaintext", "showLineNumbers": False, "showMiniMap": False}}
    assert "targets" not in text and "datasource" not in text
    assert timeline["targets"][0]["legendFormat"] == "{{instance}}"
    assert text["gridPos"]["h"] == 4 and gauge["gridPos"]["h"] == 6


def test_validate_passes_a_catalog_with_every_panel_kind(tmp_path):
    path = write(tmp_path, with_panels(*ALL_KINDS))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    findings = lint(context_of(path, root=tmp_path))
    assert [(f.rule, f.message) for f in findings] == []


BAD = {
    "text without content": (panel("text", targets=None), "dashboards[0].rows[0].panels[0]",
                             "'content' is a required property"),
    "text with targets": (panel("text", content="hi"), "dashboards[0].rows[0].panels[0].targets",
                          "a text panel has no queries"),
    "gauge without targets": (panel("gauge", targets=None), "dashboards[0].rows[0].panels[0]",
                              "'targets' is a required property"),
    "content on a gauge": (panel("gauge", content="hi"), "dashboards[0].rows[0].panels[0].content",
                           "does not apply to a gauge panel"),
    "min on a table": (panel("table", min=0), "dashboards[0].rows[0].panels[0].min",
                       "does not apply to a table panel"),
    "stack on a heatmap": (panel("heatmap", stack=True), "dashboards[0].rows[0].panels[0].stack",
                           "does not apply to a heatmap panel"),
    "max not above min": (panel("bargauge", min=5, max=5), "dashboards[0].rows[0].panels[0].max",
                          "max 5 must be above min 5"),
    "max not a number": (panel("gauge", max="full"), "dashboards[0].rows[0].panels[0].max",
                         "is not of type 'number'"),
    "unknown type": (panel("piechart"), "dashboards[0].rows[0].panels[0].type", "is not one of"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_panel_field_is_a_located_error_exit_3_and_nothing_written(case, tmp_path):
    bad, doc_path, message = BAD[case]
    path = write(tmp_path, with_panels(bad))
    result = run_obsgen("generate", "--root", str(tmp_path))
    assert result.returncode == 3, result.output
    _, number = located_error(result.stderr, doc_path, message)
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i + 1 for i, text in enumerate(lines) if "panels:" in text)
    assert first < number <= len(lines)
    field = doc_path.rsplit(".", 1)[1]
    if not field.startswith("panels["):
        assert lines[number - 1].strip().lstrip("- ").startswith(f"{field}:"), (lines[number - 1], doc_path)
    assert "nothing was written" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/app.yaml"]


def test_obsgen_validate_reports_0_findings_for_every_panel_kind_with_variables(tmp_path):
    from generator.validators.grafana_schema import default_schema_dir
    write(tmp_path, with_panels(*ALL_KINDS, variables=[
        {"name": "instance", "type": "query", "label": "instance", "multi": True, "include_all": True}]))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    result = run_obsgen("validate", "--root", str(tmp_path), "--grafana-schema-dir", str(default_schema_dir()))
    assert result.returncode == 0, result.output
    assert "dashboard-schema   0 finding(s)" in result.output
    assert "validate passed: 0 error(s), 0 warning(s)" in result.output


def test_every_panel_kind_takes_the_fast_json_path(tmp_path, monkeypatch):
    import json

    from generator import json_text
    from generator.catalog import load_catalog
    from generator.renderers.dashboards import dashboard_json
    catalog = load_catalog(write(tmp_path, with_panels(*ALL_KINDS)), tmp_path)
    document = dashboard_json(catalog, catalog.dashboards[0])
    calls = []
    monkeypatch.setattr(json_text, "stdlib_dumps", lambda data: calls.append(data) or "")
    assert json_text.dumps(document) == json.dumps(document, indent=2, sort_keys=True)
    assert calls == []  # no float below 1e-4 (such as heatmap's filterValues le: 1e-9) forces the slow path
