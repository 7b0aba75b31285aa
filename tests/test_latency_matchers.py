"""A latency objective narrowed by `matchers:` on its histogram (e.g. one route): the rules keep the
filter, equality matchers aggregate (the alert names the route), and the generated promtool tests add
slow requests the matchers leave out, which must not fire the alert."""
from __future__ import annotations

import re

import pytest

from generator import promtool
from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.support.catalog_builder import CatalogBuilder, histogram, label, latency_objective
from tests.support.inprocess import run_obsgen
from tests.support.project import generated_project

DURATION = "shop_request_duration_seconds"


def per_route(matchers=None) -> dict:
    return latency_objective("pay_latency", DURATION, 0.5, quantile=0.9, alert_name="ShopPaySlow",
                             matchers={"route": "/pay"} if matchers is None else matchers,
                             description="p90 of {{ $labels.route }} is {{ $value | humanizeDuration }}, "
                                         "above ${threshold}.")


PER_ROUTE = per_route()
BUT_HEALTH = latency_objective("api_latency", DURATION, 1, alert_name="ShopApiSlow", severity="critical",
                               matchers={"route": {"!=": "/health"}, "method": {"=~": "GET|POST"}})


def shop(*objectives: dict) -> CatalogBuilder:
    """Request time by route and method, and the objectives."""
    builder = CatalogBuilder("shop-api", team="web", metrics=[
        histogram(DURATION, (0.1, 0.25, 0.5, 1, 2), [label("route", "/cart", "/pay", "/health"), label("method", "GET", "POST")])])
    for objective in objectives:
        builder.objective(objective)
    return builder


def _write(tmp_path, *objectives: dict):
    return shop(*objectives).write(tmp_path)


def test_rules_keep_the_filter_and_equality_aggregates(tmp_path):
    catalog = load_catalog(_write(tmp_path, PER_ROUTE, BUT_HEALTH))
    records = {r.record: r.expr for g in build_rule_groups(catalog) for r in g.rules if r.record}
    assert records == {
        "job_route_le:shop_request_duration_seconds_bucket:rate5m":
            'sum by (job, route, le) (rate(shop_request_duration_seconds_bucket{job="shop-api", route="/pay"}[5m]))',
        "job_route:shop_request_duration_seconds:p90_rate5m":
            "histogram_quantile(0.9, job_route_le:shop_request_duration_seconds_bucket:rate5m)",
        "job_le:shop_request_duration_seconds_bucket:api_latency_rate5m":
            'sum by (job, le) (rate(shop_request_duration_seconds_bucket{job="shop-api", method=~"GET|POST", '
            'route!="/health"}[5m]))',
        "job:shop_request_duration_seconds:p95_api_latency_rate5m":
            "histogram_quantile(0.95, job_le:shop_request_duration_seconds_bucket:api_latency_rate5m)",
    }
    alerts = {r.alert: r.expr for g in build_rule_groups(catalog) for r in g.rules if r.alert}
    assert alerts == {"ShopPaySlow": "job_route:shop_request_duration_seconds:p90_rate5m > 0.5",
                      "ShopApiSlow": "job:shop_request_duration_seconds:p95_api_latency_rate5m > 1"}


@pytest.mark.parametrize("objective, left_out", [(PER_ROUTE, {"/cart"}), (BUT_HEALTH, {"/health"})],
                         ids=["per route", "all but health"])
def test_generated_tests_pass_and_left_out_requests_are_slow_noise(tmp_path, objective, left_out):
    source = _write(tmp_path, objective)
    catalog = load_catalog(source)
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    obj = catalog.objectives[0]
    quiet = [c for c in plan.cases if c.name.startswith(f"{obj.alert.name}: ") and "stays quiet" in c.name]
    assert quiet
    for case in quiet:
        inf = {dict(s.labels)["route"] for s in case.series
               if s.name == "shop_request_duration_seconds_bucket" and dict(s.labels)["job"] == "shop-api"
               and dict(s.labels)["le"] == "+Inf"}
        assert left_out < inf, case.name  # the left-out routes are there, beside the counted ones
    firing = next(c for c in plan.cases if c.name.startswith(f"{obj.alert.name}: ") and "resolves" in c.name)
    fired = next(check for check in firing.alerts if check.expected)
    labels = dict(fired.expected[0].labels)
    assert labels.get("route") == ("/pay" if objective is PER_ROUTE else None)
    if objective is PER_ROUTE:
        assert "p90 of /pay is" in dict(fired.expected[0].annotations)["description"]
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []


# (matchers instead of PER_ROUTE's, document path, message)
BAD = {
    "unknown label": ({"path": "/pay"}, "objectives[0].matchers.path", "has no label 'path'"),
    "value not allowed": ({"route": "/checkout"}, "objectives[0].matchers.route", "value '/checkout' is not allowed"),
    "invalid regex": ({"route": {"=~": "(/pay"}}, "objectives[0].matchers.route", "not a valid Prometheus (RE2) regex"),
    "unknown operator": ({"route": {"~": "/pay"}}, "objectives[0].matchers.route",
                         "one matcher {op: value}, op one of =, !=, =~, !~"),
    "not a mapping": (["route"], "objectives[0].matchers", ""),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_latency_matcher_is_a_located_error_and_nothing_is_written(case, tmp_path, monkeypatch):
    matchers, doc_path, message = BAD[case]
    text = _write(tmp_path, per_route(matchers)).read_text()
    monkeypatch.chdir(tmp_path)
    result = run_obsgen("generate")
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(rf"catalog/shop-api\.yaml:(\d+): {re.escape(doc_path)}[.:\[]", result.stderr)
    assert match, result.stderr
    assert doc_path.split(".")[-1] in text.splitlines()[int(match.group(1)) - 1], result.stderr
    assert message in result.stderr, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop-api.yaml"]
