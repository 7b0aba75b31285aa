"""The PromQL parser: every generated expression parses and prints back to the same tree; precedence,
types and modifiers follow Prometheus; errors carry the position of the problem."""
from __future__ import annotations

import json

import pytest
import yaml

from generator.promql import (
    Aggregation, BinaryOp, Call, MatrixSelector, NumberLiteral, ParseError, Subquery, Unary, VectorSelector, parse,
    selectors, threshold, to_text,
)
from tests.support.paths import GOLDEN, REPO


def _generated_expressions():
    files = sorted((REPO / "alerts").glob("*.yaml")) + sorted((REPO / "recording_rules").glob("*.yaml"))
    files += sorted(GOLDEN.glob("*/alerts/*.yaml")) + sorted(GOLDEN.glob("*/recording_rules/*.yaml"))
    exprs = [(r["expr"], False) for f in files for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"]]
    for f in sorted((REPO / "dashboards").glob("*.json")) + sorted(GOLDEN.glob("*/dashboards/*.json")):
        exprs += [(t["expr"], True) for p in json.loads(f.read_text())["panels"] for t in p.get("targets", [])]
    return exprs


GENERATED = _generated_expressions()

VALID = [
    'sum without (instance) (rate(x{a!~"b|c"}[5m:1m] offset -1h @ start())) / on (job) group_left (team) y > bool 3',
    "topk(3, sum by (path) (rate(http_requests_total[5m])))",
    'count_values("version", build_info)',
    "quantile(0.9, x) or vector(0)",
    'label_replace(up, "host", "$1", "instance", "(.*):.*")',
    'label_join(up, "all", ",", "job", "instance")',
    "histogram_quantile(0.9, sum(rate(x_bucket[5m])) by (le))",
    "-x offset 5m",
    "x @ 1609746000",
    '{__name__=~"foo.*", job="a",}',
    '{__name__="up"}',
    "time() - 0x10 * 1e3 + Inf",
    "clamp(x, 0, 1) unless ignoring (a) y",
    "abs(x) ^ 2 % 3 atan2 z",
    "absent_over_time(x[1h30m])",
    "sum(x) by ()",
    "round(x)",
    ":ampel_errors:rate5m / ignoring (path) max_over_time(job:x:rate5m[1h:])",
    "x # a comment\n + y",
    "label_replace(up, `raw\\d`, 'x', \"a\", \"\\\\d+\") > bool 0",
]


@pytest.mark.parametrize("expr,grafana", GENERATED, ids=[e[:60] for e, _ in GENERATED])
def test_every_generated_expression_parses_and_prints_back(expr, grafana):
    tree = parse(expr, grafana=grafana)
    assert parse(to_text(tree), grafana=grafana) == parse(to_text(parse(to_text(tree), grafana=grafana)), grafana=grafana)
    assert [u.selector.metric_name for u in selectors(tree)] == \
           [u.selector.metric_name for u in selectors(parse(to_text(tree), grafana=grafana))]


@pytest.mark.parametrize("expr", VALID)
def test_valid_promql_parses_and_round_trips(expr):
    tree = parse(expr)
    again = parse(to_text(tree))
    assert to_text(again) == to_text(tree)


def test_there_are_generated_expressions_to_check():
    assert len(GENERATED) >= 20
    assert any(grafana for _, grafana in GENERATED) and any(not grafana for _, grafana in GENERATED)


def test_precedence_and_associativity():
    tree = parse("a - b * c ^ d ^ e or f and g > 1")
    assert tree.op == "or"
    assert tree.rhs.op == "and" and tree.rhs.rhs.op == ">"
    minus = tree.lhs
    assert minus.op == "-" and minus.rhs.op == "*"
    power = minus.rhs.rhs
    assert power.op == "^" and power.lhs.name == "c" and power.rhs.op == "^"  # right-associative
    unary = parse("-x ^ 2")
    assert isinstance(unary, Unary) and unary.expr.op == "^"  # ^ binds tighter than unary minus
    assert parse("-2") == NumberLiteral(-2.0, "-2", 0)


def test_nodes_carry_selectors_matchers_ranges_and_modifiers():
    tree = parse('sum by (le) (rate(d_bucket{job="a", le!~"0.1"}[5m] offset 1h))')
    assert isinstance(tree, Aggregation) and tree.grouping == ("le",) and not tree.without
    call = tree.expr
    assert isinstance(call, Call) and call.func == "rate"
    matrix = call.args[0]
    assert isinstance(matrix, MatrixSelector) and matrix.range.seconds == 300
    assert matrix.vector.offset.seconds == 3600
    assert [(m.name, m.op, m.value) for m in matrix.vector.matchers] == [("job", "=", "a"), ("le", "!~", "0.1")]
    sub = parse("max_over_time(rate(x[1m])[1h:30s])").args[0]
    assert isinstance(sub, Subquery) and sub.range.seconds == 3600 and sub.step.seconds == 30
    binary = parse("a * on (job) group_right (team) b")
    assert isinstance(binary, BinaryOp)
    assert binary.matching.on and binary.matching.labels == ("job",)
    assert binary.matching.card == "one-to-many" and binary.matching.include == ("team",)


def test_selectors_walker_gives_the_chain_of_enclosing_functions():
    uses = list(selectors(parse("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) / y")))
    assert [u.selector.name for u in uses] == ["x_bucket", "y"]
    chain = uses[0].chain
    assert [getattr(n, "func", getattr(n, "op", None)) for n in chain] == ["rate", "sum", "histogram_quantile"]
    assert uses[0].function.func == "rate" and uses[0].range.text == "5m"
    assert uses[1].chain == () and uses[1].function is None and uses[1].range is None


def test_threshold_of_a_top_level_comparison():
    assert threshold(parse("job:x:ratio_rate5m > 0.01")) == (">", 0.01)
    assert threshold(parse("(0.5 <= x)")) == (">=", 0.5)
    assert threshold(parse("up == 0")) == ("==", 0.0)
    assert threshold(parse("x > -1")) == (">", -1.0)
    assert threshold(parse("absent(x)")) is None
    assert threshold(parse("x > y")) is None
    assert threshold(parse("x + 1")) is None


@pytest.mark.parametrize("variable", ["$__rate_interval", "$__interval", "$__range", "${window}", "$window"])
def test_grafana_variables_are_durations_in_dashboard_queries_only(variable):
    tree = parse(f"rate(x[{variable}])", grafana=True)
    rng = tree.args[0].range
    assert rng.text == variable and rng.is_variable and rng.seconds is None
    assert parse(f"max_over_time(x[1h:{variable}])", grafana=True).args[0].step.text == variable
    with pytest.raises(ParseError, match="only dashboard queries may use Grafana variables"):
        parse(f"rate(x[{variable}])")


ERRORS = [
    ("rate(x)", 6, "expected type range vector in call to function 'rate', got instant vector"),
    ("sum(rate(x[5m])", 16, "expected ')'"),
    ('foo{a="b"', 10, "expected ',' or '}'"),
    ("1 > 2", 3, "comparisons between scalars must use the bool modifier"),
    ("x[5m] + 1", 1, "binary expression must contain only scalar and instant vector types, found range vector"),
    ("histogram_quantile(x, y)", 20, "expected type scalar in call to function 'histogram_quantile'"),
    ("rat(x[5m])", 1, "unknown function with name 'rat'"),
    ("sum by (a) (x) by (b)", 16, "two by()/without() clauses"),
    ("foo offset 5m[5m]", 14, "no offset or @ modifiers allowed before a range"),
    ("x +", 4, "unexpected end of input"),
    ('x{a=~"("}', 6, "invalid regular expression"),
    ("rate(x[5min])", 8, "bad number or duration '5min'"),
    ('{a=""}', 1, "at least one non-empty matcher"),
    ("x[5m][5m]", 6, "ranges only allowed for vector selectors"),
    ("sum(x, y)", 1, "wrong number of arguments for aggregate expression 'sum'"),
    ("topk(x)", 1, "expected 2, got 1"),
    ("clamp_max(x)", 1, "expected 2 argument(s) in call to 'clamp_max', got 1"),
    ("x and 1", 3, "set operator 'and' not allowed in binary scalar expression"),
    ("x + bool y", 5, "bool modifier can only be used on comparison operators"),
    ("x or on (a) group_left y", 13, "no grouping allowed for 'or' operation"),
    ('"unterminated', 1, "unterminated string"),
    ("x > 5m", 5, "unexpected duration '5m'"),
    ("", 1, "empty expression"),
    ('x{__name__="y"}', 1, "metric name 'x' given twice"),
    ("up{job='a'} == ", 16, "unexpected end of input"),
    ("sum(x) y", 8, "after a complete expression"),
    ("1 offset 5m", 3, "offset modifier must be preceded by a selector or a subquery"),
]


@pytest.mark.parametrize("expr,column,message", ERRORS, ids=[e for e, _, _ in ERRORS])
def test_invalid_promql_raises_with_position(expr, column, message):
    with pytest.raises(ParseError) as info:
        parse(expr)
    assert message in info.value.message
    assert info.value.column == column
    assert str(info.value).startswith(f"1:{column}: ")


def test_error_position_counts_lines():
    with pytest.raises(ParseError) as info:
        parse("sum(\n  rate(x[5m]\n)")
    assert (info.value.line, info.value.column) == (3, 2)  # after the ")" that closed rate(


def test_selector_name_from_name_matcher():
    selector = parse('{__name__="up", job="a"}')
    assert isinstance(selector, VectorSelector) and selector.name == "" and selector.metric_name == "up"
    assert [m.name for m in selector.label_matchers] == ["job"]


def _rule_file(path, exprs):
    rules = [{"record": f"check:expr:{i}", "expr": e} for i, e in enumerate(exprs)]
    path.write_text(yaml.safe_dump({"groups": [{"name": "parser-agreement", "rules": rules}]}))
    return path


@pytest.mark.promtool
def test_promtool_agrees_on_valid_and_invalid_expressions(tmp_path):
    """The parser accepts what Prometheus accepts and rejects what it rejects (one promtool call each)."""
    import os
    import subprocess
    promtool = os.environ.get("PROMTOOL", "promtool")
    valid = _rule_file(tmp_path / "valid.yaml", VALID + [e for e, grafana in GENERATED if not grafana])
    ok = subprocess.run([promtool, "check", "rules", str(valid)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    invalid = [_rule_file(tmp_path / f"bad{i}.yaml", [expr]) for i, (expr, _, _) in enumerate(ERRORS) if expr]
    bad = subprocess.run([promtool, "check", "rules", *map(str, invalid)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    for path in invalid:
        assert f"{path}: 4:11: group \"parser-agreement\", rule 1" in bad.stdout + bad.stderr, path.name
