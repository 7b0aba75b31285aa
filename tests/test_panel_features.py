"""Panel features: overrides, value mappings, legend options, stacking, table transformations,
links (to runbooks, other dashboards and URLs) and repeat by a variable. Each renders in the shape
Grafana's official schemas accept, with 0 errors; bad input to each field is a located error."""
from __future__ import annotations

import pytest

from generator.validators.grafana_schema import validate_dashboard
from tests.support.inprocess import run_obsgen
from tests.support.located import located_error
from tests.test_dashboard_variables import catalog_data, rendered, write

RATE = 'sum by (route) (rate(app_duration_seconds_count{$selector}[$__rate_interval]))'
MULTI = {"name": "instance", "type": "query", "label": "instance", "multi": True, "include_all": True}
SINGLE = {"name": "job", "type": "query", "label": "job"}


def panel(type_: str = "timeseries", **fields) -> dict:
    out = {"title": f"A {type_}", "type": type_, "unit": "reqps", "description": "What it shows.",
           "targets": [{"expr": RATE, "legend": "{{route}}"}]}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def with_panels(*panels: dict, variables=None, second: bool = True) -> dict:
    data = catalog_data(variables)
    data["dashboards"][0]["rows"][0]["panels"] = list(panels)
    if second:  # a second dashboard, for links between dashboards
        data["dashboards"].append({"uid": "app-detail", "title": "App detail", "rows": [{"title": "R", "panels": [
            {"title": "Up", "type": "stat", "unit": "short", "description": "Targets up.",
             "targets": [{"expr": "sum(up{$selector})"}]}]}]})
    return data


