"""Objective matchers beyond equality: `label: {op: value}` with op `=`, `!=`, `=~` or `!~`, e.g. errors
and total from one counter (`code=~"5.."`). Regexes are RE2, anchored as Prometheus anchors them; the
generated promtool tests add non-matching series that must not count, and pass under promtool."""
from __future__ import annotations

import re

import pytest

from generator import promtool
from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.model import MetricRef
from generator.renderers import rule_tests
from tests.support.catalog_builder import CatalogBuilder, counter, error_ratio_objective, label
from tests.support.inprocess import run_obsgen
from tests.support.project import generated_project


def shop(*objectives: dict) -> CatalogBuilder:
    """HTTP requests by route and status code, and failures by reason."""
    builder = CatalogBuilder("shop-api", team="web", metrics=[
        counter("http_requests_total", [label("route", "/cart", "/pay", "/health"), label("code", "200", "404", "500", "503")]),
        counter("shop_failures_total", [label("reason", "timeout", "refused", "validation")])])
    for objective in objectives:
        builder.objective(objective)
    return builder


def one_counter(errors_matchers: dict | None = None, total_matchers: dict | None = None) -> dict:
    return error_ratio_objective(
        "request_errors",
        {"metric": "http_requests_total",
         "matchers": {"code": {"=~": "5.."}, "route": {"!=": "/health"}} if errors_matchers is None else errors_matchers},
        {"metric": "http_requests_total",
         "matchers": {"route": {"!=": "/health"}} if total_matchers is None else total_matchers},
        0.02, alert_name="ShopRequestErrors")


ONE_COUNTER = one_counter()
TWO_COUNTERS = error_ratio_objective(
    "failures", {"metric": "shop_failures_total", "matchers": {"reason": {"!~": "valid.*"}}},
    {"metric": "http_requests_total", "matchers": {"route": {"=": "/pay"}, "code": {"!~": "4.."}}},
    0.05, alert_name="ShopPaymentFailures", severity="warning", window="10m")


def _write(tmp_path, *objectives: dict):
    return shop(*objectives).write(tmp_path)


def _records(catalog) -> dict[str, str]:
    return {r.source: r.expr for g in build_rule_groups(catalog) for r in g.rules if r.record}


def test_matchers_of_every_operator_are_written_into_the_rules(tmp_path):
    catalog = load_catalog(_write(tmp_path, ONE_COUNTER, TWO_COUNTERS))
    records = _records(catalog)
    assert records["objectives[0].errors"] == (
        'sum by (job) (rate(http_requests_total{job="shop-api", code=~"5..", route!="/health"}[5m]))')
    assert records["objectives[0].total"] == 'sum by (job) (rate(http_requests_total{job="shop-api", route!="/health"}[5m]))'
    assert records["objectives[1].errors"] == 'sum by (job) (rate(shop_failures_total{job="shop-api", reason!~"valid.*"}[10m]))'
    # `=` written as an operator is plain equality: the label is an aggregation label, as before
    assert records["objectives[1].total"] == (
        'sum by (job, route) (rate(http_requests_total{job="shop-api", route="/pay", code!~"4.."}[10m]))')
    # a narrowed rate is named after its objective and role, so errors and total of one counter never clash
    assert records["objectives[1]"] == ("job:shop_failures:failures_errors_rate10m / ignoring (route) "
                                        "job_route:http_requests:failures_total_rate10m")
    assert records["objectives[0]"] == ("job:http_requests:request_errors_errors_rate5m / "
                                        "job:http_requests:request_errors_total_rate5m")


def test_regex_matchers_are_anchored_re2():
    ref = MetricRef("x_total", filters=(("code", "=~", "5.."),))
    assert ref.selects({"code": "503"})
    assert not ref.selects({"code": "5030"}) and not ref.selects({"code": "1500"})
    negative = MetricRef("x_total", filters=(("code", "!~", "5..|404"), ("route", "!=", "/health")))
    assert negative.selects({"code": "200", "route": "/cart"})
    assert not negative.selects({"code": "404", "route": "/cart"})
    assert not negative.selects({"code": "200", "route": "/health"})
    assert negative.selects({"code": "4040", "route": "/cart"})  # anchored: 4040 is not 404


