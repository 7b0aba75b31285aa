"""Dashboard features in the diff, on small before/after dashboards built as data: each field changed
alone gives exactly one readable line; a default made explicit, or equal items reordered, give none."""
from __future__ import annotations

import copy
import json

import pytest

from generator.diff import compare
from generator.diff.formatters import FORMATS


def _timeseries() -> dict:
    return {"id": 2, "type": "timeseries", "title": "Errors",
            "fieldConfig": {"defaults": {"unit": "reqps", "custom": {"stacking": {"mode": "none", "group": "A"}}},
                            "overrides": []},
            "options": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []}},
            "links": [], "targets": [{"refId": "A", "expr": "sum(rate(errors_total[5m]))"}]}


def _table() -> dict:
    return {"id": 4, "type": "table", "title": "Top routes",
            "fieldConfig": {"defaults": {"mappings": []}, "overrides": []},
            "transformations": [{"id": "merge", "options": {}},
                                {"id": "organize", "options": {"excludeByName": {"Time": True}}}],
            "targets": [{"refId": "A", "expr": "topk(5, sum by (route) (rate(errors_total[5m])))"}]}


def _base() -> dict:
    return {"uid": "app", "title": "App", "schemaVersion": 41,
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "timezone": "browser", "links": [],
            "annotations": {"list": [
                {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
                 "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"},
                {"name": "Deploys", "datasource": {"type": "prometheus", "uid": "prom"}, "enable": True, "hide": False,
                 "iconColor": "purple", "expr": "changes(app_build_info[$__interval]) > 0",
                 "titleFormat": "Deploy {{version}}", "tagKeys": "version"}]},
            "panels": [{"id": 1, "type": "row", "title": "Main", "collapsed": False, "panels": []}, _timeseries(),
                       {"id": 3, "type": "row", "title": "Details", "collapsed": False, "panels": []}, _table()]}


def _lines(before: dict, after: dict, fmt: str = "text") -> list[str]:
    report = compare({"d/app.json": json.dumps(before)}, {"d/app.json": json.dumps(after)}, "main", "pr")
    lines = FORMATS[fmt](report).splitlines()
    return lines[2:-1] if fmt == "text" else lines


def _changed(edit) -> list[str]:
    before = _base()
    after = copy.deepcopy(before)
    edit(after)
    return _lines(before, after)


def _errors(d: dict) -> dict:
    return d["panels"][1]


def _panel(*fields: str, title: str = "Errors") -> list[str]:
    return ["  dashboard App (app)", f"    ~ panel {title}", *(f"        {f}" for f in fields)]


def _dashboard(*fields: str) -> list[str]:
    return ["  ~ dashboard App (app)", *(f"      {f}" for f in fields)]


# --- panel features --------------------------------------------------------------------------------

def test_legend_placement_shows_the_default_it_leaves():
    assert _changed(lambda d: _errors(d)["options"]["legend"].update(placement="right")) == _panel(
        "legend placement: bottom -> right")


def test_legend_mode_calcs_sort_and_hidden():
    def edit(d):
        _errors(d)["options"]["legend"].update(displayMode="table", calcs=["max", "mean"], sortBy="Max", sortDesc=True)
    assert _changed(edit) == _panel("legend mode: list -> table", "legend calcs: none -> max, mean",
                                    "legend sort: none -> Max, descending")
    assert _changed(lambda d: _errors(d)["options"]["legend"].update(showLegend=False)) == _panel(
        "legend: shown -> hidden")


def test_a_heatmap_legend_switched_off():
    before = _base()
    before["panels"][1].update(type="heatmap", options={"legend": {"show": True}})
    after = copy.deepcopy(before)
    after["panels"][1]["options"]["legend"]["show"] = False
    assert _lines(before, after) == _panel("legend: shown -> hidden")


