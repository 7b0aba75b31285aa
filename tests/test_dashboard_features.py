"""Dashboard features: links (by tag, to another dashboard, to a URL), annotations from a PromQL
query, collapsed rows, and time and refresh defaults. Each passes Grafana's official schemas with
0 errors; bad input to each field is a located error, exit 3, nothing written."""
from __future__ import annotations

import pytest

from generator.validators.crosscheck import crosscheck
from generator.validators.grafana_schema import validate_dashboard
from generator.validators.lint import lint
from tests.support.catalog_edit import context_of
from tests.support.inprocess import run_obsgen
from tests.support.located import located_error
from tests.test_dashboard_variables import catalog_data, rendered, write

DEPLOYS = "changes(app_build_info{$selector}[$__interval]) > 0"


def data_with(rows=None, metrics_extra=True, **board) -> dict:
    data = catalog_data(**board)
    if rows is not None:
        data["dashboards"][0]["rows"] = rows
    data["dashboards"][0]["tags"] = ["app", "web"]
    data["dashboards"].append({"uid": "app-detail", "title": "App detail", "tags": ["app"], "rows": [
        {"title": "R", "panels": [{"title": "Up", "type": "stat", "unit": "short", "description": "Targets up.",
                                   "targets": [{"expr": "sum(up{$selector})"}]}]}]})
    if metrics_extra:
        data["metrics"].append({"name": "app_build_info", "type": "gauge", "help": "Build.", "labels": [
            {"name": "version", "values": ["1.0.0", "1.1.0"]}]})
    return data


def stat(title: str, expr: str = "sum(up{$selector})") -> dict:
    return {"title": title, "type": "stat", "unit": "short", "description": "Up.", "targets": [{"expr": expr}]}


EVERYTHING = dict(
    links=[{"title": "App dashboards", "tags": ["app"], "as_dropdown": True},
           {"title": "Detail", "dashboard": "app-detail"},
           {"title": "Runbook", "url": "https://runbooks.example.com/app", "new_tab": True}],
    annotations=[{"name": "Deploys", "expr": DEPLOYS, "color": "purple", "title": "Deploy {{version}}",
                  "text": "{{instance}}", "tags": ["version"], "step": "1m"}],
    refresh="1m", time_from="now-24h", time_to="now-5m", timezone="utc",
)
ROWS = [{"title": "Open", "panels": [stat("A"), stat("B")]},
        {"title": "Closed", "collapsed": True, "panels": [stat("C"), stat("D")]},
        {"title": "Last", "panels": [stat("E")]}]


def test_every_dashboard_feature_passes_the_official_schemas(tmp_path):
    dashboard = rendered(tmp_path, data_with(ROWS, **EVERYTHING))
    assert [str(v) for v in validate_dashboard(dashboard)] == []


def test_the_schemas_would_refuse_an_incomplete_link(tmp_path):
    dashboard = rendered(tmp_path, data_with(ROWS, **EVERYTHING))
    del dashboard["links"][0]["keepTime"]
    assert any(str(v).startswith("links[0]: 'keepTime' is a required property") for v in validate_dashboard(dashboard))


def test_dashboard_feature_output(tmp_path):
    dashboard = rendered(tmp_path, data_with(ROWS, **EVERYTHING))
    assert [(x["type"], x["title"], x["tags"], x["url"], x["asDropdown"], x["keepTime"], x["includeVars"],
             x["targetBlank"]) for x in dashboard["links"]] == [
        ("dashboards", "App dashboards", ["app"], "", True, True, True, False),
        ("link", "Detail", [], "/d/app-detail", False, True, True, False),
        ("link", "Runbook", [], "https://runbooks.example.com/app", False, False, False, True)]
    builtin, deploys = dashboard["annotations"]["list"]
    assert builtin["builtIn"] == 1
    assert deploys == {"name": "Deploys", "datasource": {"type": "prometheus", "uid": "${datasource}"},
                       "enable": True, "hide": False, "iconColor": "purple",
                       "expr": 'changes(app_build_info{job="app-api"}[$__interval]) > 0',
                       "titleFormat": "Deploy {{version}}", "textFormat": "{{instance}}", "tagKeys": "version",
                       "useValueForTime": False, "step": "1m"}
    assert dashboard["refresh"] == "1m" and dashboard["timezone"] == "utc"
    assert dashboard["time"] == {"from": "now-24h", "to": "now-5m"}
    layout = [(p["type"], p["title"], p.get("collapsed"), p["gridPos"]["y"], [q["title"] for q in p.get("panels", [])])
              for p in dashboard["panels"]]
    assert layout == [("row", "Open", False, 0, []), ("stat", "A", None, 1, []), ("stat", "B", None, 1, []),
                      ("row", "Closed", True, 5, ["C", "D"]), ("row", "Last", False, 6, []), ("stat", "E", None, 7, [])]
    closed = dashboard["panels"][3]
    assert [p["gridPos"]["y"] for p in closed["panels"]] == [6, 6]  # where they go when the row opens
    ids = [p["id"] for p in dashboard["panels"]] + [q["id"] for q in closed["panels"]]
    assert sorted(ids) == list(range(1, 9))


