"""`service.aggregate_by`: the labels every objective's rules keep (e.g. cluster beside namespace and
job), which also name the rules' level; the generated promtool tests expect alerts per those labels."""
from __future__ import annotations

import re

import pytest

from generator import promtool
from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.support.catalog_builder import (
    CatalogBuilder, counter, error_ratio_objective, histogram, label, latency_objective,
)
from tests.support.inprocess import run_obsgen
from tests.support.project import generated_project

AGGREGATE_BY = ["cluster", "namespace", "job"]


def shop(aggregate_by=AGGREGATE_BY) -> CatalogBuilder:
    """Selected by namespace and job, aggregated by `aggregate_by` (None: no such field)."""
    builder = (CatalogBuilder("shop-api", team="web", metrics=[
                   counter("http_requests_total", [label("route", "/cart", "/pay"), label("code", "200", "500")]),
                   histogram("shop_request_duration_seconds", (0.1, 0.5, 1))])
               .service(selector={"namespace": "shop", "job": "shop-api"})
               .objective(error_ratio_objective(
                   "errors", {"metric": "http_requests_total", "matchers": {"route": "/pay", "code": "500"}},
                   {"metric": "http_requests_total", "matchers": {"route": "/pay"}}, 0.01, alert_name="ShopPayErrors",
                   description="{{ $value | humanizePercentage }} fail in {{ $labels.cluster }}."))
               .objective(latency_objective("latency", "shop_request_duration_seconds", 0.5, quantile=0.9,
                                            alert_name="ShopSlow", description="p90 is {{ $value }} in {{ $labels.cluster }}.")))
    if aggregate_by is not None:
        builder.service(aggregate_by=aggregate_by)
    return builder


def test_rules_aggregate_by_the_labels_in_order_and_are_named_by_them(tmp_path):
    source = shop().write(tmp_path)
    records = {r.record: r.expr for g in build_rule_groups(load_catalog(source)) for r in g.rules if r.record}
    assert records["cluster_namespace_job_code_route:http_requests:rate5m"] == (
        'sum by (cluster, namespace, job, code, route) '
        '(rate(http_requests_total{job="shop-api", namespace="shop", code="500", route="/pay"}[5m]))')
    assert records["cluster_namespace_job:http_requests:ratio_rate5m"] == (
        "cluster_namespace_job_code_route:http_requests:rate5m / ignoring (code, route) "
        "cluster_namespace_job_route:http_requests:rate5m")
    assert records["cluster_namespace_job_le:shop_request_duration_seconds_bucket:rate5m"].startswith(
        "sum by (cluster, namespace, job, le) (")


def test_generated_tests_expect_the_cluster_label_and_pass_under_promtool(tmp_path):
    source = shop().write(tmp_path)
    plan = rule_tests.plan_for(load_catalog(source))
    assert plan.untested == []
    for alert in ("ShopPayErrors", "ShopSlow"):
        case = next(c for c in plan.cases if c.name.startswith(f"{alert}: ") and "resolves" in c.name)
        fired = next(check for check in case.alerts if check.expected).expected[0]
        labels = dict(fired.labels)
        assert (labels["cluster"], labels["namespace"], labels["job"]) == ("cluster-1", "shop", "shop-api")
        assert dict(fired.annotations)["description"].endswith(" in cluster-1.")
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []


def test_without_aggregate_by_the_selector_labels_aggregate(tmp_path):
    source = shop(aggregate_by=None).write(tmp_path)
    records = {r.record for g in build_rule_groups(load_catalog(source)) for r in g.rules if r.record}
    assert "job_namespace:http_requests:ratio_rate5m" in records


# (aggregate_by, document path, message, text on the line the error names)
BAD = {
    "selector label missing": (["cluster", "job"], "service.aggregate_by", "must hold every selector label",
                               "aggregate_by:"),
    "bucket label": (["cluster", "namespace", "job", "le"], "service.aggregate_by", "must not hold 'le'", "aggregate_by:"),
    "duplicate": (["job", "namespace", "job"], "service.aggregate_by", "non-unique", "aggregate_by:"),
    "empty": ([], "service.aggregate_by", "", "aggregate_by: []"),
    "not a label name": (["job", "namespace", "a-b"], "service.aggregate_by[2]", "", "- a-b"),
    "not a list": ("cluster", "service.aggregate_by", "", "aggregate_by: cluster"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_aggregate_by_is_a_located_error_and_nothing_is_written(case, tmp_path, monkeypatch):
    value, doc_path, message, on_line = BAD[case]
    text = shop(aggregate_by=value).write(tmp_path).read_text()
    monkeypatch.chdir(tmp_path)
    result = run_obsgen("generate")
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(rf"catalog/shop-api\.yaml:(\d+): {re.escape(doc_path)}: ", result.stderr)
    assert match, result.stderr
    assert on_line in text.splitlines()[int(match.group(1)) - 1], result.stderr
    assert message in result.stderr, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop-api.yaml"]
