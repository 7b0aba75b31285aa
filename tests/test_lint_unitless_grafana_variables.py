"""Lint's `dashboard-query-parses` reports a range, a subquery range or step, or an offset written
with one of Grafana's unitless variables (`$__interval_ms`, `$__range_ms`, `$__range_s`): Grafana
substitutes a bare number (`60000`) and Prometheus 2.42 refuses it ("missing unit character in
duration"), though the query parses with the variables kept. Each finding is at the catalog line of
the target or annotation (or the JSON line of the `expr` for `obsgen lint`); the variables used as
numbers, or with a unit written after them (`${__range_s}s`), are not reported. The promtool tests
confirm both verdicts against Prometheus itself."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.validators.lint import lint
from generator.validators.promtool_steps import check_promtool_rules
from tests.support.catalog_builder import CatalogBuilder, dashboard, gauge, label, panel
from tests.support.catalog_edit import by_rule, context_of
from tests.support.inprocess import run_obsgen

RULE = "dashboard-query-parses"
# (panel title, expression, variable as written, where it stands, column of the variable)
REFUSED = [
    ("interval_ms range", "max_over_time(shop_queue_depth{$selector}[$__interval_ms])", "$__interval_ms", "range"),
    ("range_ms range", "max_over_time(shop_queue_depth{$selector}[$__range_ms])", "$__range_ms", "range"),
    ("range_s range", "max_over_time(shop_queue_depth{$selector}[${__range_s}])", "${__range_s}", "range"),
    ("interval_ms subquery", "max_over_time(sum(shop_queue_depth{$selector})[$__interval_ms:])", "$__interval_ms",
     "subquery range"),
    ("range_ms subquery", "max_over_time(sum(shop_queue_depth{$selector})[$__range_ms:1m])", "$__range_ms",
     "subquery range"),
    ("range_s subquery", "max_over_time(sum(shop_queue_depth{$selector})[$__range_s:])", "$__range_s",
     "subquery range"),
    ("interval_ms step", "max_over_time(sum(shop_queue_depth{$selector})[1h:$__interval_ms])", "$__interval_ms",
     "subquery step"),
    ("interval_ms offset", "sum(shop_queue_depth{$selector} offset $__interval_ms)", "$__interval_ms", "offset"),
    ("range_ms offset", "sum(shop_queue_depth{$selector} offset -$__range_ms)", "$__range_ms", "offset"),
    ("range_s offset", "max_over_time(shop_queue_depth{$selector}[5m] offset $__range_s)", "$__range_s", "offset"),
]
ACCEPTED = [
    "sum(shop_queue_depth{$selector}) > $__range_s",
    "vector($__range_s)",
    "sum(shop_queue_depth{$selector}) * $__interval_ms / 1000 + $__range_ms",
    "max_over_time(shop_queue_depth{$selector}[${__range_s}s])",
    "max_over_time(sum(shop_queue_depth{$selector})[${__range_ms}ms:${__interval_ms}ms])",
    "sum(shop_queue_depth{$selector} offset ${__range_s}s)",
    "max_over_time(shop_queue_depth{$selector}[$__range] offset $__interval)",
]
SELECTOR = 'job="shop"'  # what $selector expands to for the catalog "shop"


def _catalog(tmp_path: Path, exprs: list[tuple[str, str]], annotations=()) -> Path:
    extra = {"annotations": list(annotations)} if annotations else {}
    board = dashboard("shop-queue", *(panel(title, expr) for title, expr in exprs), **extra)
    return CatalogBuilder("shop").metric(gauge("shop_queue_depth", labels=[label("queue", "a", "b")])).dashboard(
        board).write(tmp_path)


def _refused_catalog(tmp_path: Path) -> Path:
    return _catalog(tmp_path, [(title, expr) for title, expr, _, _ in REFUSED])


def test_each_unitless_variable_as_a_duration_is_reported_at_its_target(tmp_path):
    source = _refused_catalog(tmp_path)
    findings = lint(context_of(source))
    assert {f.rule for f in findings} == {RULE}, [str(f) for f in findings]
    expected = sorted((title, CatalogBuilder.line_of(source, expr)) for title, expr, _, _ in REFUSED)
    assert sorted((f.item, f.line) for f in findings) == expected
    assert len({line for _, line in expected}) == len(REFUSED)  # each at a line of its own
    by_item = {f.item: f for f in findings}
    for title, expr, variable, where in REFUSED:
        message = by_item[title].message
        expanded = expr.replace("$selector", SELECTOR)
        column = expanded.index(variable) + 1
        assert message.startswith(f"the query does not parse once Grafana substitutes its variables: 1:{column}: "
                                  f"{variable} in the {where} expands to a number without a unit"), message
        assert f"in `{expanded}`" in message and message.endswith("(in dashboards/shop-queue.json)")
        assert by_item[title].file == "catalog/shop.yaml" and by_item[title].group == "shop-queue"


def test_the_suggested_replacement_follows_the_variable(tmp_path):
    by_item = {f.item: f.message for f in lint(context_of(_refused_catalog(tmp_path)))}
    assert "use $__interval or ${__interval_ms}ms" in by_item["interval_ms range"]
    assert "use $__range or ${__range_ms}ms" in by_item["range_ms offset"]
    assert "use $__range or ${__range_s}s" in by_item["range_s subquery"]


def test_numeric_uses_and_durations_with_a_unit_are_not_reported(tmp_path):
    source = _catalog(tmp_path, [(f"fine {n}", expr) for n, expr in enumerate(ACCEPTED)])
    assert lint(context_of(source)) == []


def test_an_annotation_query_is_reported_at_its_catalog_line(tmp_path):
    refused = "changes(shop_queue_depth{$selector}[$__interval_ms]) > 0"
    source = _catalog(tmp_path, [("Depth", "sum(shop_queue_depth{$selector})")], annotations=[
        {"name": "Fine", "expr": "changes(shop_queue_depth{$selector}[$__interval]) > $__range_s"},
        {"name": "Resets", "expr": refused}])
    (finding,) = by_rule(lint(context_of(source)), RULE)
    assert (finding.item, finding.file, finding.line) == ("Resets", "catalog/shop.yaml",
                                                          CatalogBuilder.line_of(source, refused))
    assert "$__interval_ms in the range expands to a number without a unit" in finding.message


@pytest.mark.promtool
def test_promtool_refuses_every_reported_query(tmp_path):
    findings = check_promtool_rules(context_of(_refused_catalog(tmp_path)))
    assert sorted(f.item for f in findings) == sorted(f"{title} (target A)" for title, _, _, _ in REFUSED)
    assert all(f.rule == "dashboard-query-invalid" for f in findings)


@pytest.mark.promtool
def test_promtool_accepts_every_query_left_alone(tmp_path):
    source = _catalog(tmp_path, [(f"fine {n}", expr) for n, expr in enumerate(ACCEPTED)])
    assert check_promtool_rules(context_of(source)) == []


def test_obsgen_lint_reports_them_in_a_dashboard_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prometheus = {"type": "prometheus", "uid": "prom"}
    data = {"uid": "queue", "title": "Queue", "panels": [
        {"type": "timeseries", "title": "Depth", "description": "Queue depth.", "datasource": prometheus,
         "fieldConfig": {"defaults": {"unit": "short"}},
         "targets": [{"expr": "max_over_time(queue_depth[$__range])"},
                     {"expr": "max_over_time(queue_depth[$__range_s])"},
                     {"expr": "queue_depth > $__range_s"}]},
        {"type": "row", "title": "More", "collapsed": True, "panels": [
            {"type": "stat", "title": "Earlier", "description": "Depth a range ago.", "datasource": prometheus,
             "fieldConfig": {"defaults": {"unit": "short"}},
             "targets": [{"expr": "sum(queue_depth offset $__range_ms)"}]}]}],
        "annotations": {"list": [{"name": "Peaks", "datasource": prometheus,
                                  "expr": "max_over_time(sum(queue_depth)[1h:$__interval_ms]) > 100"}]}}
    Path("queue.json").write_text(json.dumps(data, indent=2))
    ran = run_obsgen("lint", "queue.json", "--format", "json")
    lines = Path("queue.json").read_text().splitlines()

    def line(needle: str) -> int:
        return next(i + 1 for i, text in enumerate(lines) if needle in text)

    assert ran.returncode == 1, ran.stdout
    report = json.loads(ran.stdout)
    assert sorted((f["rule"], f["line"], f["item"]) for f in report["findings"]) == sorted([
        (RULE, line("[$__range_s]"), "Depth"),
        (RULE, line("offset $__range_ms"), "Earlier"),
        (RULE, line("[1h:$__interval_ms]"), "annotation Peaks")])
    messages = {f["item"]: f["message"] for f in report["findings"]}
    assert "1:27: $__range_s in the range" in messages["Depth"]
    assert "1:24: $__range_ms in the offset" in messages["Earlier"]
    assert "1:35: $__interval_ms in the subquery step" in messages["annotation Peaks"]


def test_a_unit_written_after_a_braced_variable_belongs_to_its_duration():
    from generator.promql import parse
    tree = parse("max_over_time(x[${__range_s}s:${__interval_ms}ms] offset ${__range_ms}ms)", grafana=True)
    subquery = tree.args[0]
    assert (subquery.range.text, subquery.step.text, subquery.offset.text) == (
        "${__range_s}s", "${__interval_ms}ms", "${__range_ms}ms")


def test_obsgen_lint_reports_them_in_a_query_result_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = {"uid": "queue", "title": "Queue", "panels": [], "templating": {"list": [
        {"type": "query", "name": "busiest", "datasource": {"type": "prometheus", "uid": "prom"},
         "query": "query_result(topk(3, max_over_time(queue_depth[$__range_s])))"},
        {"type": "query", "name": "newer", "query": {"query": "query_result(sum(queue_depth offset $__interval_ms))",
                                                     "refId": "PrometheusVariableQueryEditor-VariableQuery"}},
        {"type": "query", "name": "fine", "query": "query_result(topk(3, max_over_time(queue_depth[$__range])))"},
        {"type": "query", "name": "jobs", "query": "label_values(up, job)"},
        {"type": "query", "name": "logs", "datasource": {"type": "loki", "uid": "loki"},
         "query": "query_result(x[$__range_s])"},
        {"type": "custom", "name": "n", "query": "1,2,3"}]}}
    Path("queue.json").write_text(json.dumps(data, indent=2))
    ran = run_obsgen("lint", "queue.json", "--format", "json")
    lines = Path("queue.json").read_text().splitlines()
    busiest = next(i + 1 for i, text in enumerate(lines) if "[$__range_s]" in text)
    newer = next(i + 1 for i, text in enumerate(lines) if "offset $__interval_ms" in text)
    assert ran.returncode == 1, ran.stdout
    report = json.loads(ran.stdout)
    assert sorted((f["rule"], f["line"], f["item"]) for f in report["findings"]) == [
        (RULE, busiest, "variable busiest"), (RULE, newer, "variable newer")]
    messages = {f["item"]: f["message"] for f in report["findings"]}
    assert "1:35: $__range_s in the range expands to a number without a unit" in messages["variable busiest"]
    assert "1:24: $__interval_ms in the offset" in messages["variable newer"]