def test_defaults_and_refresh_off(tmp_path):
    plain = rendered(tmp_path, catalog_data())
    assert (plain["refresh"], plain["time"], plain["timezone"], plain["links"]) == \
        ("30s", {"from": "now-6h", "to": "now"}, "browser", [])
    assert len(plain["annotations"]["list"]) == 1
    off = rendered(tmp_path, catalog_data(refresh=False, timezone="Europe/Berlin"))
    assert off["refresh"] == "" and off["timezone"] == "Europe/Berlin"
    assert [str(v) for v in validate_dashboard(off)] == []


def test_validate_passes_a_catalog_with_every_dashboard_feature(tmp_path):
    path = write(tmp_path, data_with(ROWS, **EVERYTHING))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    context = context_of(path, root=tmp_path)
    assert [str(f) for f in lint(context) + crosscheck(context)] == []


D = "dashboards[0]"
BAD = {
    "link to two targets": (dict(links=[{"title": "x", "tags": ["a"], "url": "https://x.example"}]), f"{D}.links[0]",
                            "exactly one of tags, url, dashboard"),
    "link to itself": (dict(links=[{"title": "x", "dashboard": "app"}]), f"{D}.links[0].dashboard",
                       "does not link to itself"),
    "link to an unknown dashboard": (dict(links=[{"title": "x", "dashboard": "nope"}]), f"{D}.links[0].dashboard",
                                     "unknown dashboard 'nope'"),
    "link dropdown on a url": (dict(links=[{"title": "x", "url": "https://x.example", "as_dropdown": True}]),
                               f"{D}.links[0].as_dropdown", "by tags only"),
    "link url without title": (dict(links=[{"url": "https://x.example"}]), f"{D}.links[0].title", "needs a title"),
    "link duplicate tag": (dict(links=[{"tags": ["a", "a"]}]), f"{D}.links[0].tags[1]", "duplicate tag 'a'"),
    "annotation without expr": (dict(annotations=[{"name": "Deploys"}]), f"{D}.annotations[0]",
                                "'expr' is a required property"),
    "annotation bad PromQL": (dict(annotations=[{"name": "Deploys", "expr": "changes(app_build_info{$selector}[5m]"}]),
                              f"{D}.annotations[0].expr", "invalid PromQL: 1:42: expected ')'"),
    "annotation duplicate name": (dict(annotations=[{"name": "D", "expr": DEPLOYS}, {"name": "D", "expr": DEPLOYS}]),
                                  f"{D}.annotations[1].name", "duplicate annotation name 'D'"),
    "annotation bad step": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "step": "1 minute"}]),
                            f"{D}.annotations[0].step", "1 minute"),
    "annotation bad colour": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "color": "not a colour"}]),
                              f"{D}.annotations[0].color", "is not a Grafana colour"),
    "refresh not an interval": (dict(refresh="often"), f"{D}.refresh", "is not a Grafana interval"),
    "refresh true": (dict(refresh=True), f"{D}.refresh", "is not valid here"),
    "time_from absolute": (dict(time_from="2024-01-01"), f"{D}.time_from", "is not a relative Grafana time"),
    "time_to before time_from": (dict(time_from="now-1h", time_to="now-2h"), f"{D}.time_from",
                                 "its start must be before its end"),
    "unknown time zone": (dict(timezone="Mars/Olympus"), f"{D}.timezone", "unknown time zone 'Mars/Olympus'"),
    "collapsed not a boolean": (dict(rows=[{"title": "R", "collapsed": "yes", "panels": [stat("A")]}]),
                                f"{D}.rows[0].collapsed", "is not of type 'boolean'"),
    "links empty": (dict(links=[]), f"{D}.links", "should be non-empty"),
    "link new_tab not a boolean": (dict(links=[{"title": "x", "url": "https://x.example", "new_tab": "yes"}]),
                                   f"{D}.links[0].new_tab", "is not of type 'boolean'"),
    "link dashboard bad uid": (dict(links=[{"title": "x", "dashboard": "a b"}]), f"{D}.links[0].dashboard",
                               "does not match"),
    "link url not a url": (dict(links=[{"title": "x", "url": "javascript:alert(1)"}]), f"{D}.links[0].url",
                           "is not an absolute http(s) URL"),
    "link tags empty": (dict(links=[{"title": "x", "tags": []}]), f"{D}.links[0].tags", "should be non-empty"),
    "annotation without name": (dict(annotations=[{"expr": DEPLOYS}]), f"{D}.annotations[0]",
                                "'name' is a required property"),
    "annotation title not a string": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "title": 1}]),
                                      f"{D}.annotations[0].title", "is not of type 'string'"),
    "annotation text not a string": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "text": ["x"]}]),
                                     f"{D}.annotations[0].text", "is not of type 'string'"),
    "annotation tag not a label": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "tags": ["1x"]}]),
                                   f"{D}.annotations[0].tags[0]", "Prometheus label name"),
    "annotation tag twice": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "tags": ["v", "v"]}]),
                             f"{D}.annotations[0].tags[1]", "duplicate label 'v'"),
    "annotation unknown field": (dict(annotations=[{"name": "D", "expr": DEPLOYS, "hide": True}]),
                                 f"{D}.annotations[0].hide", "unknown field 'hide'"),
    "time_to not relative": (dict(time_to="tomorrow"), f"{D}.time_to", "is not a relative Grafana time"),
    "timezone empty": (dict(timezone=""), f"{D}.timezone", "should be non-empty"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_dashboard_feature_is_a_located_error_exit_3_and_nothing_written(case, tmp_path):
    fields, doc_path, message = BAD[case]
    fields = dict(fields)
    rows = fields.pop("rows", None)
    path = write(tmp_path, data_with(rows, **fields))
    result = run_obsgen("generate", "--root", str(tmp_path))
    assert result.returncode == 3, result.output
    file_part, number = located_error(result.stderr, doc_path, message)
    assert file_part.endswith("catalog/app.yaml")
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i + 1 for i, text in enumerate(lines) if text.startswith("dashboards:"))
    assert start < number <= len(lines)
    assert "nothing was written" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/app.yaml"]


