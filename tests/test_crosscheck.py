"""Cross-checks: the shipped catalogs are clean, and each kind of defect is reported with its rule,
the catalog line of the item, and a message naming the metric, label or value at fault.

Each defect is planted in a small catalog built in code (tests/support/catalog_builder.py)."""
from __future__ import annotations

from dataclasses import replace

from generator.validators.crosscheck import crosscheck
from tests.support.catalog_builder import (
    CatalogBuilder, alert, counter, dashboard, error_ratio_objective, gauge, histogram, label, panel,
)
from tests.support.catalog_edit import by_rule, context_of
from tests.support.paths import AMPEL, CHECKOUT, REPO

ERRORS_RECORDING = "sum by (job, error_type) (rate(shop_errors_total{$selector}[5m]))"
line_of = CatalogBuilder.line_of


def shop() -> CatalogBuilder:
    """A small service: orders by state, errors by type, a latency histogram, a queue gauge and HTTP
    requests whose status is bounded by a pattern."""
    return (CatalogBuilder("shop")
            .metric(counter("shop_orders_total", [label("state", "paid", "pending", "failed")]))
            .metric(counter("shop_errors_total", [label("error_type", "database", "timeout", "auth")]))
            .metric(histogram("shop_request_duration_seconds"))
            .metric(gauge("shop_queue_depth", [label("priority", "high", "low")]))
            .metric(counter("shop_http_requests_total", [label("path", "/orders", "/health"),
                                                          label("status", pattern="[1-5][0-9][0-9]")])))


def with_panels(builder: CatalogBuilder, *panels: dict) -> CatalogBuilder:
    return builder.dashboard(dashboard("shop", *panels))


def write(builder: CatalogBuilder, tmp_path):
    return builder.write(tmp_path)


def _only(findings, rule):
    found = by_rule(findings, rule)
    assert len(found) == 1, [str(f) for f in findings]
    return found[0]


def test_shipped_catalogs_have_no_findings():
    ctx = context_of(AMPEL, CHECKOUT, root=AMPEL.parent.parent)
    assert crosscheck(ctx) == []


def test_the_base_catalog_of_these_tests_has_no_findings(tmp_path):
    path = write(with_panels(shop().recording_rule("job_error_type:shop_errors:rate5m", ERRORS_RECORDING),
                             panel("Orders", "sum by (state) (rate(shop_orders_total{$selector}[$__rate_interval]))")),
                 tmp_path)
    assert crosscheck(context_of(path)) == []


def test_unknown_metric_in_a_dashboard_names_the_metric_and_the_likely_fix(tmp_path):
    path = write(with_panels(shop(), panel("Orders by state",
                                           "sum by (state) (rate(shop_orders{$selector}[$__rate_interval]))")), tmp_path)
    finding = _only(crosscheck(context_of(path)), "unknown-metric")
    assert finding.line == line_of(path, "rate(shop_orders{")
    assert finding.file == "catalog/shop.yaml" and finding.check == "crosscheck"  # relative to the root
    assert finding.item == "Orders by state"
    assert "unknown metric 'shop_orders'" in finding.message
    assert "did you mean 'shop_orders_total'" in finding.message
    assert "dashboards/shop.json" in finding.message


def test_unknown_metric_in_a_rule(tmp_path):
    path = write(shop().alert(alert("ShopMetricsAbsent", "absent(shop_request_seconds_count{$selector})")), tmp_path)
    finding = _only(crosscheck(context_of(path)), "unknown-metric")
    assert finding.line == line_of(path, "absent(shop_request_seconds_count")
    assert finding.item == "ShopMetricsAbsent" and finding.group == "shop-alerts"
    assert "alerts/shop-alerts.yaml" in finding.message


