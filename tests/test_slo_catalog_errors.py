"""Bad input to every field of the `slos:` section is a located error: exit 3, the catalog line of
the field named, nothing written."""
from __future__ import annotations

import re

import pytest

from tests.slo_catalogs import SHOP, write_catalog
from tests.support.inprocess import run_obsgen

AVAILABILITY_TIERS = """        - {long: 3d, disable: true}
        - {long: 1h, factor: 10}
"""
LATENCY = "    latency: {metric: shop_request_duration_seconds, threshold: 0.5, matchers: {route: /pay}}\n"

# (id, old text, new text, document path, message part, text on the line the error names)
CASES = [
    ("target-100", "target: 99.5", "target: 100", "slos[0].target", "100", "target: 100"),
    ("target-text", "target: 99.5", "target: high", "slos[0].target", "'high' is not of type 'number'", "target: high"),
    ("period-pattern", "period: 28d", "period: 28days", "slos[0].period", "28days", "period: 28days"),
    ("period-zero", "period: 28d", "period: 0s", "slos[0].period", "must be longer than 0s", "period: 0s"),
    ("period-shorter-than-tier", "period: 28d", "period: 12h", "slos[0].alerting",
     "tier 1d: the long window is longer than the SLO's period (12h)", "alerting:"),
    ("no-sli", LATENCY, "", "slos[1]", "give exactly one SLI", "- name: latency"),
    ("two-slis", LATENCY, LATENCY + "    ratio: {errors: {metric: http_requests_total}, total: {metric: http_requests_total}}\n",
     "slos[1]", "give exactly one SLI", "- name: latency"),
    ("errors-and-good", "      total: {metric: http_requests_total, matchers: {route: /pay}}",
     "      total: {metric: http_requests_total, matchers: {route: /pay}}\n      good: {metric: http_requests_total}",
     "slos[0].ratio", "give exactly one of errors: (bad events) and good:", "ratio:"),
    ("errors-metric-unknown", "errors: {metric: http_requests_total,", "errors: {metric: http_errors_total,",
     "slos[0].ratio.errors.metric", "unknown metric 'http_errors_total'", "errors: {metric: http_errors_total"),
    ("total-metric-histogram", "total: {metric: http_requests_total,", "total: {metric: shop_request_duration_seconds,",
     "slos[0].ratio.total.metric", "is a histogram; a ratio SLI counts events with counters", "total: {metric: shop_request"),
    ("matcher-unknown-label", 'matchers: {code: {"=~": "5.."}, route: /pay}', 'matchers: {status: {"=~": "5.."}, route: /pay}',
     "slos[0].ratio.errors.matchers.status", "has no label 'status'", "errors: {metric"),
    ("matcher-bad-regex", 'matchers: {code: {"=~": "5.."}, route: /pay}', 'matchers: {code: {"=~": "5.("}, route: /pay}',
     "slos[0].ratio.errors.matchers.code", "not a valid Prometheus (RE2) regex", "errors: {metric"),
    ("matcher-bad-operator", 'matchers: {code: {"=~": "5.."}, route: /pay}', 'matchers: {code: {"~": "5.."}, route: /pay}',
     "slos[0].ratio.errors.matchers.code", "is not valid here", "errors: {metric"),
    ("matcher-selects-nothing", "matchers: {route: /pay}}\n    alerting", "matchers: {route: {\"=~\": /shop.*}}}\n    alerting",
     "slos[0].ratio.total.matchers.route", "selects none of the allowed values", "total: {metric"),
    ("latency-metric-counter", "latency: {metric: shop_request_duration_seconds,", "latency: {metric: http_requests_total,",
     "slos[1].latency.metric", "is a counter; a latency SLI needs a histogram", "latency: {metric: http_requests_total"),
    ("latency-threshold-not-a-bucket", "threshold: 0.5,", "threshold: 0.3,", "slos[1].latency.threshold",
     "threshold 0.3 is not a bucket boundary of shop_request_duration_seconds (buckets: 0.1, 0.25, 0.5, 1)", "threshold: 0.3"),
    ("latency-matcher-unknown-value", "threshold: 0.5, matchers: {route: /pay}", "threshold: 0.5, matchers: {route: /cart}",
     "slos[1].latency.matchers.route", "value '/cart' is not allowed", "latency: {metric"),
    ("latency-unknown-field", "threshold: 0.5,", "threshold: 0.5, quantile: 0.99,", "slos[1].latency.quantile",
     "unknown field 'quantile'", "latency: {metric"),
    ("alert-name", "      runbook: https", "      name: burnAlert\n      runbook: https", "slos[0].alerting.name",
     "'burnAlert' does not match", "name: burnAlert"),
    ("runbook-url", "runbook: https://runbooks.example.com/shop/slo", "runbook: ftp://runbooks/slo",
     "slos[0].alerting.runbook", "does not match", "runbook: ftp://"),
    ("page-severity", "      runbook: https", "      page: {severity: urgent}\n      runbook: https", "slos[0].alerting.page.severity",
     "severity 'urgent' is not one of critical, warning, info", "page: {severity: urgent}"),
    ("ticket-reserved-label", "      runbook: https", "      ticket: {labels: {slo: other}}\n      runbook: https",
     "slos[0].alerting.ticket.labels.slo", "is set by the SLO's alerts themselves", "ticket: {labels"),
    ("tier-long-pattern", "{long: 1h, factor: 10}", "{long: 1hour, factor: 10}", "slos[0].alerting.tiers[1].long",
     "1hour", "{long: 1hour"),
    ("tier-disable-unknown", "{long: 3d, disable: true}", "{long: 2d, disable: true}", "slos[0].alerting.tiers[0].disable",
     "there is no default tier 2d to disable", "{long: 2d, disable: true}"),
    ("tier-new-incomplete", "{long: 3d, disable: true}", "{long: 12h, factor: 2}", "slos[0].alerting.tiers[0]",
     "a new tier 12h needs short, alert", "{long: 12h, factor: 2}"),
    ("tier-short-not-shorter", "{long: 1h, factor: 10}", "{long: 1h, short: 1h}", "slos[0].alerting.tiers[1].short",
     "the short window 1h must be shorter than the long window 1h", "{long: 1h, short: 1h}"),
    ("tier-factor-zero", "{long: 1h, factor: 10}", "{long: 1h, factor: 0}", "slos[0].alerting.tiers[1].factor",
     "0 is less than or equal to the minimum of 0", "{long: 1h, factor: 0}"),
    ("tier-factor-unreachable", "{long: 1h, factor: 10}", "{long: 1h, factor: 250}", "slos[0].alerting.tiers[1].factor",
     "a burn rate of 250 at a target of 99.5 % needs an error ratio of 1.25", "{long: 1h, factor: 250}"),
    ("tier-alert-kind", "{long: 1h, factor: 10}", "{long: 1h, alert: sms}", "slos[0].alerting.tiers[1].alert",
     "'sms' is not one of", "{long: 1h, alert: sms}"),
    ("tier-for", "{long: 1h, factor: 10}", "{long: 1h, for: 0s}", "slos[0].alerting.tiers[1].for",
     "must be longer than 0s", "{long: 1h, for: 0s}"),
    ("tier-twice", "{long: 1h, factor: 10}", "{long: 3d, factor: 10}", "slos[0].alerting.tiers[1].long",
     "tier 3d is given twice", "{long: 3d, factor: 10}"),
    ("every-tier-disabled", AVAILABILITY_TIERS, "".join(f"        - {{long: {w}, disable: true}}\n" for w in ("1h", "6h", "1d", "3d")),
     "slos[0].alerting.tiers", "every burn-rate tier is disabled", "tiers:"),
    ("scenario-unknown", "    target: 99\n", "    target: 99\n    scenarios: [soak]\n", "slos[1].scenarios[0]",
     "unknown load-test scenario 'soak'", "scenarios: [soak]"),
    ("name-duplicate", "  - name: latency\n", "  - name: availability\n", "slos[1].name", "duplicate SLO 'availability'",
     "- name: availability"),
    ("name-pattern", "  - name: latency\n", "  - name: Latency-SLO\n", "slos[1].name", "does not match", "- name: Latency-SLO"),
    ("unknown-field", "    target: 99\n", "    target: 99\n    window: 5m\n", "slos[1].window", "unknown field 'window'", "window: 5m"),
    ("alert-name-clash", "      runbook: https", "      name: Latency\n      runbook: https", "slos[0].alerting.name",
     "duplicate SLO alert name", "name: Latency"),
]


