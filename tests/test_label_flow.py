"""Label flow: the labels an expression's result carries, as Prometheus computes them, and the
grouping/matching labels that no series below carries."""
from __future__ import annotations

import pytest

from generator.model import Label
from generator.promql import parse
from generator.validators.label_flow import LabelFlow
from generator.validators.series import Series

A = Series("a", "counter", {"job": None, "instance": None, "path": Label("path", ("/x", "/y"))})
B = Series("b", "gauge", {"job": None, "team": None})
TABLE = {"a": A, "b": B}


@pytest.mark.parametrize("expr,labels", [
    ("a", {"job", "instance", "path"}),
    ("sum by (job) (rate(a[5m]))", {"job"}),
    ("sum without (instance) (a)", {"job", "path"}),
    ("sum(a)", set()),
    ("topk(1, a)", {"job", "instance", "path"}),
    ('count_values("v", a)', {"v"}),
    ('label_replace(a, "host", "$1", "instance", "(.*)")', {"job", "instance", "path", "host"}),
    ('absent(a{job="x", path=~".*"})', {"job"}),
    ("a / on (job) group_left (team) b", {"job", "instance", "path", "team"}),
    ("a / on (job) b", {"job"}),
    ("a / ignoring (path, instance) b", {"job"}),
    ("b * on (job) group_right a", {"job", "instance", "path"}),
    ("a > 1", {"job", "instance", "path"}),
    ("2 * b", {"job", "team"}),
    ("a and b", {"job", "instance", "path"}),
    ("a or b", {"job", "instance", "path", "team"}),
    ("vector(1)", set()),
    ("unknown_metric", None),
    ("sum by (job) (unknown_metric)", {"job"}),
])
def test_result_labels(expr, labels):
    result = LabelFlow(TABLE).labels(parse(expr))
    assert (None if result is None else set(result)) == labels


def test_allowed_values_follow_the_label():
    result = LabelFlow(TABLE).labels(parse("sum by (path) (rate(a[5m]))"))
    assert result["path"].values == ("/x", "/y")


@pytest.mark.parametrize("expr,problem", [
    ("sum by (team) (a)", ("team", "by", ("instance", "job", "path"))),
    ("sum without (pod) (a)", ("pod", "without", ("instance", "job", "path"))),
    ("a / on (path) b", ("path", "on", ("job", "team"))),
    ("a / ignoring (pod) b", ("pod", "ignoring", ("instance", "job", "path", "team"))),
    ("a / on (job) group_left (owner) b", ("owner", "group_left", ("job", "team"))),
])
def test_labels_no_series_carries_are_reported(expr, problem):
    flow = LabelFlow(TABLE)
    flow.labels(parse(expr))
    assert [(p.label, p.clause, p.available) for p in flow.problems] == [problem]


def test_nothing_is_reported_below_an_unknown_metric():
    flow = LabelFlow(TABLE)
    flow.labels(parse("sum by (anything) (unknown_metric) / on (whatever) a"))
    assert [p.label for p in flow.problems] == ["whatever"]