def test_legend_defaults_made_explicit_or_calcs_reordered_are_no_change():
    before, after = _base(), _base()
    del before["panels"][1]["options"]["legend"]  # Grafana's default: a list at the bottom
    assert _lines(before, after) == []
    before["panels"][1]["options"]["legend"] = {"displayMode": "table", "calcs": ["mean", "max"]}
    after["panels"][1]["options"]["legend"] = {"displayMode": "table", "calcs": ["max", "mean"], "showLegend": True}
    assert _lines(before, after) == []


def test_stacking_mode():
    assert _changed(lambda d: _errors(d)["fieldConfig"]["defaults"]["custom"]["stacking"].update(mode="percent")) == \
        _panel("stacking: none -> percent")


def test_legacy_graph_stacking_and_legend_are_read():
    before = _base()
    before["panels"][1] = {"id": 2, "type": "graph", "title": "Errors", "stack": False,
                           "legend": {"show": True, "values": True, "max": True, "alignAsTable": True},
                           "targets": [{"refId": "A", "expr": "up"}]}
    after = copy.deepcopy(before)
    after["panels"][1].update(stack=True, percentage=True)
    after["panels"][1]["legend"]["rightSide"] = True
    assert _lines(before, after) == _panel("stacking: none -> percent", "legend placement: bottom -> right")


