"""The generated promtool tests take their expectations from the catalog, not from the rules they test.

Two halves:
  * a rendered rule file edited by hand (so it disagrees with its catalog) fails its generated tests,
    for `for`, threshold, aggregation labels, annotation text and severity/team labels;
  * the test plan built from deliberately wrong rules expects exactly what it expects from the right
    ones, so a generator bug cannot write the same mistake into a rule and into its test.
"""
from __future__ import annotations

import dataclasses

import pytest

from generator import promtool
from generator.build.catalog_oracle import threshold_text
from generator.build.rule_test_cases import build_plan
from generator.build.rules import RuleGroup, build_rule_groups
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.support.catalog_builder import (
    CatalogBuilder, alert, counter, error_ratio_objective, histogram, label, latency_objective,
)
from tests.support.paths import AMPEL, CATALOGS, CHECKOUT, REPO
from tests.support.project import edit, generated_project

ALERTS = "alerts/orders-alerts.yaml"
RECORDING = "recording_rules/orders-recording.yaml"
CHECKOUT_ALERTS = "alerts/checkout-api-alerts.yaml"
CHECKOUT_RECORDING = "recording_rules/checkout-api-recording.yaml"


def orders_service() -> CatalogBuilder:
    """An API built in code: a p95 latency objective (for 5m), an error ratio that leaves auth failures
    out (for 3m), a target-down alert (for 2m); descriptions name the objective and its `for`."""
    latency = latency_objective("latency", "orders_request_duration_seconds", 0.5, alert_name="OrdersSlowResponse")
    latency["alert"]["description"] = ("p95 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above the "
                                       "${threshold} objective for ${for}.")
    errors = error_ratio_objective("errors", {"metric": "orders_errors_total", "exclude": {"error_type": ["auth"]}},
                                   {"metric": "http_requests_total", "matchers": {"path": "/orders"}}, 0.01,
                                   alert_name="OrdersHighErrorRate", for_="3m")
    errors["alert"]["description"] = ("{{ $value | humanizePercentage }} of order requests on {{ $labels.job }} "
                                      "failed, above the ${threshold} objective for ${for}.")
    return (CatalogBuilder("orders", team="backend", job="orders-api")
            .metric(histogram("orders_request_duration_seconds", buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0)))
            .metric(counter("orders_errors_total", [label("error_type", "database", "auth", "other")]))
            .metric(counter("http_requests_total", [label("path", "/orders", "/health"),
                                                    label("status", pattern="[1-5][0-9][0-9]")]))
            .objective(latency).objective(errors)
            .alert(alert("OrdersTargetDown", "up{$selector} == 0", for_="2m", summary="Orders target is down",
                         test={"series": 'up{$selector, instance="orders-0:8080"}', "firing": 0, "quiet": 1})))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One generated project per catalog; each test copies the file it edits back afterwards."""
    orders = orders_service().write(tmp_path_factory.mktemp("orders-src"))
    return {"orders": generated_project(tmp_path_factory.mktemp("orders"), (orders,)),
            "checkout": generated_project(tmp_path_factory.mktemp("checkout"), (CHECKOUT,))}


def _failed_items(root) -> set[str]:
    # the SLO test files load only the SLO rule files, which no drift here touches (tests/test_slo_rules.py
    # tampers with those)
    return {f.item for f in promtool.test_rules(sorted(p for p in (root / rule_tests.FOLDER).glob("*.yaml")
                                                       if "-slo-" not in p.name))}


# (catalog, file, old text, new text, alerts whose tests must fail)
DRIFTS = {
    # `for`, shorter and longer than the catalog's
    "for shorter (latency)": ("orders", ALERTS, "for: 5m", "for: 4m", {"OrdersSlowResponse"}),
    "for longer (free-form)": ("orders", ALERTS, "for: 2m", "for: 3m", {"OrdersTargetDown"}),
    "for shorter (checkout error ratio)": ("checkout", CHECKOUT_ALERTS, "for: 5m", "for: 4m", {"CheckoutOrdersFailing"}),
    # thresholds, written in the expression
    "threshold 10x lower": ("orders", ALERTS, "ratio_rate5m > 0.01", "ratio_rate5m > 0.001", {"OrdersHighErrorRate"}),
    "threshold cannot fire": ("orders", ALERTS, "ratio_rate5m > 0.01", "ratio_rate5m > 0.99", {"OrdersHighErrorRate"}),
    # the objective's window: a shorter one lets the alert resolve a minute early after a bad spell
    "error window 4m": ("orders", RECORDING, 'error_type!="auth"}[5m]', 'error_type!="auth"}[4m]',
                        {"OrdersHighErrorRate"}),
    "checkout error window 25m": ("checkout", CHECKOUT_RECORDING, 'outcome="error"}[30m]', 'outcome="error"}[25m]',
                                  {"CheckoutOrdersFailing"}),
    # aggregation labels the objective declares (the service selector's keys)
    "latency by instance too": ("orders", RECORDING, "sum by (job, le)", "sum by (job, instance, le)",
                                {"OrdersSlowResponse", "job_le:orders_request_duration_seconds_bucket:rate5m",
                                 "job:orders_request_duration_seconds:p95_rate5m"}),
    "errors by instance too": ("orders", RECORDING, "sum by (job) (rate(orders_errors_total",
                               "sum by (job, instance) (rate(orders_errors_total",
                               {"OrdersHighErrorRate", "job:orders_errors:rate5m", "job:orders_errors:ratio_rate5m"}),
    "checkout latency without namespace": ("checkout", CHECKOUT_RECORDING, "sum by (job, namespace, le)", "sum by (job, le)",
                                           {"CheckoutPaymentSlow", "job_namespace_le:checkout_payment_duration_seconds_bucket:rate10m",
                                            "job_namespace:checkout_payment_duration_seconds:p99_rate10m"}),
    # annotation text: the catalog's template with the catalog's numbers
    "description says 0.1%": ("orders", ALERTS, "above the 1% objective", "above the 0.1% objective",
                              {"OrdersHighErrorRate"}),
    "description says 5m for 3m": ("orders", ALERTS, "1% objective for 3m", "1% objective for 5m",
                                   {"OrdersHighErrorRate"}),
    "description 400ms": ("orders", ALERTS, "the 500ms objective", "the 400ms objective", {"OrdersSlowResponse"}),
    "summary edited": ("orders", ALERTS, "summary: Orders target is down", "summary: Target down",
                       {"OrdersTargetDown"}),
    "runbook edited": ("checkout", CHECKOUT_ALERTS, "https://wiki.example.com/checkout/backlog",
                       "https://wiki.example.com/checkout/queue", {"CheckoutQueueBacklog"}),
    "value template edited": ("orders", ALERTS, "{{ $value | humanizePercentage }}", "{{ $value | humanize }}",
                              {"OrdersHighErrorRate"}),
    # receiver-selecting labels: severity routes, team owns
    "severity critical -> warning": ("orders", ALERTS, "severity: critical", "severity: warning",
                                     {"OrdersHighErrorRate"}),
    "team edited": ("checkout", CHECKOUT_ALERTS, "team: payments", "team: checkout", {"CheckoutPaymentSlow"}),
    "objective label dropped": ("checkout", CHECKOUT_ALERTS, "service_tier: gold", "service_tier: silver",
                                {"CheckoutOrdersFailing"}),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_a_rule_file_disagreeing_with_its_catalog_fails_its_generated_test(pristine, drift):
    name, rel, old, new, expected = DRIFTS[drift]
    root = pristine[name]
    path = root / rel
    original = path.read_text()
    try:
        assert _failed_items(root) == set(), "the untouched project must pass"
        edit(path, old, new)
        assert _failed_items(root) == expected
    finally:
        path.write_text(original)


# --- the plan does not read the rules --------------------------------------------------------------

def _tampered(groups: tuple[RuleGroup, ...]) -> tuple[RuleGroup, ...]:
    """Every alert rule wrong in every way the plan could copy from: for, labels, annotations, threshold."""
    def wrong(rule):
        if not rule.alert:
            return rule
        return dataclasses.replace(
            rule, for_="1m", threshold=(rule.threshold or 0) * 10,
            labels=tuple((k, "wrong") for k, _ in rule.labels) + (("instance", "x"),),
            annotations=tuple((k, f"wrong {v}") for k, v in rule.annotations))
    return tuple(RuleGroup(g.name, g.kind, tuple(wrong(r) for r in g.rules)) for g in groups)


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_plan_expects_the_catalog_whatever_the_rules_say(name):
    catalog = load_catalog(CATALOGS[name].relative_to(REPO))
    groups = build_rule_groups(catalog)
    right = build_plan(catalog, groups)
    wrong = build_plan(catalog, _tampered(groups))
    assert [c.alerts for c in wrong.cases] == [c.alerts for c in right.cases]
    assert wrong.untested == right.untested == []


def test_ampel_expectations_are_the_catalog_literals():
    plan = build_plan(load_catalog(AMPEL.relative_to(REPO)), build_rule_groups(load_catalog(AMPEL.relative_to(REPO))))
    checks = {(c.name, a.minute): a for c in plan.cases for a in c.alerts}
    fire = checks[("DashboardSummaryHighErrorRate: fires 3m after the threshold is crossed, resolves after recovery", 4)]
    assert checks[("DashboardSummaryHighErrorRate: fires 3m after the threshold is crossed, resolves after recovery", 3)].expected == ()
    (alert,) = fire.expected
    assert dict(alert.labels) == {"job": "ampel-api", "severity": "critical", "team": "backend"}
    assert dict(alert.annotations) == {
        "summary": "Dashboard summary error rate is high",
        "description": "1.05% of dashboard summary requests on ampel-api failed (auth failures not counted), "
                       "above the 1% objective for 3m.",
        "runbook_url": "https://runbooks.example.com/ampel/DashboardSummaryHighErrorRate"}
    slow = checks[("DashboardSummarySlowResponse: fires 5m after the threshold is crossed, resolves after recovery", 6)]
    (alert,) = slow.expected
    assert dict(alert.labels) == {"job": "ampel-api", "severity": "warning", "team": "backend"}
    assert "above the 500ms objective for 5m." in dict(alert.annotations)["description"]
    down = checks[("DashboardSummaryTargetDown: fires 2m after its condition holds, resolves after recovery", 2)]
    assert [dict(a.labels) for a in down.expected] == [
        {"instance": "ampel-api-0:8080", "job": "ampel-api", "severity": "critical", "team": "backend"}]


def test_checkout_expectations_are_the_catalog_literals():
    catalog = load_catalog(CHECKOUT.relative_to(REPO))
    plan = build_plan(catalog, build_rule_groups(catalog))
    fired = [a for c in plan.cases if c.name.startswith("CheckoutOrdersFailing: fires 5m") for check in c.alerts
             for a in check.expected]
    assert [dict(a.labels) for a in fired] == [
        {"job": "checkout-api", "namespace": "shop", "service_tier": "gold", "severity": "page", "team": "payments"}]
    assert dict(fired[0].annotations)["description"].endswith("of orders fail in shop (objective 5%).")


@pytest.mark.parametrize("value, unit, text", [
    (0.01, "percentunit", "1%"), (0.001, "percentunit", "0.1%"), (0.05, "percentunit", "5%"),
    (0.125, "percentunit", "12.5%"), (0.5, "s", "500ms"), (0.25, "s", "250ms"), (1.0, "s", "1s"), (4, "s", "4s"),
    (2.5, "s", "2.5s"), (100, "", "100"), (0.3, "", "0.3")])
def test_threshold_text(value, unit, text):
    assert threshold_text(value, unit) == text