def test_unknown_label_in_a_matcher(tmp_path):
    path = write(shop().recording_rule("job_error_type:shop_errors:rate5m",
                                       ERRORS_RECORDING.replace("{$selector}", '{$selector, kind="db"}')), tmp_path)
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert finding.line == line_of(path, 'kind="db"')
    assert "counter 'shop_errors_total' has no label 'kind' (it has: error_type, instance, job)" in finding.message


def test_unknown_label_in_by(tmp_path):
    path = write(with_panels(shop(), panel("Orders", "sum by (user_id) (rate(shop_orders_total{$selector}[$__rate_interval]))")),
                 tmp_path)
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert finding.line == line_of(path, "sum by (user_id)")
    assert "by (user_id): no series below carries label 'user_id' (labels there: instance, job, state)" \
        in finding.message


def test_unknown_label_in_on_of_a_binary_operation(tmp_path):
    path = write(shop().alert(alert("ShopDown", "up{$selector} == on (job, pod) up{$selector}")), tmp_path)
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert "on (pod)" in finding.message and finding.item == "ShopDown"


def test_label_value_not_allowed(tmp_path):
    path = write(with_panels(shop(), panel("Orders", 'sum by (state) (rate(shop_orders_total{$selector, state="blue"}'
                                                     '[$__rate_interval]))')), tmp_path)
    finding = _only(crosscheck(context_of(path)), "label-value-not-allowed")
    assert finding.line == line_of(path, 'state="blue"')
    assert "state='blue' on 'shop_orders_total'" in finding.message
    assert "allowed: paid, pending, failed" in finding.message


def test_negative_matchers_on_allowed_values_pass_and_on_unknown_values_do_not(tmp_path):
    # the objective excludes two error types (a derived `!~`); a panel excludes one the catalog does not know
    objective = error_ratio_objective("errors", {"metric": "shop_errors_total", "exclude": {"error_type": ["auth", "timeout"]}},
                                      {"metric": "shop_http_requests_total", "matchers": {"path": "/orders"}}, 0.01,
                                      alert_name="ShopErrors")
    path = write(with_panels(shop().objective(objective), panel(
        "Error rate", 'sum(rate(shop_errors_total{$selector, error_type!="disk"}[$__rate_interval])) / '
                      'sum(rate(shop_http_requests_total{$selector, path="/orders"}[$__rate_interval]))')), tmp_path)
    finding = _only(crosscheck(context_of(path)), "label-value-not-allowed")
    assert finding.message.startswith("error_type!='disk' on 'shop_errors_total'")
    assert finding.item == "Error rate"


def test_label_value_checked_against_patterns_regexes_and_recorded_series(tmp_path):
    recorded = "job_error_type:shop_errors:rate5m"
    path = write(with_panels(
        shop().recording_rule(recorded, ERRORS_RECORDING),
        panel("Requests", 'sum by (status) (rate(shop_http_requests_total{$selector, status="20"}[$__rate_interval]))'),
        panel("Orders", 'sum by (state) (rate(shop_orders_total{$selector, state=~"gr[ae]y"}[$__rate_interval]))'),
        panel("Errors", f'sum({recorded}{{job=~"s.*"}})'),  # the selector's job, shop, matches: no finding
        panel("Disk errors", f'sum({recorded}{{error_type="disk"}})'),
    ), tmp_path)
    messages = sorted(f.message for f in by_rule(crosscheck(context_of(path)), "label-value-not-allowed"))
    assert len(messages) == 3, messages
    assert messages[0].startswith(f"error_type='disk' on '{recorded}'")
    assert messages[1].startswith("state=~'gr[ae]y' on 'shop_orders_total': the regex matches no allowed value")
    assert messages[2].startswith("status='20' on 'shop_http_requests_total': value not allowed by the catalog "
                                  "(must match '[1-5][0-9][0-9]')")


def test_rate_over_a_gauge(tmp_path):
    path = write(shop().alert(alert("ShopDown", "rate(up{$selector}[5m]) == 0")), tmp_path)
    finding = _only(crosscheck(context_of(path)), "rate-on-gauge")
    assert finding.line == line_of(path, "rate(up{$selector}[5m])")
    assert finding.item == "ShopDown"
    assert "rate() over 'up', a gauge written by Prometheus" in finding.message


