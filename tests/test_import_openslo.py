"""`obsgen import openslo`: OpenSLO v1 SLO, SLI, AlertPolicy and AlertCondition documents become a
catalog's `slos:` that generates; what obsgen cannot express is a located error, exit 3, nothing written."""
from __future__ import annotations

import re

import pytest
import yaml

from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

FIXTURE = REPO / "tests" / "fixtures" / "openslo" / "checkout.yaml"


def _import(tmp_path, monkeypatch, text: str | None = None):
    source = tmp_path / "in.yaml"
    source.write_text(text if text is not None else FIXTURE.read_text())
    (tmp_path / "catalog").mkdir()
    monkeypatch.chdir(tmp_path)
    return run_obsgen("import", "openslo", "in.yaml", "-o", "catalog/checkout.yaml")


def test_availability_and_latency_slos_import_and_generate(tmp_path, monkeypatch):
    result = _import(tmp_path, monkeypatch)
    assert result.returncode == 0, result.output
    assert "OpenSLO gives no buckets" in result.stderr  # a warning, located at the input file
    catalog = yaml.safe_load((tmp_path / "catalog" / "checkout.yaml").read_text())
    assert catalog["service"]["name"] == "checkout" and catalog["service"]["selector"] == {"job": "checkout"}
    availability, latency = catalog["slos"]
    assert availability["name"] == "checkout_availability" and availability["target"] == 99.5
    assert availability["period"] == "28d"
    assert availability["ratio"] == {"errors": {"metric": "http_requests_total", "matchers": {"code": {"=~": "5.."}}},
                                     "total": {"metric": "http_requests_total"}}
    tiers = availability["alerting"]["tiers"]
    assert {"long": "1h", "short": "5m", "factor": 14.4, "alert": "page", "for": "2m"} in tiers
    assert {"long": "12h", "short": "1h", "factor": 2.0, "alert": "ticket"} in tiers  # 1/12 of a new long window
    assert sorted(t["long"] for t in tiers if t.get("disable")) == ["1d", "3d", "6h"]
    assert latency["latency"] == {"metric": "checkout_duration_seconds", "threshold": 0.5}
    assert latency["target"] == 99 and latency["period"] == "30d"
    generated = run_obsgen("generate")
    assert generated.returncode == 0, generated.output
    alerts = yaml.safe_load((tmp_path / "alerts" / "checkout-slo-alerts.yaml").read_text())["groups"][0]["rules"]
    assert sorted(r["alert"] for r in alerts) == ["CheckoutAvailabilityBudgetBurn12h", "CheckoutAvailabilityBudgetBurn1h",
                                                  "CheckoutLatencyBudgetBurn1h"]
    assert (tmp_path / "dashboards" / "checkout-slo.json").exists()


# (id, old, new, document path in the error, text on the error's line)
UNSUPPORTED = [
    ("timeslices", "budgetingMethod: Occurrences", "budgetingMethod: Timeslices", "spec.budgetingMethod",
     "budgetingMethod: Timeslices"),
    ("calendar-window", "    - duration: 28d\n      isRolling: true", "    - duration: 28d\n      isRolling: false",
     "spec.timeWindow[0]", "- duration: 28d"),
    ("two-objectives", "    - displayName: available\n      target: 0.995",
     "    - displayName: available\n      target: 0.995\n    - target: 0.99", "spec.objectives", "objectives:"),
    ("time-slice-objective", "      target: 0.995", "      target: 0.995\n      timeSliceTarget: 0.9",
     "spec.objectives[0].timeSliceTarget", "timeSliceTarget: 0.9"),
    ("threshold-metric", "  ratioMetric:\n    counter: true\n    bad:", "  thresholdMetric:\n    counter: true\n    bad:",
     "spec", "spec:"),
    ("datadog-source", "        type: Prometheus\n        spec:\n          query: sum(rate(http_requests_total{job=\"checkout\", code",
     "        type: Datadog\n        spec:\n          query: sum(rate(http_requests_total{job=\"checkout\", code",
     "spec.ratioMetric.bad.metricSource", "metricSource:"),
    ("query-not-a-selector", 'query: sum(rate(http_requests_total{job="checkout"}[5m]))',
     'query: sum(rate(http_requests_total{job="checkout"}[5m])) * 2', "spec.ratioMetric.total.metricSource.spec.query",
     "query: sum(rate(http_requests_total{job=\"checkout\"}[5m])) * 2"),
    ("query-does-not-parse", 'query: sum(rate(http_requests_total{job="checkout"}[5m]))',
     'query: sum(rate(http_requests_total{job="checkout"[5m]))', "spec.ratioMetric.total.metricSource.spec.query",
     "query: sum(rate("),
    ("condition-kind", "    kind: burnrate\n    op: gte\n    threshold: 14.4", "    kind: static\n    op: gte\n    threshold: 14.4",
     "spec.condition.kind", "kind: static"),
    ("condition-op", "    op: gt\n", "    op: lt\n", "spec.condition.op", "op: lt"),
    ("severity", "  severity: ticket", "  severity: sms", "spec.severity", "severity: sms"),
    ("lookback-window", "lookbackWindow: 12h", "lookbackWindow: 12hours", "spec.condition.lookbackWindow",
     "lookbackWindow: 12hours"),
    ("notification-targets", "  alertWhenBreaching: true", "  alertWhenBreaching: true\n  notificationTargets:\n    - targetRef: pager",
     "spec.notificationTargets", "notificationTargets:"),
    ("unknown-indicator", "indicatorRef: checkout-errors", "indicatorRef: checkout-fails", "spec.indicatorRef",
     "indicatorRef: checkout-fails"),
    ("unknown-condition", "    - conditionRef: slow-burn", "    - conditionRef: slower-burn", "spec.conditions[1].conditionRef",
     "conditionRef: slower-burn"),
    ("other-kind", "kind: SLI\n", "kind: Service\n", "kind", "kind: Service"),
    ("api-version", "apiVersion: openslo/v1\nkind: SLI", "apiVersion: openslo/v2alpha\nkind: SLI", "apiVersion",
     "apiVersion: openslo/v2alpha"),
    ("inline-condition-threshold", "threshold: 10, lookbackWindow", "threshold: -1, lookbackWindow",
     "spec.alertPolicies[0].spec.conditions[0].spec.condition.threshold", "condition: {kind: burnrate"),
]


def _assert_located_error(tmp_path, monkeypatch, old: str, new: str, after_line: str, on_line: str) -> None:
    """The fixture with `old` replaced by `new` is refused (exit 3, nothing written) with a problem
    `in.yaml:N: <after_line>` whose line N holds `on_line`."""
    original = FIXTURE.read_text()
    assert original.count(old) == 1, old
    text = original.replace(old, new)
    result = _import(tmp_path, monkeypatch, text)
    assert result.returncode == 3, result.output
    assert "nothing was written" in result.stderr
    match = re.search(rf"in\.yaml:(\d+): {after_line}", result.stderr)
    assert match, result.stderr
    assert on_line in text.splitlines()[int(match.group(1)) - 1], (match.group(1), result.stderr)
    assert not (tmp_path / "catalog" / "checkout.yaml").exists()


@pytest.mark.parametrize("case", UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_what_obsgen_cannot_express_is_a_located_error(case, tmp_path, monkeypatch):
    _, old, new, path, on_line = case
    _assert_located_error(tmp_path, monkeypatch, old, new, f"{re.escape(path)}: ", on_line)


# Each kind given by reference or inline (SLI, AlertPolicy, AlertCondition): an unknown name, or neither a
# reference nor an inline document, is located at the item with its own message.
# (id, old, new, document path in the error, message, text on the error's line)
BY_REFERENCE_OR_INLINE = [
    ("unknown-indicator", "indicatorRef: checkout-errors", "indicatorRef: checkout-fails", "spec.indicatorRef",
     "no SLI named 'checkout-fails'", "indicatorRef: checkout-fails"),
    ("no-indicator", "  indicatorRef: checkout-errors\n", "", "spec",
     "the SLO needs an indicator or an indicatorRef", "spec:"),
    ("inline-indicator-query", 'query: sum(rate(checkout_duration_seconds_count{job="checkout"}[5m]))',
     'query: sum(rate(checkout_duration_seconds_count{job="checkout"}[5m])) * 2',
     "spec.indicator.spec.ratioMetric.total.metricSource.spec.query", "", "* 2"),
    ("unknown-policy", "    - alertPolicyRef: checkout-burn", "    - alertPolicyRef: checkout-slow",
     "spec.alertPolicies[0].alertPolicyRef", "no AlertPolicy named 'checkout-slow'", "alertPolicyRef: checkout-slow"),
    ("neither-policy", "    - alertPolicyRef: checkout-burn", "    - policy: checkout-burn", "spec.alertPolicies[0]",
     "an alert policy is an alertPolicyRef or an inline AlertPolicy", "- policy: checkout-burn"),
    ("inline-policy-targets", "      spec:\n        conditions:",
     "      spec:\n        notificationTargets: [{targetRef: pager}]\n        conditions:",
     "spec.alertPolicies[0].spec.notificationTargets", "notification targets have no place in an SLO",
     "notificationTargets: [{targetRef: pager}]"),
    ("unknown-condition", "    - conditionRef: slow-burn", "    - conditionRef: slower-burn",
     "spec.conditions[1].conditionRef", "no AlertCondition named 'slower-burn'", "conditionRef: slower-burn"),
    ("neither-condition", "    - conditionRef: slow-burn", "    - condition: slow-burn", "spec.conditions[1]",
     "a condition is a conditionRef or an inline AlertCondition", "- condition: slow-burn"),
    ("neither-inline-condition", "          - kind: AlertCondition\n", "          - kind: Condition\n",
     "spec.alertPolicies[0].spec.conditions[0]", "a condition is a conditionRef or an inline AlertCondition",
     "- kind: Condition"),
]


@pytest.mark.parametrize("case", BY_REFERENCE_OR_INLINE, ids=[c[0] for c in BY_REFERENCE_OR_INLINE])
def test_a_reference_or_inline_document_that_resolves_to_nothing_is_a_located_error(case, tmp_path, monkeypatch):
    _, old, new, path, message, on_line = case
    _assert_located_error(tmp_path, monkeypatch, old, new, f"{re.escape(path)}: {re.escape(message)}", on_line)