def _generate(tmp_path, monkeypatch, text: str):
    write_catalog(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    return run_obsgen("generate")


def test_the_shared_catalog_generates(tmp_path, monkeypatch):
    result = _generate(tmp_path, monkeypatch, SHOP)
    assert result.returncode == 0, result.output


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_slo_input_is_a_located_error_and_writes_nothing(case, tmp_path, monkeypatch):
    _, old, new, path, message, on_line = case
    assert SHOP.count(old) == 1, old
    text = SHOP.replace(old, new)
    if case[0] == "alert-name-clash":  # both SLOs named Latency...: the second SLO's default prefix is LatencyBudgetBurn
        text = text.replace("name: Latency\n", "name: LatencyBudgetBurn\n")
        message = "duplicate SLO alert name 'LatencyBudgetBurn'"
        on_line = "- name: latency"
        path = "slos[1].alerting.name"
    result = _generate(tmp_path, monkeypatch, text)
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(rf"catalog/shop\.yaml:(\d+): {re.escape(path)}: (.*)", result.stderr)
    assert match, result.stderr
    assert message in match.group(2), result.stderr
    assert on_line in text.splitlines()[int(match.group(1)) - 1], (match.group(1), result.stderr)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop.yaml"]


def test_an_slo_alert_named_like_a_catalog_alert_is_refused(tmp_path, monkeypatch):
    text = SHOP.replace("alerting:\n  default_receiver", """alerts:
  - name: LatencyBudgetBurn1h
    expr: up{$selector} == 0
    for: 1m
    severity: critical
    summary: Down
    description: '{{ $labels.job }} is down.'

alerting:
  default_receiver""")
    result = _generate(tmp_path, monkeypatch, text)
    assert result.returncode == 3, result.output
    assert re.search(r"catalog/shop\.yaml:\d+: slos\[1\]\.alerting\.name: the SLO's alert LatencyBudgetBurn1h has the "
                     r"name of another alert", result.stderr), result.stderr


def test_a_dashboard_taking_the_slo_dashboard_uid_is_refused(tmp_path, monkeypatch):
    text = SHOP.replace("alerting:\n  default_receiver", """dashboards:
  - uid: shop-api-slo
    title: Mine
    rows: [{title: R, panels: [{title: Up, type: stat, unit: short, description: Up., targets: [{expr: 'up{$selector}'}]}]}]

alerting:
  default_receiver""")
    result = _generate(tmp_path, monkeypatch, text)
    assert result.returncode == 3, result.output
    match = re.search(r"catalog/shop\.yaml:(\d+): dashboards\[0\]\.uid: uid 'shop-api-slo' is the generated SLO dashboard's",
                      result.stderr)
    assert match and "uid: shop-api-slo" in text.splitlines()[int(match.group(1)) - 1], result.stderr