def test_rate_over_a_catalog_gauge_and_over_a_recording(tmp_path):
    objective = error_ratio_objective("errors", {"metric": "shop_errors_total"}, {"metric": "shop_http_requests_total"},
                                      0.05, alert_name="ShopErrors")
    path = write(with_panels(
        shop().objective(objective).alert(alert(
            "ShopBacklog", 'max by (job) (increase(shop_queue_depth{$selector, priority="high"}[10m])) > 100')),
        panel("Ratio", "sum(rate(job:shop_errors:ratio_rate5m{$selector}[$__rate_interval]))")), tmp_path)
    messages = sorted(f.message for f in by_rule(crosscheck(context_of(path)), "rate-on-gauge"))
    assert len(messages) == 2, messages
    assert messages[0].startswith("increase() over 'shop_queue_depth', a gauge")
    assert messages[1].startswith("rate() over 'job:shop_errors:ratio_rate5m', a recording rule output")


P95 = "histogram_quantile(0.95, sum by (le) (rate(shop_request_duration_seconds_bucket{$selector}[$__rate_interval])))"


def test_histogram_quantile_without_le(tmp_path):
    path = write(with_panels(shop(), panel("Response time", P95.replace("sum by (le)", "sum by (job)"), unit="s")),
                 tmp_path)
    finding = _only(crosscheck(context_of(path)), "histogram-quantile-le")
    assert finding.line == line_of(path, "sum by (job) (rate(shop_request_duration_seconds_bucket")
    assert finding.item == "Response time"
    assert "histogram_quantile without le: `sum by (job) (rate(shop_request_duration_seconds_bucket" in finding.message


def test_histogram_quantile_without_any_aggregation_and_over_a_non_bucket(tmp_path):
    path = write(with_panels(
        shop(),
        panel("p95", "histogram_quantile(0.95, rate(shop_request_duration_seconds_bucket{$selector}[$__rate_interval]))",
              unit="s"),
        panel("p150", P95.replace("0.95", "1.5"), unit="s"),
        panel("Not a histogram", "histogram_quantile(0.9, sum by (le) (rate(shop_orders_total{$selector}[$__rate_interval])))"),
    ), tmp_path)
    findings = crosscheck(context_of(path))
    assert "without an aggregation by (le)" in _only(findings, "histogram-quantile-le").message
    assert "the quantile must lie in [0, 1]" in _only(findings, "histogram-quantile-phi").message
    assert "histogram_quantile over 'shop_orders_total'" in _only(findings, "histogram-quantile-bucket").message


def test_invalid_promql_in_a_rule_reports_the_parser_position(tmp_path):
    """The loader refuses such a catalog (tests/test_catalog_promql.py); a rule group handed to the
    check some other way (a hand-written rule in the context) is still reported, not crashed on."""
    record = "job_error_type:shop_errors:rate5m"
    path = write(shop().recording_rule(record, ERRORS_RECORDING), tmp_path)
    ctx = context_of(path)
    artifacts = ctx.per_catalog[0]
    broken = 'sum by (job, error_type) (rate(shop_errors_total{job="shop"}[5m])'
    artifacts.groups = tuple(
        replace(g, rules=tuple(replace(r, expr=broken) if r.record == record else r for r in g.rules))
        for g in artifacts.groups)
    finding = _only(crosscheck(ctx), "invalid-promql")
    assert finding.line == line_of(path, "sum by (job, error_type) (rate(")
    assert finding.item == record
    assert finding.message == (f"invalid PromQL in recording_rules/shop-recording.yaml: "
                               f"1:{len(broken) + 1}: expected ')' to close the arguments of aggregation 'sum', "
                               f"found end of input in `{broken}`")