def test_override_added_changed_and_reordered():
    def override(name: str, color: str) -> dict:
        return {"matcher": {"id": "byNames", "options": {"mode": "include", "names": [name]}},
                "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}},
                               {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}
    before = _base()
    before["panels"][1]["fieldConfig"]["overrides"] = [override("p99", "red"), override("p50", "green")]
    after = copy.deepcopy(before)
    after["panels"][1]["fieldConfig"]["overrides"].reverse()  # same overrides, other order
    after["panels"][1]["fieldConfig"]["overrides"][0]["properties"].reverse()
    assert _lines(before, after) == []
    after["panels"][1]["fieldConfig"]["overrides"][1]["properties"][0]["value"]["fixedColor"] = "orange"
    after["panels"][1]["fieldConfig"]["overrides"].append(
        {"matcher": {"id": "byRegexp", "options": "/5../"},
         "properties": [{"id": "custom.hideFrom", "value": {"legend": True, "tooltip": False, "viz": True}}]})
    assert _lines(before, after) == _panel(
        "override byNames p99: color red; custom.lineStyle {dash: [10, 10], fill: dash} -> "
        "color orange; custom.lineStyle {dash: [10, 10], fill: dash}",
        "override byRegexp /5../: (none) -> hidden from legend, viz")


def test_value_mappings_by_what_they_match():
    before = _base()
    before["panels"][3]["fieldConfig"]["defaults"]["mappings"] = [
        {"type": "value", "options": {"0": {"text": "idle", "color": "blue", "index": 0},
                                      "1": {"text": "busy", "index": 1}}},
        {"type": "range", "options": {"from": 100.0, "to": None, "result": {"text": "overloaded", "index": 2}}}]
    after = copy.deepcopy(before)
    options = after["panels"][3]["fieldConfig"]["defaults"]["mappings"][0]["options"]
    options["0"]["index"], options["1"]["index"] = 1, 0  # the editor's order only
    assert _lines(before, after) == []
    options["1"]["text"] = "working"
    after["panels"][3]["fieldConfig"]["defaults"]["mappings"].append(
        {"type": "special", "options": {"match": "null", "result": {"text": "n/a", "index": 3}}})
    assert _lines(before, after) == _panel("mapping 1: busy -> working", "mapping special null: (none) -> n/a",
                                           title="Top routes")


def test_panel_links():
    def edit(d):
        _errors(d)["links"] = [{"title": "Runbook", "url": "https://runbooks.example.com/AppErrors",
                                "targetBlank": True}]
    assert _changed(edit) == _panel("link Runbook: (none) -> https://runbooks.example.com/AppErrors (new tab)")


def test_repeat_direction_and_max_per_row():
    assert _changed(lambda d: _errors(d).update(repeat="instance", repeatDirection="h", maxPerRow=4)) == _panel(
        "repeat: (none) -> instance", "max per row: (none) -> 4")
    before = _base()
    before["panels"][1].update(repeat="instance", repeatDirection="h", maxPerRow=4)
    after = copy.deepcopy(before)
    after["panels"][1]["repeatDirection"] = "v"
    assert _lines(before, after) == _panel("max per row: 4 -> (none)", "repeat direction: h -> v")


def test_repeat_direction_without_repeat_is_no_change():
    assert _changed(lambda d: _errors(d).update(repeatDirection="v", maxPerRow=2)) == []


def test_a_transformation_inserted_is_one_line_and_order_counts():
    def insert(d):
        d["panels"][3]["transformations"][1:1] = [{"id": "sortBy", "options": {"sort": [{"field": "Value", "desc": True}]}}]
    assert _changed(insert) == _panel("transformation 2: (none) -> sort by Value desc", title="Top routes")
    before = _base()
    before["panels"][3]["transformations"] += [{"id": "limit", "options": {"limitField": 5}},
                                                {"id": "organize", "options": {"renameByName": {"route": "Route"},
                                                                               "indexByName": {"Value": 1, "route": 0}}}]
    after = copy.deepcopy(before)
    after["panels"][3]["transformations"][2]["options"]["limitField"] = 10
    assert _lines(before, after) == _panel("transformation 3: limit 5 -> limit 10", title="Top routes")
    after = copy.deepcopy(before)
    after["panels"][3]["transformations"][2:] = after["panels"][3]["transformations"][:1:-1]  # swapped: a change
    assert _lines(before, after) == _panel(
        "transformation 3: (none) -> organize: order route, Value; rename route as Route",
        "transformation 4: organize: order route, Value; rename route as Route -> (none)", title="Top routes")


# --- collapsed rows --------------------------------------------------------------------------------

def _collapse_details(d: dict) -> None:
    d["panels"][2]["collapsed"] = True
    d["panels"][2]["panels"] = [d["panels"].pop(3)]


def test_a_row_collapsed_is_one_dashboard_line_not_one_per_panel():
    assert _changed(_collapse_details) == _dashboard("row Details: open -> collapsed")


def test_a_panel_moved_into_a_collapsed_row_says_so():
    before = _base()
    _collapse_details(before)
    after = copy.deepcopy(before)
    after["panels"][2]["panels"].append(after["panels"].pop(1))
    assert _lines(before, after) == _panel("row: Main -> Details (collapsed)")
    assert _lines(after, before) == _panel("row: Details (collapsed) -> Main")


# --- dashboard features ----------------------------------------------------------------------------

def test_time_range_refresh_and_timezone():
    def edit(d):
        d["time"] = {"from": "now-24h", "to": "now"}
        d["refresh"] = "1m"
        d["timezone"] = "utc"
    assert _changed(edit) == _dashboard("refresh: 30s -> 1m", "time range: now-6h to now -> now-24h to now",
                                        "timezone: browser -> utc")
    assert _changed(lambda d: d.update(refresh=False)) == _dashboard("refresh: 30s -> off")


def test_dashboard_defaults_made_explicit_are_no_change():
    before, after = _base(), _base()
    for key in ("time", "timezone", "refresh"):
        del before[key]
    after.update(refresh="", timezone="browser", time={"from": "now-6h", "to": "now"})
    assert _lines(before, after) == []
    assert _changed(lambda d: d.update(refresh="30s", timezone="")) == []
    before["refresh"], after["refresh"] = "1m", "60s"  # the same interval
    assert _lines(before, after) == []
    after["refresh"] = "9" * 400 + "ms"  # too long for a float: compared as written
    assert _lines(before, after) == _dashboard(f"refresh: 1m -> {after['refresh']}")


def test_dashboard_links_by_title_reordering_is_no_change():
    links = [{"title": "Team", "type": "dashboards", "tags": ["b", "a"], "asDropdown": True, "keepTime": True},
             {"title": "Detail", "type": "link", "url": "/d/app-detail", "includeVars": True}]
    before = _base()
    before["links"] = links
    after = copy.deepcopy(before)
    after["links"].reverse()
    after["links"][1]["tags"] = ["a", "b"]
    assert _lines(before, after) == []
    after["links"][1]["tags"] = ["a", "b", "c"]
    after["links"][0]["url"] = "/d/app-detail-v2"
    assert _lines(before, after) == _dashboard(
        "link Team: dashboards tagged a, b (dropdown, keeps time) -> dashboards tagged a, b, c (dropdown, keeps time)",
        "link Detail: /d/app-detail (keeps variables) -> /d/app-detail-v2 (keeps variables)")


def test_variable_label_and_sort_are_compared_a_label_equal_to_the_name_is_not():
    before = _base()
    before["templating"] = {"list": [{"name": "env", "type": "custom", "query": "prod,staging", "label": "env"}]}
    after = copy.deepcopy(before)
    after["templating"]["list"][0]["query"] = "prod, staging"  # Grafana trims each value
    del after["templating"]["list"][0]["label"]
    assert _lines(before, after) == []
    after["templating"]["list"][0].update(label="Environment", sort=1)
    assert _lines(before, after) == _dashboard(
        "variable env: custom, query: prod,staging -> custom, query: prod,staging, label: Environment, sort: 1")


# --- annotations -----------------------------------------------------------------------------------

def _deploys(d: dict) -> dict:
    return d["annotations"]["list"][1]


def test_annotation_colour_and_query():
    assert _changed(lambda d: _deploys(d).update(iconColor="red")) == [
        "  dashboard App (app)", "    ~ annotation Deploys", "        colour: purple -> red"]
    assert _changed(lambda d: _deploys(d).update(expr="changes(app_build_info{env=\"prod\"}[$__interval]) > 0")) == [
        "  dashboard App (app)", "    ~ annotation Deploys",
        '        query: changes(app_build_info[$__interval]) > 0 -> changes(app_build_info{env="prod"}[$__interval]) > 0']


def test_annotation_long_query_shows_the_tokens_that_changed():
    long = "sum by (version, instance, pod, namespace, cluster, region, zone, node) (changes(app_build_info{job=\"app\", env=\"prod\"}" \
           "[$__interval])) > 0 and on (instance) (time() - process_start_time_seconds{job=\"app\"}) < 600"
    before = _base()
    _deploys(before)["expr"] = long
    after = copy.deepcopy(before)
    _deploys(after)["expr"] = long.replace("< 600", "< 900")
    assert _lines(before, after) == ["  dashboard App (app)", "    ~ annotation Deploys",
                                     '        query: … "app"}) < [-600-] -> … "app"}) < {+900+}']  # 4 tokens of context
    report = compare({"d.json": json.dumps(before)}, {"d.json": json.dumps(after)})
    (field,) = json.loads(FORMATS["json"](report))["changes"][0]["fields"]
    assert (field["before"], field["after"]) == (long, long.replace("< 600", "< 900"))


def test_annotation_layout_tag_order_and_builtin_default_are_no_change():
    def edit(d):
        _deploys(d).update(expr="changes( app_build_info[$__interval] )>0", tagKeys="version")
        del d["annotations"]["list"][0]  # Grafana adds its built-in one back
    assert _changed(edit) == []
    before = _base()
    _deploys(before)["tagKeys"] = "version,instance"
    after = copy.deepcopy(before)
    _deploys(after)["tagKeys"] = "instance, version"
    assert _lines(before, after) == []


def test_annotation_added_removed_disabled_and_hidden():
    def edit(d):
        d["annotations"]["list"][0]["enable"] = False
        _deploys(d).update(enable=False, hide=True)
        d["annotations"]["list"].append({"name": "Restarts", "expr": "changes(process_start_time_seconds[5m]) > 0"})
    assert _changed(edit) == [
        "  dashboard App (app)",
        "    ~ annotation Deploys", "        enabled: yes -> no", "        hidden: no -> yes",
        "    + annotation Annotations & Alerts", "        enabled: no",
        "    + annotation Restarts", "        query: changes(process_start_time_seconds[5m]) > 0"]
    assert _changed(lambda d: d["annotations"]["list"].pop()) == ["  dashboard App (app)", "    - annotation Deploys"]


def test_markdown_and_json_carry_the_same_fields():
    before = _base()
    after = copy.deepcopy(before)
    _errors(after)["options"]["legend"]["placement"] = "right"
    _deploys(after)["iconColor"] = "red"
    assert _lines(before, after, "markdown")[3:] == [
        "`main` \u2192 `pr`: **annotations: 1 changed; panels: 1 changed**", "",
        "#### `d/app.json` \u00b7 dashboard `App (app)`", "",
        "| | item | field | before | after |", "|---|---|---|---|---|",
        "| ~ | annotation `Deploys` | colour | `purple` | `red` |",
        "| ~ | panel `Errors` | legend placement | `bottom` | `right` |"]
    report = json.loads("\n".join(_lines(before, after, "json")))
    assert report["summary"] == {"annotation": {"changed": 1}, "panel": {"changed": 1}}
    assert [(c["kind"], c["name"], c["container"], c["fields"]) for c in report["changes"]] == [
        ("annotation", "Deploys", "App (app)", [{"field": "colour", "before": "purple", "after": "red"}]),
        ("panel", "Errors", "App (app)", [{"field": "legend placement", "before": "bottom", "after": "right"}])]


# --- odd JSON values -------------------------------------------------------------------------------

ODD = ["x", 3, None, True, [1, "a"], {"a": [None]}]


@pytest.mark.parametrize("value", ODD, ids=repr)
def test_odd_values_in_every_feature_field_never_crash(value):
    def odd_panel(panel: dict) -> dict:
        out = copy.deepcopy(panel)
        for key in ("fieldConfig", "options", "links", "transformations", "repeat", "repeatDirection", "maxPerRow",
                    "legend", "stack"):
            out[key] = value
        return out
    before = _base()
    shapes = [odd_panel(_timeseries()), dict(_timeseries(), title="Nested", fieldConfig={"defaults": value,
                                                                                         "overrides": value}),
              dict(_timeseries(), title="Deeper", fieldConfig={"defaults": {"mappings": [value, {"type": "value", "options": value},
                                                                                         {"type": "range", "options": {"from": value}}],
                                                                            "custom": {"stacking": value}},
                                                               "overrides": [value, {"matcher": value, "properties": value},
                                                                             {"matcher": {"id": "byNames", "options": {"names": value}},
                                                                              "properties": [value, {"id": value}]}]},
                   options={"legend": {"calcs": value, "sortBy": value}},
                   links=[value, {"title": value, "tags": value}],
                   transformations=[value, {"id": value, "options": value},
                                    {"id": "organize", "options": {"excludeByName": value, "indexByName": value,
                                                                   "renameByName": value}},
                                    {"id": "sortBy", "options": {"sort": value}}])]
    odd = {**before, "time": value, "refresh": value, "timezone": value, "links": value,
           "annotations": {"list": [value, {"name": value, "expr": value, "tagKeys": value, "tags": value,
                                            "target": value, "datasource": value}]},
           "panels": [{"type": "row", "title": "R", "collapsed": value, "panels": value}, *shapes,
                      {"type": "row", "title": "S", "collapsed": True, "panels": shapes}]}
    for old, new in ((before, odd), (odd, before), ({}, odd)):
        report = compare({"a.json": json.dumps(old)} if old else {}, {"a.json": json.dumps(new)})
        assert report.problems == ()
        for render in FORMATS.values():
            assert render(report)
    for annotations in (value, {"list": value}):
        for render in FORMATS.values():
            assert render(compare({}, {"a.json": json.dumps({**before, "annotations": annotations})}))