def test_an_annotation_using_an_undefined_variable_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, data_with(None, annotations=[{"name": "Deploys", "expr": "changes(app_build_info{$selector}[$window]) > 0"}]))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    (finding,) = lint(context_of(path, root=tmp_path))
    assert finding.rule == "dashboard-variable-undefined"
    assert finding.message == "annotation 'Deploys' uses $window, which dashboard 'app' does not define (its variables: none)"
    line = next(i + 1 for i, text in enumerate(path.read_text().splitlines()) if "$window" in text)
    assert finding.file.endswith("catalog/app.yaml") and finding.line == line


def test_queries_inside_a_collapsed_row_are_validated_like_the_others(tmp_path):
    query = 'sum(rate(app_duration_seconds_count{$selector, nope="x"}[$__rate_interval]))'
    rows = [{"title": "Open", "panels": [stat("A")]}, {"title": "Closed", "collapsed": True, "panels": [stat("C", query)]}]
    path = write(tmp_path, data_with(rows))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    findings = crosscheck(context_of(path, root=tmp_path))
    line = next(i + 1 for i, text in enumerate(path.read_text().splitlines()) if 'nope=' in text)
    assert [(f.rule, f.item, f.line) for f in findings] == [("unknown-label", "C", line)], [str(f) for f in findings]


def test_an_annotation_query_is_cross_checked_against_the_catalog_at_its_line(tmp_path):
    query = 'changes(app_build_info{$selector, stage="x"}[$__interval]) > 0'
    path = write(tmp_path, data_with(None, annotations=[{"name": "Deploys", "expr": query}]))
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    findings = crosscheck(context_of(path, root=tmp_path))
    line = next(i + 1 for i, text in enumerate(path.read_text().splitlines()) if "stage=" in text)
    assert [(f.rule, f.item, f.line) for f in findings] == [("unknown-label", "Deploys", line)], [str(f) for f in findings]
    assert "'app_build_info' has no label 'stage'" in findings[0].message