@pytest.mark.parametrize("objectives", [ONE_COUNTER, TWO_COUNTERS], ids=["one counter", "two counters"])
def test_generated_tests_cover_the_matchers_and_pass_under_promtool(tmp_path, objectives):
    source = _write(tmp_path, objectives)
    catalog = load_catalog(source)
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    obj = catalog.objectives[0]
    alert_cases = [c for c in plan.cases if c.name.startswith(f"{obj.alert.name}: ")]
    assert any("resolves after recovery" in c.name for c in alert_cases)
    for case in alert_cases:
        ours = [dict(s.labels) for s in case.series if dict(s.labels).get("job") == "shop-api"]
        for ref in (obj.errors, obj.total):
            named = [dict(s.labels) for s in case.series
                     if s.name == ref.metric and dict(s.labels).get("job") == "shop-api"]
            for label, op, value in ref.filters:
                # series the matcher selects and series it does not (noise that must not count) are both there
                selected = {s[label] for s in named if ref.selects(s)}
                assert selected, (case.name, label)
                rejected = {s[label] for s in named if label in s} - selected
                assert rejected or op == "=~" and ref is obj.total, (case.name, label, op, value)
        assert ours
        keys = [(s.name, s.labels) for s in case.series]
        assert len(keys) == len(set(keys)), f"{case.name}: a series is given twice"
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []


def test_one_counter_noise_is_the_non_matching_codes(tmp_path):
    catalog = load_catalog(_write(tmp_path, ONE_COUNTER))
    case = next(c for c in rule_tests.plan_for(catalog).cases if "resolves after recovery" in c.name)
    codes = {dict(s.labels)["code"] for s in case.series
             if s.name == "http_requests_total" and dict(s.labels)["job"] == "shop-api" and dict(s.labels)["route"] != "/health"}
    assert {"500", "503"} & codes and {"200", "404"} & codes
    health = [s for s in case.series if s.name == "http_requests_total" and dict(s.labels)["job"] == "shop-api"
              and dict(s.labels)["route"] == "/health"]
    assert health, "no /health burst: the != matcher is never exercised"


ROUTE = {"route": {"!=": "/health"}}
# (errors' matchers, total's matchers (None: as in ONE_COUNTER), document path, message)
BAD = {
    "unknown operator": ({"code": {"==": "5.."}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                         "one matcher {op: value}, op one of =, !=, =~, !~"),
    "two operators": ({"code": {"=~": "5..", "!=": "500"}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                      "one matcher {op: value}, op one of =, !=, =~, !~"),
    "invalid regex": ({"code": {"=~": "5(?=0)."}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                      "not a valid Prometheus (RE2) regex"),
    "unclosed regex": ({"code": {"=~": "5(.."}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                       "not a valid Prometheus (RE2) regex"),
    "unknown label": ({"status": {"=~": "5.."}, **ROUTE}, None, "objectives[0].errors.matchers.status",
                      "http_requests_total has no label 'status'"),
    "regex selects no allowed value": ({"code": {"=~": "6.."}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                                       'code=~"6.." selects none of the allowed values'),
    "!= leaves no allowed value": (None, {"route": {"!~": ".*"}}, "objectives[0].total.matchers.route",
                                   "selects none of the allowed values"),
    "equality value not allowed": ({"code": {"=": "501"}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                                   "value '501' is not allowed"),
    "value not a string": ({"code": {"=~": [5]}, **ROUTE}, None, "objectives[0].errors.matchers.code",
                           "one matcher {op: value}, op one of =, !=, =~, !~"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_matcher_is_a_located_error_and_nothing_is_written(case, tmp_path, monkeypatch):
    errors, total, doc_path, message = BAD[case]
    objective = one_counter(errors, total)
    assert objective != ONE_COUNTER
    path = _write(tmp_path, objective)
    text = path.read_text()
    monkeypatch.chdir(tmp_path)
    result = run_obsgen("generate")
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(rf"catalog/shop-api\.yaml:(\d+): {re.escape(doc_path)}[.:\[]", result.stderr)
    assert match, result.stderr
    assert doc_path.split(".")[-1] in text.splitlines()[int(match.group(1)) - 1], result.stderr
    assert message in result.stderr, result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop-api.yaml"]


SHARED_FIRST = CatalogBuilder("cart-api", team="web", metrics=[
    counter("cart_requests_total", [label("method", "GET", "POST", "other"), label("status", "200", "500", "503")]),
]).objective(error_ratio_objective(
    "availability",
    {"metric": "cart_requests_total", "matchers": {"status": {"=~": "5.."}, "method": {"!~": "other"}}},
    {"metric": "cart_requests_total", "matchers": {"method": {"!~": "other"}}}, 0.01, alert_name="CartErrors"))


def test_one_counter_whose_shared_matcher_sorts_first_is_still_tested(tmp_path):
    """The requests that are not errors fail the errors-only matcher (status), not the one the total
    shares (method): failing that one would leave no value the total counts, and no test."""
    source = SHARED_FIRST.write(tmp_path)
    plan = rule_tests.plan_for(load_catalog(source))
    assert plan.untested == []
    case = next(c for c in plan.cases if c.name.startswith("CartErrors: ") and "resolves after recovery" in c.name)
    counted = [dict(s.labels) for s in case.series if dict(s.labels).get("job") == "cart-api"]
    assert {s["status"] for s in counted if s["method"] != "other"} >= {"200", "500"}
    assert any(s["method"] == "other" for s in counted), "no burst of method=other: the !~ matcher is never exercised"
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []
