"""Thresholds pulled out of PromQL: top-level `<expr> <op> <number>` only, parsed or tokenized."""
from __future__ import annotations

import pytest

from generator.diff import token_fallback
from generator.diff.thresholds import normalized, thresholds, without_thresholds


@pytest.mark.parametrize("expr, expected", [
    ("job:latency:p95_rate5m > 0.5", ["> 0.5"]),
    ('up{job="api"} == 0', ["== 0"]),
    ("(errors / total) >= 0.01", [">= 0.01"]),
    ("0.5 < job:latency:p95", ["> 0.5"]),  # number first: read back with the mirrored operator
    ("a - b > 5", ["> 5"]),  # comparison binds more loosely than arithmetic
    ("a > bool 1e3", ["> bool 1e3"]),
    ("rate(x[5m]) > 0.1 and rate(y[5m]) < -1", ["> 0.1", "< -1"]),
    ('rate(x{path=~"a|b"}[5m]) >= 0.1 unless on (job) maintenance == 1', [">= 0.1", "== 1"]),
])
def test_top_level_comparisons_with_a_number_are_thresholds(expr, expected):
    assert [str(t) for t in thresholds(expr)] == expected
    assert [str(t) for t in token_fallback.thresholds(expr)] == expected


@pytest.mark.parametrize("expr", [
    'absent(up{job="api"})',
    "a > b",  # no number
    "a > 5 * 2",  # the right side is not a plain number
    "sum(rate(x[5m]) > 0.5)",  # not top level
    'count(up{job!="x"})',  # a matcher, not a comparison
])
def test_no_threshold_where_there_is_none(expr):
    assert thresholds(expr) == ()
    assert token_fallback.thresholds(expr) == ()


def test_threshold_subject_is_what_is_compared():
    (found,) = thresholds("sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m])) > 0.05")
    assert found.subject == "sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))"
    assert (found.op, found.value) == (">", "0.05")


def test_expressions_differing_only_in_thresholds_compare_equal_without_them():
    assert without_thresholds("x > 0.5") == without_thresholds("x >= 0.75")
    assert without_thresholds("x > 0.5") != without_thresholds("y > 0.5")
    assert without_thresholds("a > 1 and b > 2") != without_thresholds("a > 1 or b > 2")


def test_layout_does_not_count():
    assert normalized("sum(rate(x[5m])) by (job)") == normalized("sum by (job) (\n  rate(x[5m])\n)")
    assert normalized("rate(x[$__rate_interval])", grafana=True) == normalized("rate( x[$__rate_interval] )", grafana=True)


def test_unparsable_expression_falls_back_to_tokens():
    expr = "errors_ratio > {{ threshold }} or latency > 2"  # a template the parser rejects
    assert [str(t) for t in thresholds(expr)] == ["> 2"]
    assert normalized(expr) == normalized("errors_ratio  >  {{ threshold }}\n or latency > 2")
