"""Cross-checks: the shipped catalogs are clean, and each kind of defect is reported with its rule,
the catalog line of the item, and a message naming the metric, label or value at fault."""
from __future__ import annotations

from dataclasses import replace

from generator.validators.crosscheck import crosscheck
from tests.support.catalog_edit import by_rule, context_of, edited_catalog, line_containing
from tests.support.paths import AMPEL, CHECKOUT, REPO

BREAKDOWN_PANEL = "sum by (visibility) (rate(ampel_dashboard_breakdown_total{$selector}[$__rate_interval]))"
P95_PANEL = ("histogram_quantile(0.95, sum by (le) (rate(ampel_dashboard_summary_duration_seconds_bucket"
             "{$selector}[$__rate_interval])))")
ERRORS_RECORDING = "sum by (job, error_type) (rate(ampel_dashboard_errors_total{$selector}[5m]))"


def _only(findings, rule):
    found = by_rule(findings, rule)
    assert len(found) == 1, [str(f) for f in findings]
    return found[0]


def test_shipped_catalogs_have_no_findings():
    ctx = context_of(AMPEL, CHECKOUT, root=AMPEL.parent.parent)
    assert crosscheck(ctx) == []


def test_unknown_metric_in_a_dashboard_names_the_metric_and_the_likely_fix(tmp_path):
    path = edited_catalog(tmp_path, (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("breakdown_total", "breakdown")))
    finding = _only(crosscheck(context_of(path)), "unknown-metric")
    assert finding.line == line_containing(path, "rate(ampel_dashboard_breakdown{")
    assert finding.file == "catalog/ampel.yaml" and finding.check == "crosscheck"  # relative to the root
    assert finding.item == "PR breakdown by visibility"
    assert "unknown metric 'ampel_dashboard_breakdown'" in finding.message
    assert "did you mean 'ampel_dashboard_breakdown_total'" in finding.message
    assert "dashboards/ampel-dashboard-summary.json" in finding.message


def test_unknown_metric_in_a_rule(tmp_path):
    path = edited_catalog(tmp_path, ("absent(ampel_dashboard_summary_duration_seconds_count{$selector})",
                                     "absent(ampel_dashboard_summary_seconds_count{$selector})"))
    finding = _only(crosscheck(context_of(path)), "unknown-metric")
    assert finding.line == line_containing(path, "absent(ampel_dashboard_summary_seconds_count")
    assert finding.item == "DashboardSummaryMetricsAbsent" and finding.group == "ampel-dashboard-summary-alerts"
    assert "alerts/ampel-dashboard-summary-alerts.yaml" in finding.message


def test_unknown_label_in_a_matcher(tmp_path):
    path = edited_catalog(tmp_path, (ERRORS_RECORDING, ERRORS_RECORDING.replace("{$selector}", '{$selector, kind="db"}')))
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert finding.line == line_containing(path, 'kind="db"')
    assert "counter 'ampel_dashboard_errors_total' has no label 'kind' (it has: error_type, instance, job)" \
        in finding.message


def test_unknown_label_in_by_and_a_log_field_used_as_label(tmp_path):
    path = edited_catalog(tmp_path, (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("by (visibility)", "by (user_id)")))
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert finding.line == line_containing(path, "sum by (user_id)")
    assert "by (user_id): no series below carries label 'user_id' (labels there: instance, job, visibility)" \
        in finding.message


def test_unknown_label_in_on_of_a_binary_operation(tmp_path):
    path = edited_catalog(tmp_path, ("expr: up{$selector} == 0", "expr: up{$selector} == on (job, pod) up{$selector}"))
    finding = _only(crosscheck(context_of(path)), "unknown-label")
    assert "on (pod)" in finding.message and finding.item == "DashboardSummaryTargetDown"


def test_label_value_not_allowed(tmp_path):
    path = edited_catalog(tmp_path, (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("{$selector}", '{$selector, visibility="blue"}')))
    finding = _only(crosscheck(context_of(path)), "label-value-not-allowed")
    assert finding.line == line_containing(path, 'visibility="blue"')
    assert "visibility='blue' on 'ampel_dashboard_breakdown_total'" in finding.message
    assert "allowed: green, yellow, red" in finding.message


