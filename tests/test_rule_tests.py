"""Generated promtool unit tests: they pass under promtool, cover every alert's fire / not-before-for /
resolve / quiet cases and every recording rule, and fail when a rule file drifts from the catalog."""
from __future__ import annotations

import math

import pytest

from generator import promtool
from generator.build import go_template
from generator.build.steady_state import bucket_quantile
from generator.catalog import load_catalog
from generator.model import ErrorRatioObjective
from generator.renderers import rule_tests
from generator.renderers.rules import group_path
from generator.build.rules import build_rule_groups
from tests.support.catalog_builder import (
    CatalogBuilder, alert, counter, error_ratio_objective, histogram, label, latency_objective,
)
from tests.support.paths import AMPEL, CATALOGS, REPO
from tests.support.project import edit, generated_project


def _catalog(name):
    return load_catalog(CATALOGS[name].relative_to(REPO))


@pytest.fixture(scope="module", params=sorted(CATALOGS))
def project(request, tmp_path_factory):
    root = generated_project(tmp_path_factory.mktemp(request.param), (CATALOGS[request.param],))
    return request.param, root


def _run(root):
    return promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml")))


def test_generated_tests_pass_under_promtool(project):
    _, root = project
    assert _run(root) == []


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_alert_fires_after_for_not_before_resolves_and_stays_quiet(name):
    catalog = _catalog(name)
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    alerts = [o.alert.name for o in catalog.objectives] + [a.text.name for a in catalog.alerts]
    for alert in alerts:
        cases = [c for c in plan.cases if c.name.startswith(f"{alert}: ")]
        firing = [c for c in cases if "resolves after recovery" in c.name]
        assert len(firing) == 1, alert
        before, fire, resolved = firing[0].alerts
        assert before.expected == () and resolved.expected == ()
        assert fire.minute == before.minute + 1, "not firing one evaluation before `for` has passed"
        assert fire.expected and all(dict(a.labels)["severity"] for a in fire.expected)
        quiet = [c for c in cases if "stays quiet" in c.name]
        assert quiet and all(check.expected == () for c in quiet for check in c.alerts), alert


RECORDS = {
    "ampel": {"job_le:ampel_dashboard_summary_duration_seconds_bucket:rate5m",
              "job:ampel_dashboard_summary_duration_seconds:p95_rate5m", "job:ampel_dashboard_errors:rate5m",
              "job_path:http_requests:rate5m", "job:ampel_dashboard_errors:ratio_rate5m",
              "job_visibility:ampel_dashboard_breakdown:rate5m", "job_error_type:ampel_dashboard_errors:rate5m"},
    "checkout": {"job_namespace_le:checkout_payment_duration_seconds_bucket:rate10m",
                 "job_namespace:checkout_payment_duration_seconds:p99_rate10m",
                 "job_namespace_outcome:checkout_orders:rate30m", "job_namespace:checkout_orders:rate30m",
                 "job_namespace:checkout_orders:ratio_rate30m",
                 "namespace_job_provider:checkout_payment_duration_seconds_count:rate10m"},
}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_recording_rule_has_a_computed_expected_value(name):
    catalog = _catalog(name)
    records = RECORDS[name]
    checked = {check.expr: check for c in rule_tests.plan_for(catalog).cases for check in c.exprs}
    assert set(checked) == records
    assert all(check.samples and all(math.isfinite(v) for _, v in check.samples) for check in checked.values())


def _series_sum(case, name, **labels):
    return sum(s.phases[0].per_minute for s in case.series
               if s.name == name and all(dict(s.labels).get(k) == v for k, v in labels.items()))


@pytest.mark.parametrize("level, ratio, fires", [("fires at twice the objective", 0.02, True),
                                                 ("stays quiet at half the objective", 0.005, False)])
def test_high_error_rate_fires_at_2_percent_and_stays_quiet_at_half_a_percent(level, ratio, fires):
    plan = rule_tests.plan_for(load_catalog(AMPEL.relative_to(REPO)))
    case = next(c for c in plan.cases if c.name == f"DashboardSummaryHighErrorRate: {level}")
    errors = _series_sum(case, "ampel_dashboard_errors_total", job="ampel-api")
    requests = _series_sum(case, "http_requests_total", job="ampel-api", path="/api/dashboard/summary")
    error_types = {dict(s.labels)["error_type"] for s in case.series if s.name == "ampel_dashboard_errors_total"}
    assert error_types == {"database", "calculation", "auth", "other"}
    # the counted errors leave auth out; a burst of 401s (half the requests) is in the input and must not count
    counted = errors - _series_sum(case, "ampel_dashboard_errors_total", job="ampel-api", error_type="auth")
    assert counted / requests == pytest.approx(ratio)
    assert _series_sum(case, "ampel_dashboard_errors_total", job="ampel-api", error_type="auth") >= requests / 2
    request_labels = {tuple(sorted(k for k, _ in s.labels)) for s in case.series if s.name == "http_requests_total"}
    assert request_labels == {("instance", "job", "method", "path", "status")}
    # another path and another job must not count: both are in the input
    assert _series_sum(case, "http_requests_total", path="/api/dashboard/invalidate") > 0
    assert _series_sum(case, "ampel_dashboard_errors_total", job="ampel-api-other") > 0
    (check,) = case.alerts
    if fires:
        (alert,) = check.expected
        assert dict(alert.annotations)["description"].startswith("2% of dashboard summary requests on ampel-api failed")
        assert dict(alert.labels) == {"job": "ampel-api", "severity": "critical", "team": "backend"}
    else:
        assert check.expected == ()


