"""Dashboard template variables: datasource, query (label_values), custom, interval and constant.

Catalogs are built here in code: a minimal service with one histogram and one dashboard, plus the
variables and queries each test needs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.pipeline import render_all
from generator.validators.grafana_schema import validate_dashboard
from generator.validators.lint import lint
from tests.support.catalog_builder import CatalogBuilder, histogram
from tests.support.catalog_edit import by_rule, context_of
from tests.support.inprocess import run_obsgen
from tests.support.located import located_error

JOB_AND_INSTANCE = [
    {"name": "job", "type": "query", "label": "job", "title": "Job"},
    {"name": "instance", "type": "query", "label": "instance", "multi": True, "include_all": True},
]


def catalog_data(variables=None, expr='sum(rate(app_duration_seconds_count{$selector}[$__rate_interval]))',
                 **dashboard) -> dict:
    board = {"uid": "app", "title": "App", "rows": [{"title": "Traffic", "panels": [
        {"title": "Requests", "type": "timeseries", "unit": "reqps", "description": "Requests per second.",
         "targets": [{"expr": expr}]}]}], **dashboard}
    if variables is not None:
        board["variables"] = variables
    return CatalogBuilder("app", team="web", job="app-api", metrics=[histogram("app_duration_seconds", (0.1, 0.5, 1.0))]
                          ).dashboard(board).data


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "catalog" / "app.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def rendered(tmp_path: Path, data: dict) -> dict:
    path = write(tmp_path, data)
    artifacts = render_all([load_catalog(path, tmp_path)], ["dashboards"]).artifacts
    return json.loads(artifacts["dashboards/app.json"])


def variables_of(dashboard: dict) -> dict[str, dict]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def expr_of(dashboard: dict) -> str:
    return next(p for p in dashboard["panels"] if p["type"] != "row")["targets"][0]["expr"]


def test_job_and_instance_variables_narrow_every_panel_query(tmp_path):
    dashboard = rendered(tmp_path, catalog_data(JOB_AND_INSTANCE))
    assert expr_of(dashboard) == \
        'sum(rate(app_duration_seconds_count{job=~"$job", instance=~"$instance"}[$__rate_interval]))'
    found = variables_of(dashboard)
    assert list(found) == ["datasource", "job", "instance"]
    assert found["job"]["definition"] == 'label_values(up{job="app-api"}, job)'
    # chained: the instances offered are those of the chosen job
    assert found["instance"]["query"] == 'label_values(up{job=~"$job"}, instance)'
    assert found["instance"]["multi"] is True and found["instance"]["includeAll"] is True
    assert found["instance"]["allValue"] == ".*"
    assert found["job"]["label"] == "Job" and found["job"]["multi"] is False
    assert found["job"]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert validate_dashboard(dashboard) == []


def test_without_variables_the_selector_stays_the_catalogs(tmp_path):
    dashboard = rendered(tmp_path, catalog_data())
    assert expr_of(dashboard) == 'sum(rate(app_duration_seconds_count{job="app-api"}[$__rate_interval]))'
    assert list(variables_of(dashboard)) == ["datasource"]


def test_every_variable_kind_renders_and_passes_the_official_schema(tmp_path):
    variables = [
        {"name": "ds", "type": "datasource", "title": "Prometheus", "regex": "prod-.*"},
        {"name": "route", "type": "custom", "label": "path", "values": ["/a", "/b"], "multi": True},
        {"name": "window", "type": "interval", "values": ["5m", "1m", "1h"]},
        {"name": "region", "type": "constant", "value": "eu-west-1"},
        {"name": "pod", "type": "query", "label": "pod", "metric": "app_duration_seconds_count", "selects": False},
    ]
    dashboard = rendered(tmp_path, catalog_data(
        variables, expr='sum(rate(app_duration_seconds_count{$selector, pod=~"$pod"}[$window]))'))
    found = variables_of(dashboard)
    assert list(found) == ["ds", "route", "window", "region", "pod"]  # no second datasource variable
    assert found["ds"]["regex"] == "prod-.*" and found["ds"]["query"] == "prometheus"
    assert found["route"]["query"] == "/a,/b"
    assert [o["value"] for o in found["route"]["options"]] == ["/a", "/b"]
    assert found["window"]["type"] == "interval" and found["window"]["current"]["value"] == "5m"
    assert found["region"]["hide"] == 2 and found["region"]["query"] == "eu-west-1"
    assert found["pod"]["definition"] == 'label_values(app_duration_seconds_count{job="app-api", path=~"$route"}, pod)'
    assert expr_of(dashboard) == \
        'sum(rate(app_duration_seconds_count{job="app-api", path=~"$route", pod=~"$pod"}[$window]))'
    panel = next(p for p in dashboard["panels"] if p["type"] != "row")
    assert panel["datasource"] == {"type": "prometheus", "uid": "${ds}"}
    assert panel["targets"][0]["datasource"] == {"type": "prometheus", "uid": "${ds}"}
    assert validate_dashboard(dashboard) == []


def test_a_query_variable_on_a_selector_label_replaces_its_fixed_value(tmp_path):
    data = catalog_data([{"name": "env", "type": "query", "label": "job"}])
    dashboard = rendered(tmp_path, data)
    assert expr_of(dashboard) == 'sum(rate(app_duration_seconds_count{job=~"$env"}[$__rate_interval]))'


BAD = {
    "unknown type": ({"name": "x", "type": "textbox"}, "dashboards[0].variables[0].type", "is not one of"),
    "query without label": ({"name": "x", "type": "query"}, "dashboards[0].variables[0]", "'label' is a required"),
    "custom without values": ({"name": "x", "type": "custom"}, "dashboards[0].variables[0]", "'values' is a required"),
    "constant without value": ({"name": "x", "type": "constant"}, "dashboards[0].variables[0]",
                               "'value' is a required"),
    "bad name": ({"name": "9x", "type": "constant", "value": "v"}, "dashboards[0].variables[0].name", "9x"),
    "reserved name": ({"name": "selector", "type": "constant", "value": "v"}, "dashboards[0].variables[0].name",
                      "is reserved"),
    "built-in name": ({"name": "__range", "type": "constant", "value": "v"}, "dashboards[0].variables[0].name",
                      "is reserved"),
    "field of another kind": ({"name": "x", "type": "constant", "value": "v", "multi": True},
                              "dashboards[0].variables[0].multi", "does not apply to a constant variable"),
    "interval not a duration": ({"name": "w", "type": "interval", "values": ["5m", "soon"]},
                                "dashboards[0].variables[0].values[1]", "soon"),
    "duplicate custom value": ({"name": "x", "type": "custom", "values": ["a", "a"]},
                               "dashboards[0].variables[0].values[1]", "duplicate value 'a'"),
    "comma in a value": ({"name": "x", "type": "custom", "values": ["a,b"]},
                         "dashboards[0].variables[0].values[0]", "must not contain a comma"),
    "bad label name": ({"name": "x", "type": "query", "label": "bad-label"}, "dashboards[0].variables[0].label",
                       "bad-label"),
    "bad metric name": ({"name": "x", "type": "query", "label": "pod", "metric": "no good"},
                        "dashboards[0].variables[0].metric", "no good"),
    "multi not a boolean": ({"name": "x", "type": "query", "label": "pod", "multi": "yes"},
                            "dashboards[0].variables[0].multi", "is not of type 'boolean'"),
    "unknown field": ({"name": "x", "type": "constant", "value": "v", "hidden": True},
                      "dashboards[0].variables[0].hidden", "unknown field 'hidden'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_variable_is_a_located_error_exit_3_and_nothing_written(case, tmp_path):
    variable, doc_path, message = BAD[case]
    path = write(tmp_path, catalog_data([variable]))
    result = run_obsgen("generate", "--root", str(tmp_path))
    assert result.returncode == 3, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i + 1 for i, text in enumerate(lines) if "variables:" in text) + 1  # the variable's first line
    file_part, number = located_error(result.stderr, doc_path, message)
    assert file_part.endswith("catalog/app.yaml")
    assert line <= number <= len(lines)
    assert "nothing was written" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/app.yaml"]


def test_duplicate_names_two_datasources_and_a_label_selected_twice(tmp_path):
    path = write(tmp_path, catalog_data([
        {"name": "a", "type": "datasource"}, {"name": "a", "type": "datasource"},
        {"name": "b", "type": "query", "label": "pod"}, {"name": "c", "type": "custom", "label": "pod", "values": ["x"]},
    ]))
    with pytest.raises(CatalogError) as err:
        load_catalog(path, tmp_path)
    messages = {p.location.path: p.message for p in err.value.problems}
    assert "duplicate variable name 'a'" in messages["dashboards[0].variables[1].name"]
    assert "at most one datasource variable" in messages["dashboards[0].variables[1].type"]
    assert "already selected by variable $b" in messages["dashboards[0].variables[3].label"]
    text = path.read_text(encoding="utf-8").splitlines()
    line = {p.location.path: p.location.line for p in err.value.problems}["dashboards[0].variables[3].label"]
    assert text[line - 1].strip() == "label: pod"


def test_validate_reports_an_undefined_variable_at_the_catalog_line(tmp_path):
    expr = 'sum(rate(app_duration_seconds_count{$selector, route=~"${route}", pod=~"$pod"}[$__rate_interval]))'
    path = write(tmp_path, catalog_data([{"name": "pod", "type": "query", "label": "pod", "selects": False}],
                                        expr=expr))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    findings = by_rule(lint(context_of(path, root=tmp_path)), "dashboard-variable-undefined")
    assert [f.message for f in findings] == [
        "panel 'Requests' uses $route, which dashboard 'app' does not define (its variables: $pod)"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "route=~" in lines[findings[0].line - 1]
    assert findings[0].file.endswith("catalog/app.yaml")


def test_defined_variables_and_builtins_are_not_reported(tmp_path):
    expr = 'sum(rate(app_duration_seconds_count{$selector}[${window}])) * $__range_s'
    path = write(tmp_path, catalog_data(JOB_AND_INSTANCE + [{"name": "window", "type": "interval",
                                                             "values": ["5m"]}], expr=expr))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    assert by_rule(lint(context_of(path, root=tmp_path)), "dashboard-variable-undefined") == []


def test_an_undefined_variable_can_be_silenced_on_its_panel(tmp_path):
    data = catalog_data(expr='sum(app_duration_seconds_count{$selector, pod=~"$pod"})')
    data["dashboards"][0]["rows"][0]["panels"][0]["silence"] = [
        {"rule": "dashboard-variable-undefined", "reason": "set by a link from another dashboard"}]
    path = write(tmp_path, data)
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    assert by_rule(lint(context_of(path, root=tmp_path)), "dashboard-variable-undefined") == []