def non_rows(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


EVERY_FEATURE = [
    panel("timeseries", stack="percent",
          overrides=[{"fields": ["/api/a"], "color": "red", "line_style": "dash"}, {"fields": ["/b", "/c"], "hidden": True}],
          mappings=[{"value": 0, "text": "idle", "color": "blue"}, {"from": 100, "text": "busy"}],
          legend={"mode": "table", "placement": "right", "calcs": ["mean", "max"], "sort_by": "max", "sort_desc": True},
          links=[{"title": "Runbook", "runbook": "AppSlow"}, {"title": "Detail", "dashboard": "app-detail"},
                 {"title": "Docs", "url": "https://docs.example.com/app", "new_tab": True}],
          repeat="instance", repeat_direction="h", max_per_row=3),
    panel("table", targets=[{"expr": RATE}],
          transformations=[{"sort_by": "Value", "desc": True}, {"limit": 5},
                           {"organize": {"exclude": ["job"], "rename": {"route": "Route"}, "order": ["route", "Value"]}}],
          mappings=[{"regex": "^/api/.*", "text": "API"}, {"special": "null", "text": "n/a"}]),
    panel("stat", mappings=[{"value": "1", "text": "up", "color": "green"}, {"value": "0", "text": "down", "color": "red"}],
          overrides=[{"fields": ["/api/a"], "color": "#ff8800"}]),
    panel("state-timeline", legend={"show": False}, repeat="instance", repeat_direction="v"),
    panel("bargauge", legend={"show": True, "mode": "list", "calcs": ["lastNotNull"]}),
    panel("gauge", mappings=[{"from": 0, "to": 0.5, "text": "low"}]),
]


def test_every_panel_feature_passes_the_official_schemas(tmp_path):
    dashboard = rendered(tmp_path, with_panels(*EVERY_FEATURE, variables=[MULTI]))
    assert [str(v) for v in validate_dashboard(dashboard)] == []


def test_the_schemas_would_refuse_a_string_override_value(tmp_path):
    # the check above can fail: Grafana's schema types an override value as an object
    dashboard = rendered(tmp_path, with_panels(*EVERY_FEATURE, variables=[MULTI]))
    non_rows(dashboard)[0]["fieldConfig"]["overrides"][0]["properties"].append({"id": "unit", "value": "ms"})
    found = [str(v) for v in validate_dashboard(dashboard)]
    assert len(found) == 1 and found[0].startswith("panels[1]: ") and "is not valid under any" in found[0], found


def test_feature_output(tmp_path):
    series, table, stat, timeline, bargauge, gauge = non_rows(rendered(tmp_path, with_panels(*EVERY_FEATURE, variables=[MULTI])))
    assert series["fieldConfig"]["defaults"]["custom"]["stacking"] == {"mode": "percent", "group": "A"}
    assert series["fieldConfig"]["overrides"] == [
        {"matcher": {"id": "byNames", "options": {"mode": "include", "names": ["/api/a"], "prefix": "", "readOnly": False}},
         "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
                        {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]},
        {"matcher": {"id": "byNames", "options": {"mode": "include", "names": ["/b", "/c"], "prefix": "", "readOnly": False}},
         "properties": [{"id": "custom.hideFrom", "value": {"legend": True, "tooltip": True, "viz": True}}]}]
    assert series["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"0": {"index": 0, "text": "idle", "color": "blue"}}},
        {"type": "range", "options": {"from": 100.0, "to": None, "result": {"index": 1, "text": "busy"}}}]
    assert series["options"]["legend"] == {"showLegend": True, "displayMode": "table", "placement": "right",
                                           "calcs": ["mean", "max"], "sortBy": "Max", "sortDesc": True}
    assert [(x["title"], x["url"], x["keepTime"], x["includeVars"], x["targetBlank"]) for x in series["links"]] == [
        ("Runbook", "https://runbooks.example.com/app/AppSlow", False, False, False),
        ("Detail", "/d/app-detail", True, True, False),
        ("Docs", "https://docs.example.com/app", False, False, True)]
    assert (series["repeat"], series["repeatDirection"], series["maxPerRow"]) == ("instance", "h", 3)
    assert [t["id"] for t in table["transformations"]] == ["merge", "organize", "sortBy", "limit", "organize"]
    assert table["transformations"][2:] == [
        {"id": "sortBy", "options": {"fields": {}, "sort": [{"field": "Value", "desc": True}]}},
        {"id": "limit", "options": {"limitField": 5}},
        {"id": "organize", "options": {"excludeByName": {"job": True}, "indexByName": {"route": 0, "Value": 1},
                                       "renameByName": {"route": "Route"}}}]
    assert table["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "regex", "options": {"pattern": "^/api/.*", "result": {"index": 0, "text": "API"}}},
        {"type": "special", "options": {"match": "null", "result": {"index": 1, "text": "n/a"}}}]
    assert stat["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {
        "1": {"index": 0, "text": "up", "color": "green"}, "0": {"index": 1, "text": "down", "color": "red"}}}]
    assert timeline["options"]["legend"]["showLegend"] is False and timeline["repeatDirection"] == "v"
    assert "maxPerRow" not in timeline
    assert bargauge["options"]["legend"]["calcs"] == ["lastNotNull"]
    assert gauge["fieldConfig"]["defaults"]["mappings"][0]["options"]["to"] == 0.5