def test_every_case_of_the_error_alert_carries_the_auth_burst_even_while_quiet_or_resolved():
    plan = rule_tests.plan_for(load_catalog(AMPEL.relative_to(REPO)))
    cases = [c for c in plan.cases if c.name.startswith("DashboardSummaryHighErrorRate: ")]
    assert len(cases) == 5
    for case in cases:
        auth = [s for s in case.series if s.name == "ampel_dashboard_errors_total"
                and dict(s.labels) == {"error_type": "auth", "instance": "ampel-dashboard-summary-0:8080", "job": "ampel-api"}]
        assert len(auth) == 1 and all(p.per_minute > 0 for p in auth[0].phases), case.name


def orders_service(error_types: tuple[str, ...] = ("database", "calculation", "auth", "other"),
                   excluded: tuple[str, ...] = ("auth",)) -> CatalogBuilder:
    """An API built in code: a p95 latency objective, an error ratio over one path's requests that
    leaves client-caused errors out, and a target-down alert with a test: block."""
    return (CatalogBuilder("orders", team="backend", job="orders-api")
            .metric(histogram("orders_request_duration_seconds", buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0)))
            .metric(counter("orders_errors_total", [label("error_type", *error_types)]))
            .metric(counter("http_requests_total", [label("path", "/orders", "/health"), label("method", "GET", "POST"),
                                                    label("status", pattern="[1-5][0-9][0-9]")]))
            .objective(latency_objective("latency", "orders_request_duration_seconds", 0.5, alert_name="OrdersSlowResponse"))
            .objective(error_ratio_objective(
                "errors", {"metric": "orders_errors_total", "exclude": {"error_type": list(excluded)}},
                {"metric": "http_requests_total", "matchers": {"path": "/orders"}}, 0.01,
                alert_name="OrdersHighErrorRate", for_="3m"))
            .alert(alert("OrdersTargetDown", "up{$selector} == 0", for_="2m",
                         test={"series": 'up{$selector, instance="orders-0:8080"}', "firing": 0, "quiet": 1})))


def one_counter_service() -> CatalogBuilder:
    """Errors and total from one counter, by outcome; errors paid by invoice are left out."""
    return (CatalogBuilder("checkout", team="payments", job="checkout-api")
            .metric(counter("checkout_orders_total", [label("payment_method", "card", "paypal", "invoice"),
                                                      label("outcome", "success", "declined", "error")]))
            .objective(error_ratio_objective(
                "order_errors", {"metric": "checkout_orders_total", "matchers": {"outcome": "error"},
                                 "exclude": {"payment_method": ["invoice"]}},
                {"metric": "checkout_orders_total"}, 0.05, alert_name="CheckoutOrdersFailing")))


EXCLUSIONS = {
    # several values, one with regex characters: written as an escaped !~
    "regex-characters": (lambda: orders_service(("database", "calculation", "auth", "rate.limit+", "other"),
                                                ("auth", "rate.limit+")),
                         'error_type!~"auth|rate\\\\.limit\\\\+"'),
    # errors and requests from one counter: the excluded errors still count as orders
    "one-counter": (one_counter_service, 'outcome="error", payment_method!="invoice"'),
}


@pytest.mark.parametrize("name", sorted(EXCLUSIONS))
def test_excluded_values_are_noise_that_never_fires_the_alert(name, tmp_path):
    build, selector = EXCLUSIONS[name]
    source = build().write(tmp_path / "src")
    catalog = load_catalog(source)
    errors_rule = next(r for g in build_rule_groups(catalog) for r in g.rules
                       if r.record and r.source.endswith(".errors"))
    assert selector in errors_rule.expr
    root = generated_project(tmp_path / "project", (source,))
    assert _run(root) == []
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    objective = next(o for o in catalog.objectives if isinstance(o, ErrorRatioObjective))
    excluded, job = dict(objective.errors.exclude), dict(catalog.service.selector)["job"]
    cases = [c for c in plan.cases if c.name.startswith(f"{objective.alert.name}: ")]
    assert cases
    for case in cases:
        noise = [dict(s.labels) for s in case.series if s.name == objective.errors.metric and dict(s.labels)["job"] == job
                 and all(dict(s.labels).get(k) == v for k, v in objective.errors.matchers)
                 and any(dict(s.labels).get(k) in vs for k, vs in excluded.items())]
        assert {labels[k] for labels in noise for k in excluded} == {v for vs in excluded.values() for v in vs}, case.name


@pytest.fixture
def orders_project(tmp_path):
    return generated_project(tmp_path / "project", (orders_service().write(tmp_path / "src"),))