def test_high_cardinality_labels_on_metrics(tmp_path):
    path = write(shop().metric(counter("shop_logins_total", [label("user_id"), label("outcome", "ok", "denied")]))
                 .metric(counter("shop_pages_total", [label("route"), label("shard", pattern="[0-9]+")])), tmp_path)
    findings = by_rule(crosscheck(context_of(path)), "high-cardinality-label")
    by_label = {f.message.split("'")[1]: f for f in findings}
    assert set(by_label) == {"user_id", "route", "shard"}
    user = by_label["user_id"]
    assert user.line == line_of(path, "- name: user_id") and user.severity == "error"
    assert "identifies users, requests or raw locations" in user.message and user.item == "shop_logins_total"
    assert by_label["route"].severity == "error" and "route templates" in by_label["route"].message
    assert by_label["shard"].severity == "warning" and "no bounded value set" in by_label["shard"].message


def test_a_label_listed_as_a_log_field_is_high_cardinality(tmp_path):
    # the `log_only_fields` section itself: a label named there is reported whatever its name
    path = write(shop().metric(counter("shop_logins_total", [label("shopper", "a", "b")]))
                 .set("log_only_fields", ["shopper", "duration_ms"]), tmp_path)
    finding = _only(crosscheck(context_of(path)), "high-cardinality-label")
    assert finding.line == line_of(path, "- name: shopper") and finding.severity == "error"
    assert "is one of the catalog's log_only_fields" in finding.message and finding.item == "shop_logins_total"


def test_a_silence_on_the_item_drops_only_the_named_rule(tmp_path):
    silence = [{"rule": "rate-on-gauge", "reason": "up resets on every restart here"}]
    path = write(with_panels(shop().alert(alert("ShopDown", "rate(up{$selector}[5m]) == 0", silence=silence)),
                             panel("Orders", 'sum(rate(shop_orders_total{$selector, state="blue"}[$__rate_interval]))')),
                 tmp_path)
    findings = crosscheck(context_of(path))
    assert by_rule(findings, "rate-on-gauge") == []
    assert len(by_rule(findings, "label-value-not-allowed")) == 1
    # without the silence, the same alert is reported
    unsilenced = write(shop().alert(alert("ShopDown", "rate(up{$selector}[5m]) == 0")), tmp_path)
    assert len(by_rule(crosscheck(context_of(unsilenced)), "rate-on-gauge")) == 1


def test_a_silence_on_the_metric_covers_its_uses(tmp_path):
    silence = [{"rule": "high-cardinality-label", "reason": "bounded by the login service to ten test users"}]
    path = write(shop().metric(counter("shop_logins_total", [label("user_id")], silence=silence)), tmp_path)
    assert by_rule(crosscheck(context_of(path)), "high-cardinality-label") == []
    unsilenced = write(shop().metric(counter("shop_logins_total", [label("user_id")])), tmp_path)
    assert len(by_rule(crosscheck(context_of(unsilenced)), "high-cardinality-label")) == 1


def test_every_rule_is_documented():
    from generator.validators.crosscheck import RULES
    doc = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule}`" in doc, rule


def test_up_carries_the_selector_labels_and_no_others(tmp_path):
    """`up` is written per scrape target, so it has the target's labels: the selector's (namespace
    here) and aggregate_by's, as every scraped series; other labels stay unknown on it."""
    def with_down_alert(expr: str) -> CatalogBuilder:
        return shop().service(selector={"namespace": "shop", "job": "shop"}).alert(alert("ShopTargetDown", expr, for_="2m"))

    path = write(with_down_alert('up{$selector, priority="high"} == 0'), tmp_path)  # the gauge's label
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert "'up' (written by Prometheus, a gauge) has no label 'priority' (it has: instance, job, namespace)" \
        in finding.message
    path = write(with_down_alert("up{$selector} == 0"), tmp_path)
    assert crosscheck(context_of(path)) == []