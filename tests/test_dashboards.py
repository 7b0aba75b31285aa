"""Every generated dashboard imports cleanly into current Grafana: official schemas, zero errors,
plus the properties the schemas do not enforce (uid, datasource refs, $__rate_interval, units)."""
from __future__ import annotations

import json
import re

import pytest

from generator.catalog import load_catalog
from generator.pipeline import render_all
from generator.renderers.dashboards import shape_for_current_grafana
from generator.validators.grafana_schema import default_schema_dir, validate_dashboard
from tests.support.paths import CATALOGS, REPO


def _dashboards():
    for name, path in sorted(CATALOGS.items()):
        rendered = render_all([load_catalog(path.relative_to(REPO))], ["dashboards"]).artifacts
        for rel, text in sorted(rendered.items()):
            yield pytest.param(json.loads(text), id=f"{name}:{rel}")


DASHBOARDS = list(_dashboards())


def panels(dashboard):
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_official_schemas_are_present():
    assert (default_schema_dir() / "dashboard.jsonschema.json").exists()


@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_zero_errors_against_official_grafana_schemas(dashboard):
    assert [str(v) for v in validate_dashboard(dashboard)] == []


def test_the_validator_does_reject_a_broken_dashboard():
    broken = DASHBOARDS[0].values[0]
    broken = json.loads(json.dumps(broken))
    broken["style"] = "dark"  # legacy key
    panels(broken)[0]["options"]["graphMode"] = "sparkles"
    panels(broken)[1]["targets"][0]["exprr"] = "up"
    found = [str(v) for v in validate_dashboard(broken)]
    assert any("'style' was unexpected" in f for f in found)
    assert any("sparkles" in f and "stat.jsonschema.json#Options" in f for f in found)
    assert any("exprr" in f and "prometheus.jsonschema.json#Dataquery" in f for f in found)


@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_current_grafana_shape(dashboard):
    assert dashboard["schemaVersion"] >= 41
    assert 1 <= len(dashboard["uid"]) <= 40
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for panel in panels(dashboard):
        if panel["type"] == "text":  # markdown: no queries, no data source, no unit
            assert "targets" not in panel and panel["options"]["content"].strip(), panel["title"]
            assert panel["description"], f"{panel['title']} has no description"
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], f"{panel['title']} has no unit"
        assert panel["description"], f"{panel['title']} has no description"
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            for window in re.findall(r"\[([^\]]+)\]", target["expr"]):
                assert window == "$__rate_interval", f"{panel['title']}: fixed window [{window}]"


@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_no_legacy_or_null_keys(dashboard):
    text = json.dumps(dashboard)
    for legacy in ('"rows"', '"style"', '"hideControls"', '"sharedCrosshair"', '"span"', '"__inputs"'):
        assert legacy not in text
    nulls = []

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                if inner is None and not (key == "value" and set(value) == {"color", "value"}):
                    nulls.append(f"{path}.{key}")
                walk(inner, f"{path}.{key}")
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(inner, f"{path}[{i}]")

    walk(dashboard, "")
    assert nulls == []


def test_objective_threshold_line_comes_from_the_catalog():
    catalog = load_catalog("catalog/ampel.yaml")
    dashboard = json.loads((REPO / "dashboards" / "ampel-dashboard-summary.json").read_text())
    by_title = {p["title"]: p for p in panels(dashboard)}
    latency = catalog.objective("summary_latency").threshold
    steps = by_title["Response time (P50 / P95 / P99)"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"color": "red", "value": latency}
    assert by_title["Response time (P50 / P95 / P99)"]["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "dashed"}
    errors = catalog.objective("summary_errors").threshold
    assert by_title["Error rate"]["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] == errors


def test_clean_up_step_removes_what_grafanalib_adds_for_old_grafana():
    raw = {"rows": [], "style": "dark", "hideControls": False, "id": None, "version": 0, "title": "t",
           "panels": [{"type": "timeseries", "span": 4, "error": False, "description": None, "title": "p"}]}
    assert shape_for_current_grafana(raw) == {"title": "t", "panels": [{"type": "timeseries", "title": "p"}]}


def test_validate_without_the_official_schemas_says_where_to_get_them(tmp_path):
    from tests.support.inprocess import run_obsgen

    result = run_obsgen("validate", cwd=REPO, env={"OBSGEN_GRAFANA_SCHEMA_DIR": str(tmp_path)})
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"Grafana's dashboard JSON schemas are not in {tmp_path}" in result.stderr
    assert "OBSGEN_GRAFANA_SCHEMA_DIR" in result.stderr


def test_ampel_dashboard_has_what_an_sre_expects():
    catalog = load_catalog("catalog/ampel.yaml")
    dashboard = json.loads((REPO / "dashboards" / "ampel-dashboard-summary.json").read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["job"]["definition"] == 'label_values(up{job="ampel-api"}, job)'
    assert variables["instance"]["definition"] == 'label_values(up{job=~"$job"}, instance)'
    by_type: dict[str, list] = {}
    for panel in panels(dashboard):
        by_type.setdefault(panel["type"], []).append(panel)
    (heatmap,) = by_type["heatmap"]
    assert heatmap["targets"][0]["format"] == "heatmap"
    assert "ampel_dashboard_summary_duration_seconds_bucket{" in heatmap["targets"][0]["expr"]
    (table,) = by_type["table"]
    assert "by (error_type)" in table["targets"][0]["expr"] and "ampel_dashboard_errors_total" in table["targets"][0]["expr"]
    (text,) = by_type["text"]
    assert f"]({catalog.service.runbook_base_url})" in text["options"]["content"]
    raw = [p for p in panels(dashboard) if "targets" in p and not p["targets"][0]["expr"].startswith("job:")]
    assert raw and all('instance=~"$instance"' in t["expr"] for p in raw for t in p["targets"])