# Each alert's threshold, as written in its rule file, moved up and down without regenerating.
ORDERS_DRIFTS = [
    ("OrdersHighErrorRate", "ratio_rate5m > 0.01", ["ratio_rate5m > 0.0125", "ratio_rate5m > 0.008"]),
    ("OrdersSlowResponse", "p95_rate5m > 0.5", ["p95_rate5m > 0.6", "p95_rate5m > 0.45"]),
    ("OrdersTargetDown", '} == 0', ['} == 1']),
]
DRIFTS = [
    ("checkout", "CheckoutOrdersFailing", "ratio_rate30m > 0.05", ["ratio_rate30m > 0.06", "ratio_rate30m > 0.045"]),
    ("checkout", "CheckoutPaymentSlow", "p99_rate10m > 4", ["p99_rate10m > 4.5", "p99_rate10m > 3.5"]),
    ("checkout", "CheckoutQueueBacklog", ") > 100", [") > 110", ") > 90"]),
]


def _drift(root, alerts, alert, old, news):
    original = alerts.read_text()
    for new in news:
        alerts.write_text(original)
        edit(alerts, old, new)
        failures = _run(root)
        assert failures, f"{alert}: {old} -> {new} went unnoticed"
        assert {f.item for f in failures} == {alert}
        assert all(f.rule == "alert-test-failed" and f.line for f in failures)


@pytest.mark.parametrize("alert, old, news", ORDERS_DRIFTS, ids=[d[0] for d in ORDERS_DRIFTS])
def test_changing_a_threshold_in_the_rule_file_without_regenerating_fails(orders_project, alert, old, news):
    assert _run(orders_project) == []
    _drift(orders_project, orders_project / "alerts" / "orders-alerts.yaml", alert, old, news)


@pytest.mark.parametrize("name, alert, old, news", DRIFTS, ids=[d[1] for d in DRIFTS])
def test_changing_a_threshold_in_the_second_catalogs_rule_file_fails(tmp_path, name, alert, old, news):
    root = generated_project(tmp_path, (CATALOGS[name],))
    alerts = next(root / group_path(g) for g in build_rule_groups(_catalog(name)) if g.kind == "alerts")
    _drift(root, alerts, alert, old, news)


def test_changing_for_in_the_rule_file_fails(orders_project):
    edit(orders_project / "alerts/orders-alerts.yaml", "for: 3m", "for: 4m")
    assert {f.item for f in _run(orders_project)} == {"OrdersHighErrorRate"}


def test_dropping_the_service_selector_from_a_rule_fails(orders_project):
    edit(orders_project / "recording_rules/orders-recording.yaml",
         'rate(orders_errors_total{job="orders-api", error_type!="auth"}[5m]))\n',
         'rate(orders_errors_total{error_type!="auth"}[5m]))\n')
    failed = {f.item for f in _run(orders_project)}
    assert failed == {"job:orders_errors:rate5m"}  # another job's errors now show up in its value


def test_counting_auth_failures_in_the_rule_file_fails(orders_project):
    edit(orders_project / "recording_rules/orders-recording.yaml", ', error_type!="auth"}', "}")
    failed = {f.item for f in _run(orders_project)}
    assert {"OrdersHighErrorRate", "job:orders_errors:rate5m"} <= failed  # the excluded burst pages


def test_bucket_quantile_follows_prometheus():
    # 100 observations: 50 <= 0.1, 45 in (0.1, 0.5], 5 in (0.5, +Inf)
    buckets = [(0.1, 50.0), (0.5, 95.0), (math.inf, 100.0)]
    assert bucket_quantile(0.5, buckets) == 0.1
    assert bucket_quantile(0.9, buckets) == pytest.approx(0.1 + 0.4 * (40 / 45))
    assert bucket_quantile(0.99, buckets) == 0.5  # rank in +Inf: the highest finite bound
    assert math.isnan(bucket_quantile(0.5, [(0.1, 1.0)]))


@pytest.mark.parametrize("value, text", [(1.0, "1"), (0.5, "0.5"), (1e6, "1e+06"), (1234567.0, "1.234567e+06"),
                                         (123456.0, "123456"), (1e-05, "1e-05"), (0.30000000000000004, "0.30000000000000004")])
def test_value_printed_like_go(value, text):
    assert go_template.go_float(value) == text


def test_annotation_templates_render_like_prometheus():
    labels = {"job": "api", "instance": "a:1"}
    assert go_template.render("{{ $value | humanizePercentage }} on {{ $labels.job }}", labels, 0.0105) == "1.05% on api"
    assert go_template.render("{{ $value | humanizeDuration }}", labels, 0.5031) == "503.1ms"
    assert go_template.render("{{ $value | humanizeDuration }}", labels, 4.235) == "4.235s"
    assert go_template.render("{{ .Value | humanize }} {{ .Labels.instance }}", labels, 12345.0) == "12.35k a:1"
    with pytest.raises(go_template.TemplateUnsupported, match="query"):
        go_template.render('{{ query "up" }}', labels, 1.0)