def test_negative_matchers_on_allowed_values_pass_and_on_unknown_values_do_not(tmp_path):
    # the objective excludes two error types (a derived `!~`); a panel excludes one the catalog does not know
    path = edited_catalog(tmp_path, ("exclude: {error_type: [auth]}", "exclude: {error_type: [auth, other]}"),
                          ('error_type!="auth"}[$__rate_interval]', 'error_type!="timeout"}[$__rate_interval]'))
    finding = _only(crosscheck(context_of(path)), "label-value-not-allowed")
    assert finding.message.startswith("error_type!='timeout' on 'ampel_dashboard_errors_total'")
    assert finding.item == "Error rate"


def test_label_value_checked_against_patterns_regexes_and_recorded_series(tmp_path):
    path = edited_catalog(
        tmp_path,
        ('path="/api/dashboard/summary"}[$__rate_interval]))\n                legend: \'{{status}}\'',
         'path="/api/dashboard/summary", status="20"}[$__rate_interval]))\n                legend: \'{{status}}\''),
        (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("{$selector}", '{$selector, visibility=~"gr[ae]y"}')),
        ("job:ampel_dashboard_errors:ratio_rate5m{$selector}", 'job:ampel_dashboard_errors:ratio_rate5m{$selector, job=~"a.*"}'),
        ("expr: sum(up{$selector})", 'expr: sum(job_error_type:ampel_dashboard_errors:rate5m{error_type="disk"})'),
    )
    messages = sorted(f.message for f in by_rule(crosscheck(context_of(path)), "label-value-not-allowed"))
    assert len(messages) == 3, messages
    assert messages[0].startswith("error_type='disk' on 'job_error_type:ampel_dashboard_errors:rate5m'")
    assert messages[1].startswith("status='20' on 'http_requests_total': value not allowed by the catalog "
                                  "(must match '[1-5][0-9][0-9]')")
    assert messages[2].startswith("visibility=~'gr[ae]y' on 'ampel_dashboard_breakdown_total': the regex matches no "
                                  "allowed value")


def test_rate_over_a_gauge(tmp_path):
    path = edited_catalog(tmp_path, ("expr: up{$selector} == 0", "expr: rate(up{$selector}[5m]) == 0"))
    finding = _only(crosscheck(context_of(path)), "rate-on-gauge")
    assert finding.line == line_containing(path, "rate(up{$selector}[5m])")
    assert finding.item == "DashboardSummaryTargetDown"
    assert "rate() over 'up', a gauge written by Prometheus" in finding.message


def test_rate_over_a_catalog_gauge_and_over_a_recording(tmp_path):
    path = edited_catalog(
        tmp_path,
        ("expr: max by (namespace, job) (checkout_queue_depth{$selector, priority=\"high\"}) > 100",
         "expr: max by (namespace, job) (increase(checkout_queue_depth{$selector, priority=\"high\"}[10m])) > 100"),
        ("expr: job_namespace:checkout_orders:ratio_rate30m{$selector}",
         "expr: sum(rate(job_namespace:checkout_orders:ratio_rate30m{$selector}[$__rate_interval]))"),
        source=CHECKOUT)
    findings = by_rule(crosscheck(context_of(path)), "rate-on-gauge")
    messages = sorted(f.message for f in findings)
    assert len(messages) == 2
    assert messages[0].startswith("increase() over 'checkout_queue_depth', a gauge")
    assert messages[1].startswith("rate() over 'job_namespace:checkout_orders:ratio_rate30m', a recording rule output")


def test_histogram_quantile_without_le(tmp_path):
    path = edited_catalog(tmp_path, (P95_PANEL, P95_PANEL.replace("sum by (le)", "sum by (job)")))
    finding = _only(crosscheck(context_of(path)), "histogram-quantile-le")
    assert finding.line == line_containing(path, "sum by (job) (rate(ampel_dashboard_summary_duration_seconds_bucket")
    assert finding.item == "Response time (P50 / P95 / P99)"
    assert "histogram_quantile without le: `sum by (job) (rate(ampel_dashboard_summary_duration_seconds_bucket" \
        in finding.message


def test_histogram_quantile_without_any_aggregation_and_over_a_non_bucket(tmp_path):
    path = edited_catalog(
        tmp_path,
        (P95_PANEL, "histogram_quantile(0.95, rate(ampel_dashboard_summary_duration_seconds_bucket{$selector}[$__rate_interval]))"),
        ("histogram_quantile(0.99, sum by (le)", "histogram_quantile(1.5, sum by (le)"),
        ("expr: sum(up{$selector})", "expr: histogram_quantile(0.9, sum by (le) (rate(http_requests_total{$selector}[$__rate_interval])))"),
    )
    findings = crosscheck(context_of(path))
    assert "without an aggregation by (le)" in _only(findings, "histogram-quantile-le").message
    assert "the quantile must lie in [0, 1]" in _only(findings, "histogram-quantile-phi").message
    assert "histogram_quantile over 'http_requests_total'" in _only(findings, "histogram-quantile-bucket").message


def test_invalid_promql_in_a_rule_reports_the_parser_position(tmp_path):
    """The loader refuses such a catalog (tests/test_catalog_promql.py); a rule group handed to the
    check some other way (a hand-written rule in the context) is still reported, not crashed on."""
    path = edited_catalog(tmp_path)
    ctx = context_of(path)
    artifacts = ctx.per_catalog[0]
    broken = 'sum by (job, error_type) (rate(ampel_dashboard_errors_total{job="ampel-api"}[5m])'
    artifacts.groups = tuple(
        replace(g, rules=tuple(replace(r, expr=broken) if r.record == "job_error_type:ampel_dashboard_errors:rate5m"
                               else r for r in g.rules)) for g in artifacts.groups)
    finding = _only(crosscheck(ctx), "invalid-promql")
    assert finding.line == line_containing(path, "sum by (job, error_type) (rate(")
    assert finding.item == "job_error_type:ampel_dashboard_errors:rate5m"
    assert finding.message == (f"invalid PromQL in recording_rules/ampel-dashboard-summary-recording.yaml: "
                               f"1:{len(broken) + 1}: expected ')' to close the arguments of aggregation 'sum', "
                               f"found end of input in `{broken}`")


def test_high_cardinality_labels_on_metrics(tmp_path):
    path = edited_catalog(
        tmp_path,
        ("      - name: error_type\n", "      - name: user_id\n      - name: error_type\n"),
        ("      - name: visibility\n        values: [green, yellow, red]\n",
         "      - name: visibility\n        values: [green, yellow, red]\n      - name: route\n"
         "      - name: shard\n        pattern: '[0-9]+'\n"),
    )
    findings = by_rule(crosscheck(context_of(path)), "high-cardinality-label")
    by_label = {f.message.split("'")[1]: f for f in findings}
    assert set(by_label) == {"user_id", "route", "shard"}
    user = by_label["user_id"]
    assert user.line == line_containing(path, "- name: user_id") and user.severity == "error"
    assert "is one of the catalog's log_only_fields" in user.message and user.item == "ampel_dashboard_errors_total"
    assert by_label["route"].severity == "error" and "route templates" in by_label["route"].message
    assert by_label["shard"].severity == "warning" and "no bounded value set" in by_label["shard"].message


def test_a_silence_on_the_item_drops_only_the_named_rule(tmp_path):
    path = edited_catalog(
        tmp_path,
        ("expr: up{$selector} == 0", "expr: rate(up{$selector}[5m]) == 0"),
        ("    for: 2m\n", "    for: 2m\n    silence:\n      - {rule: rate-on-gauge, reason: up resets on every restart here}\n"),
        (BREAKDOWN_PANEL, BREAKDOWN_PANEL.replace("{$selector}", '{$selector, visibility="blue"}')),
    )
    findings = crosscheck(context_of(path))
    assert by_rule(findings, "rate-on-gauge") == []
    assert len(by_rule(findings, "label-value-not-allowed")) == 1


def test_a_silence_on_the_metric_covers_its_uses(tmp_path):
    path = edited_catalog(
        tmp_path,
        ("      - name: error_type\n", "      - name: user_id\n      - name: error_type\n"),
        ("    unit: errors\n", "    unit: errors\n    silence:\n      - {rule: high-cardinality-label, reason: "
                             "bounded by the login service to ten test users}\n"),
    )
    assert by_rule(crosscheck(context_of(path)), "high-cardinality-label") == []


def test_every_rule_is_documented():
    from generator.validators.crosscheck import RULES
    doc = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule}`" in doc, rule