def test_a_panel_without_features_keeps_its_defaults(tmp_path):
    (series,) = non_rows(rendered(tmp_path, with_panels(panel(), second=False)))
    assert series["links"] == [] and series["fieldConfig"]["overrides"] == []
    assert series["options"]["legend"]["calcs"] == ["mean", "max", "lastNotNull"]
    assert series["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "none"
    assert "repeat" not in series


def test_stack_true_still_means_normal(tmp_path):
    (series,) = non_rows(rendered(tmp_path, with_panels(panel(stack=True), second=False)))
    assert series["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"


P = "dashboards[0].rows[0].panels[0]"
BAD = {
    "override on a text panel": (panel("text", unit=None, targets=None, content="x",
                                       overrides=[{"fields": ["a"], "color": "red"}]), f"{P}.overrides",
                                 "does not apply to a text panel"),
    "override without a property": (panel(overrides=[{"fields": ["a"]}]), f"{P}.overrides[0]",
                                    "sets at least one of color"),
    "override bad colour": (panel(overrides=[{"fields": ["a"], "color": "Red!"}]), f"{P}.overrides[0].color",
                            "'Red!' is not a Grafana colour"),
    "override duplicate field": (panel(overrides=[{"fields": ["a", "a"], "hidden": True}]),
                                 f"{P}.overrides[0].fields[1]", "duplicate field 'a'"),
    "line style on a stat": (panel("stat", overrides=[{"fields": ["a"], "line_style": "dash"}]),
                             f"{P}.overrides[0].line_style", "timeseries panels only"),
    "mapping of two kinds": (panel(mappings=[{"value": 1, "from": 0, "text": "x"}]), f"{P}.mappings[0]",
                             "exactly one of value, from/to"),
    "mapping without result": (panel(mappings=[{"value": 1}]), f"{P}.mappings[0]", "sets text, color or both"),
    "mapping range reversed": (panel(mappings=[{"from": 5, "to": 1, "text": "x"}]), f"{P}.mappings[0].to",
                               "to 1 must be above from 5"),
    "mapping value twice": (panel(mappings=[{"value": 1, "text": "a"}, {"value": "1", "text": "b"}]),
                            f"{P}.mappings[1].value", "already mapped"),
    "mapping special unknown": (panel(mappings=[{"special": "none", "text": "x"}]), f"{P}.mappings[0].special",
                                "is not one of"),
    "legend on a table": (panel("table", legend={"show": False}), f"{P}.legend", "does not apply to a table panel"),
    "legend unknown calc": (panel(legend={"calcs": ["avg"]}), f"{P}.legend.calcs[0]", "is not one of"),
    "legend sort by a missing calc": (panel(legend={"calcs": ["mean"], "sort_by": "max"}), f"{P}.legend.sort_by",
                                      "must be one of the legend's calcs"),
    "legend sort_desc alone": (panel(legend={"sort_desc": True}), f"{P}.legend.sort_desc", "needs sort_by"),
    "stack unknown mode": (panel(stack="stacked"), f"{P}.stack",
                           "expected true or normal (series on top of each other), percent"),
    "transformations on a timeseries": (panel(transformations=[{"limit": 5}]), f"{P}.transformations",
                                        "does not apply to a timeseries panel"),
    "transformation of two kinds": (panel("table", transformations=[{"limit": 5, "sort_by": "Value"}]),
                                    f"{P}.transformations[0]", "exactly one of sort_by, limit, organize"),
    "limit zero": (panel("table", transformations=[{"limit": 0}]), f"{P}.transformations[0].limit",
                   "less than the minimum of 1"),
    "desc on a limit": (panel("table", transformations=[{"limit": 3, "desc": True}]),
                        f"{P}.transformations[0].desc", "desc applies to sort_by only"),
    "organize excluded and renamed": (panel("table", transformations=[{"organize": {"exclude": ["a"], "rename": {"a": "A"}}}]),
                                      f"{P}.transformations[0].organize.rename.a", "cannot also be renamed"),
    "link to two targets": (panel(links=[{"title": "x", "url": "https://a.example", "runbook": "A"}]),
                            f"{P}.links[0]", "exactly one of url, dashboard, runbook"),
    "link to an unknown dashboard": (panel(links=[{"title": "x", "dashboard": "nope"}]),
                                     f"{P}.links[0].dashboard", "unknown dashboard 'nope'"),
    "link url not a url": (panel(links=[{"title": "x", "url": "ftp://a"}]), f"{P}.links[0].url",
                            "is not an absolute http(s) URL"),
    "repeat unknown variable": (panel(repeat="pod"), f"{P}.repeat", "unknown variable 'pod'"),
    "repeat single-value variable": (panel(repeat="job"), f"{P}.repeat", "repeat needs multi or include_all"),
    "repeat direction without repeat": (panel(repeat_direction="v"), f"{P}.repeat_direction", "needs repeat"),
    "max per row vertical": (panel(repeat="instance", repeat_direction="v", max_per_row=2), f"{P}.max_per_row",
                             "horizontal repeats"),
    "overrides empty": (panel(overrides=[]), f"{P}.overrides", "should be non-empty"),
    "override fields empty": (panel(overrides=[{"fields": [], "color": "red"}]), f"{P}.overrides[0].fields",
                              "should be non-empty"),
    "override hidden not a boolean": (panel(overrides=[{"fields": ["a"], "hidden": "yes"}]),
                                      f"{P}.overrides[0].hidden", "is not of type 'boolean'"),
    "override line style unknown": (panel(overrides=[{"fields": ["a"], "line_style": "wavy"}]),
                                    f"{P}.overrides[0].line_style", "is not one of"),
    "mapping regex empty": (panel(mappings=[{"regex": "", "text": "x"}]), f"{P}.mappings[0].regex",
                            "should be non-empty"),
    "mapping text not a string": (panel(mappings=[{"value": 1, "text": 5}]), f"{P}.mappings[0].text",
                                  "is not of type 'string'"),
    "mapping colour bad": (panel(mappings=[{"value": 1, "color": "Nope!"}]), f"{P}.mappings[0].color",
                           "is not a Grafana colour"),
    "mapping from not a number": (panel(mappings=[{"from": "low", "text": "x"}]), f"{P}.mappings[0].from",
                                  "is not of type 'number'"),
    "legend mode unknown": (panel(legend={"mode": "grid"}), f"{P}.legend.mode", "is not one of"),
    "legend placement unknown": (panel(legend={"placement": "top"}), f"{P}.legend.placement", "is not one of"),
    "legend show not a boolean": (panel(legend={"show": "yes"}), f"{P}.legend.show", "is not of type 'boolean'"),
    "legend unknown field": (panel(legend={"width": 3}), f"{P}.legend.width", "unknown field 'width'"),
    "sort_by empty": (panel("table", transformations=[{"sort_by": ""}]), f"{P}.transformations[0].sort_by",
                      "should be non-empty"),
    "organize order duplicate": (panel("table", transformations=[{"organize": {"order": ["a", "a"]}}]),
                                 f"{P}.transformations[0].organize.order[1]", "duplicate field 'a'"),
    "organize empty": (panel("table", transformations=[{"organize": {}}]), f"{P}.transformations[0].organize",
                       "sets at least one of exclude, rename, order"),
    "organize excluded and ordered": (panel("table", transformations=[{"organize": {"exclude": ["a"], "order": ["a"]}}]),
                                      f"{P}.transformations[0].organize.order", "cannot also be ordered"),
    "link without title": (panel(links=[{"url": "https://x.example"}]), f"{P}.links[0]",
                           "'title' is a required property"),
    "link runbook empty": (panel(links=[{"title": "x", "runbook": ""}]), f"{P}.links[0].runbook",
                           "should be non-empty"),
    "link new_tab not a boolean": (panel(links=[{"title": "x", "url": "https://x.example", "new_tab": 1}]),
                                   f"{P}.links[0].new_tab", "is not of type 'boolean'"),
    "link dashboard bad uid": (panel(links=[{"title": "x", "dashboard": "no good"}]), f"{P}.links[0].dashboard",
                               "does not match"),
    "repeat direction unknown": (panel(repeat="instance", repeat_direction="d"), f"{P}.repeat_direction",
                                 "is not one of"),
    "repeat not a variable name": (panel(repeat="$instance"), f"{P}.repeat",
                                   "'$instance' is not a Prometheus label name"),
    "max per row too large": (panel(repeat="instance", max_per_row=30), f"{P}.max_per_row",
                              "greater than the maximum of 24"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_panel_feature_is_a_located_error_exit_3_and_nothing_written(case, tmp_path):
    bad, doc_path, message = BAD[case]
    path = write(tmp_path, with_panels(bad, variables=[SINGLE, MULTI]))
    result = run_obsgen("generate", "--root", str(tmp_path))
    assert result.returncode == 3, result.output
    file_part, number = located_error(result.stderr, doc_path, message)
    assert file_part.endswith("catalog/app.yaml")
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i + 1 for i, text in enumerate(lines) if "panels:" in text)
    assert first < number <= len(lines)
    assert "nothing was written" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/app.yaml"]
