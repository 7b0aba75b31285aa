"""The diff on what third-party dashboards carry and the generator never writes: a legacy graph's
`seriesOverrides` (one field per alias) and `aliasColors`, a row's `repeat`, and the copies Grafana
saves of repeated rows and panels in API exports (`repeatPanelId`, `repeatIteration`,
`repeatRowId`), which are neither panels nor rows of their own. Dashboards are written by hand;
each expected change list is a literal."""
from __future__ import annotations

import copy
import json

import pytest

from generator.diff import compare
from generator.diff.formatters import FORMATS


def _graph() -> dict:
    return {"id": 2, "type": "graph", "title": "Requests", "datasource": "Prometheus",
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1},
            "yaxes": [{"format": "reqps", "show": True}, {"format": "short", "show": True}],
            "aliasColors": {"2xx": "green"},
            "seriesOverrides": [{"alias": "5xx", "color": "#F2495C", "yaxis": 2},
                                {"alias": "/p9[59]/", "dashes": True, "lines": False}],
            "targets": [{"refId": "A", "expr": "sum by (code) (rate(http_requests_total[5m]))",
                         "legendFormat": "{{code}}"}]}


def _graph_dashboard() -> dict:
    return {"uid": "legacy", "title": "Legacy", "schemaVersion": 27,
            "panels": [{"id": 1, "type": "row", "title": "Traffic", "collapsed": False, "panels": [],
                        "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}}, _graph()]}


def _report(before: dict, after: dict, name: str = "d/legacy.json"):
    return compare({name: json.dumps(before)}, {name: json.dumps(after)}, "main", "pr")


def _fields(report) -> list[tuple]:
    return [(c.kind, c.name, c.status, [(f.field, f.before, f.after) for f in c.fields]) for c in report.changes]


# --- seriesOverrides and aliasColors ------------------------------------------------------------------

def test_series_overrides_reordered_or_their_keys_reordered_are_no_change():
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    graph = after["panels"][1]
    graph["seriesOverrides"] = [{"lines": False, "alias": "/p9[59]/", "dashes": True},
                                {"yaxis": 2, "color": "#F2495C", "alias": "5xx"}]
    assert _fields(_report(before, after)) == []


def test_series_overrides_changed_added_and_removed_by_alias():
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    graph = after["panels"][1]
    graph["seriesOverrides"] = [{"alias": "4xx", "color": "orange", "fill": 0},
                                {"alias": "5xx", "color": "#F2495C", "yaxis": 1}]
    assert _fields(_report(before, after)) == [("panel", "Requests", "changed", [
        ("series override 5xx", "color #F2495C; yaxis 2", "color #F2495C; yaxis 1"),
        ("series override /p9[59]/", "dashes true; lines false", None),
        ("series override 4xx", None, "color orange; fill 0"),
    ])]


def test_an_alias_colour_changed_is_one_field():
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    after["panels"][1]["aliasColors"] = {"2xx": "dark-green", "5xx": "red"}
    assert _fields(_report(before, after)) == [("panel", "Requests", "changed", [
        ("series color 2xx", "green", "dark-green"), ("series color 5xx", None, "red")])]


def test_an_added_graph_lists_its_series_overrides():
    report = compare({}, {"d/legacy.json": json.dumps(_graph_dashboard())}, "main", "pr")
    panel = next(c for c in report.changes if c.kind == "panel")
    assert [(f.field, f.after) for f in panel.fields] == [
        ("type", "graph"), ("row", "Traffic"), ("datasource", "Prometheus"), ("unit", "reqps"),
        ("series override 5xx", "color #F2495C; yaxis 2"), ("series override /p9[59]/", "dashes true; lines false"),
        ("series color 2xx", "green"),
        ("query A", "sum by (code) (rate(http_requests_total[5m]))"), ("legend A", "{{code}}")]


@pytest.mark.parametrize("odd", ["x", 3, None, [1, "a"], [{"alias": None}], [{}], {"alias": "5xx"}])
def test_odd_series_overrides_never_stop_the_diff(odd):
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    after["panels"][1]["seriesOverrides"] = odd
    after["panels"][1]["aliasColors"] = odd
    changes = _fields(_report(before, after))
    assert [(kind, name, status) for kind, name, status, _ in changes] == [("panel", "Requests", "changed")]
    assert {field for field in changes[0][3] if field[0].startswith("series override 5xx")} == {
        ("series override 5xx", "color #F2495C; yaxis 2", None)}


# --- repeated rows ------------------------------------------------------------------------------------

def _repeated() -> dict:
    """A saved dashboard: a row repeated per instance with two panels, a panel repeated per disk."""
    return {"uid": "nodes", "title": "Nodes", "schemaVersion": 39,
            "templating": {"list": [{"name": "instance", "type": "query", "query": "label_values(up, instance)",
                                     "multi": True, "includeAll": True},
                                    {"name": "disk", "type": "custom", "query": "sda,sdb", "multi": True}]},
            "panels": [
                {"id": 1, "type": "row", "title": "Node $instance", "collapsed": False, "repeat": "instance",
                 "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}},
                {"id": 2, "type": "timeseries", "title": "CPU", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1},
                 "targets": [{"refId": "A", "expr": 'sum(rate(node_cpu_seconds_total{instance="$instance"}[5m]))'}]},
                {"id": 3, "type": "timeseries", "title": "Disk $disk", "repeat": "disk", "repeatDirection": "h",
                 "gridPos": {"h": 8, "w": 12, "x": 12, "y": 1},
                 "targets": [{"refId": "A", "expr": 'rate(node_disk_io_time_seconds_total{device="$disk"}[5m])'}]},
                {"id": 4, "type": "row", "title": "Totals", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 9},
                 "panels": [{"id": 5, "type": "stat", "title": "Nodes up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 10},
                             "targets": [{"refId": "A", "expr": "count(up == 1)"}]}]}]}


def _export(saved: dict, iteration: int = 1733000000000) -> dict:
    """What Grafana's API returns once the dashboard was saved with two instances and two disks
    selected: the copies it made, with the source panels' scopedVars, under `dashboard`."""
    data = copy.deepcopy(saved)
    row, cpu, disk, totals = data["panels"]
    row["scopedVars"] = {"instance": {"text": "a:9100", "value": "a:9100"}}
    disk["scopedVars"] = {"disk": {"text": "sda", "value": "sda"}}
    disk_copy = {**copy.deepcopy(disk), "id": 11, "repeat": None, "repeatPanelId": 3, "repeatIteration": iteration,
                 "scopedVars": {"disk": {"text": "sdb", "value": "sdb"}}, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 9}}
    row_copy = {**copy.deepcopy(row), "id": 12, "repeat": None, "repeatPanelId": 1, "repeatIteration": iteration,
                "scopedVars": {"instance": {"text": "b:9100", "value": "b:9100"}}}
    cpu_copy = {**copy.deepcopy(cpu), "id": 13, "repeatPanelId": 2, "repeatIteration": iteration, "repeatedByRow": True}
    disk_in_copy = {**copy.deepcopy(disk), "id": 14, "repeatPanelId": 3, "repeatIteration": iteration,
                    "repeatedByRow": True}
    data["panels"] = [row, cpu, disk, disk_copy, row_copy, cpu_copy, disk_in_copy, totals]
    data["version"] = 7
    return {"meta": {"slug": "nodes", "version": 7}, "dashboard": data}


def test_grafanas_repeat_copies_in_an_api_export_are_neither_added_panels_nor_rows():
    saved = _repeated()
    report = compare({"d/nodes.json": json.dumps(saved)}, {"d/nodes.json": json.dumps(_export(saved))}, "main", "pr")
    assert _fields(report) == []


def test_an_export_read_alone_lists_only_the_panels_that_were_saved():
    report = compare({}, {"d/nodes.json": json.dumps(_export(_repeated()))}, "main", "pr")
    assert [(c.kind, c.name) for c in report.changes] == [
        ("dashboard", "Nodes (nodes)"), ("panel", "CPU"), ("panel", "Disk $disk"), ("panel", "Nodes up")]
    dashboard = report.changes[0]
    assert [(f.field, f.after) for f in dashboard.fields if f.field.startswith(("row ", "repeat row "))] == [
        ("repeat row Node $instance", "instance"), ("row Totals", "collapsed")]


def test_a_query_changed_under_a_repeated_row_is_one_change_on_the_source_panel():
    saved = _repeated()
    edited = copy.deepcopy(saved)
    edited["panels"][1]["targets"][0]["expr"] = 'sum(rate(node_cpu_seconds_total{instance="$instance"}[10m]))'
    report = compare({"d/nodes.json": json.dumps(_export(saved))}, {"d/nodes.json": json.dumps(_export(edited))},
                     "main", "pr")
    assert _fields(report) == [("panel", "CPU", "changed", [
        ("query A", 'sum(rate(node_cpu_seconds_total{instance="$instance"}[5m]))',
         'sum(rate(node_cpu_seconds_total{instance="$instance"}[10m]))')])]


def test_a_collapsed_repeated_row_and_its_copies():
    saved = _repeated()
    row, cpu, disk, totals = saved["panels"]
    row.update(collapsed=True, panels=[cpu, disk])
    saved["panels"] = [row, totals]
    export = copy.deepcopy(saved)
    copied = {**copy.deepcopy(row), "id": 20, "repeat": None, "repeatPanelId": 1, "repeatIteration": 5,
              "panels": [{**copy.deepcopy(p), "id": 21 + n, "repeatPanelId": p["id"], "repeatIteration": 5,
                          "repeatedByRow": True} for n, p in enumerate([cpu, disk])]}
    export["panels"] = [row, copied, totals]
    assert _fields(compare({"d/nodes.json": json.dumps(saved)}, {"d/nodes.json": json.dumps(export)})) == []


def test_a_rows_repeat_variable_changed_added_and_removed():
    saved = _repeated()
    after = copy.deepcopy(saved)
    after["panels"][0]["repeat"] = "node"
    after["panels"][3]["repeat"] = "instance"
    report = _report(saved, after, "d/nodes.json")
    assert _fields(report) == [("dashboard", "Nodes (nodes)", "changed", [
        ("repeat row Node $instance", "instance", "node"), ("repeat row Totals", None, "instance")])]
    assert _fields(_report(after, saved, "d/nodes.json")) == [("dashboard", "Nodes (nodes)", "changed", [
        ("repeat row Node $instance", "node", "instance"), ("repeat row Totals", "instance", None)])]


def test_a_row_repeat_change_in_markdown():
    saved = _repeated()
    after = copy.deepcopy(saved)
    after["panels"][0]["repeat"] = "node"
    after["panels"][2]["repeat"] = "device"
    report = _report(saved, after, "d/nodes.json")
    assert FORMATS["markdown"](report).splitlines()[3:] == [
        "`main` \u2192 `pr`: **dashboards: 1 changed; panels: 1 changed**", "",
        "#### `d/nodes.json` \u00b7 dashboard `Nodes (nodes)`", "",
        "| | item | field | before | after |", "|---|---|---|---|---|",
        "| ~ | dashboard `Nodes (nodes)` | repeat row Node $instance | `instance` | `node` |",
        "| ~ | panel `Disk $disk` | repeat | `disk` | `device` |"]


def test_a_series_override_change_in_markdown_escapes_the_regex_bar():
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    after["panels"][1]["seriesOverrides"][1]["alias"] = "/p99|p95/"
    assert FORMATS["markdown"](_report(before, after)).splitlines()[9:] == [  # an empty cell is "|  |"
        "| ~ | panel `Requests` | series override /p9[59]/ | `dashes true; lines false` |  |",
        "| | | series override /p99\\|p95/ |  | `dashes true; lines false` |"]


# --- legacy (schema < 16) rows ------------------------------------------------------------------------

def _legacy_rows(copies: bool, null_markers: bool = False) -> dict:
    panel = {"id": 1, "type": "graph", "title": "Load", "targets": [{"refId": "A", "expr": "node_load1"}]}
    source = {"title": "Host $host", "repeat": "host", "collapse": False, "panels": [panel]}
    if null_markers:  # as grafonnet writes every row
        source.update(repeatIteration=None, repeatRowId=None)
    rows = [source]
    if copies:
        rows.append({"title": "Host $host", "repeat": None, "repeatRowId": 1, "repeatIteration": 9, "collapse": False,
                     "panels": [{**panel, "id": 2}]})
    return {"uid": "hosts", "title": "Hosts", "schemaVersion": 14, "rows": rows}


def test_legacy_row_copies_are_left_out_and_null_markers_mark_no_copy():
    assert _fields(_report(_legacy_rows(False), _legacy_rows(True), "d/hosts.json")) == []
    added = compare({}, {"d/hosts.json": json.dumps(_legacy_rows(False, null_markers=True))})
    assert [(c.kind, c.name) for c in added.changes] == [("dashboard", "Hosts (hosts)"), ("panel", "Load")]
    assert ("repeat row Host $host", None, "host") in [(f.field, f.before, f.after) for f in added.changes[0].fields]


def test_a_field_name_from_dashboard_text_keeps_the_markdown_table_intact():
    before = _graph_dashboard()
    after = copy.deepcopy(before)
    after["panels"][1]["links"] = [{"title": "Runbook\na|b", "url": "https://runbooks.example.com"}]
    assert FORMATS["markdown"](_report(before, after)).splitlines()[9:] == [
        "| ~ | panel `Requests` | link Runbook a\\|b |  | `https://runbooks.example.com` |"]
