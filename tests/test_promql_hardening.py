"""Regression tests for the parser defects found against promtool 2.42 (issue 15, item 10): each case
is what Prometheus 2.42 does with the input, written down as a literal."""
from __future__ import annotations

import math
import random

import pytest

from generator.promql import (
    Aggregation, Call, MatrixSelector, NumberLiteral, ParseError, StringLiteral, Unary, Variable, VectorSelector,
    parse, to_text, walk,
)
from generator.promql.functions import FUNCTIONS, TARGET, aggregations_for, functions_for
from generator.promql.parser import MAX_DEPTH, MAX_NESTING
from generator.validators.queries import parsed
from tests.support.paths import REPO


def _refused(expr: str, message: str = "", **kwargs) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(expr, **kwargs)
    assert message in info.value.message
    return info.value


# -- crash: only ParseError ever leaves the parser ----------------------------------------------
def test_hexadecimal_timestamp_is_a_number_not_a_crash():
    assert parse("foo @ 0xA").at.value == 10.0
    assert parse("foo @ 0755").at.value == 493.0  # Go's base prefixes: a leading 0 is octal


@pytest.mark.parametrize("expr", [
    "(" * 2000 + "up" + ")" * 2000,
    "-" * 5000 + "1",
    "abs(" * 1000 + "up" + ")" * 1000,
    "up" + " ^ up" * 3000,
    "up" + " + up" * 5000,
    "sum(" * 600 + "up" + ")" * 600,
])
def test_deep_nesting_is_a_parse_error_not_a_recursion_error(expr):
    error = _refused(expr, "nested too deeply")
    assert error.line == 1 and error.column > 1


def test_the_nesting_bound_leaves_room_for_real_expressions():
    assert MAX_NESTING == 100 and MAX_DEPTH == 200
    deep = parse("(" * (MAX_NESTING - 1) + "up" + ")" * (MAX_NESTING - 1))
    assert len(list(walk(deep))) == MAX_NESTING
    chain = parse("up" + " or up" * (MAX_DEPTH - 2))
    assert len(to_text(chain)) == len("up" + " or up" * (MAX_DEPTH - 2))


def test_a_nested_expression_in_validation_is_a_located_problem():
    result = parsed("(" * 2000 + "up" + ")" * 2000, False)
    assert isinstance(result, ParseError) and str(result).startswith("1:101: ")


def _mutations(count: int, seed: int):
    corpus = [line for line in (REPO / "tests/fixtures/promql/expressions.txt").read_text("utf-8").split("\n")
              if line.strip() and not line.startswith("##")]
    pieces = list('(){}[],:@"\'`\\$#+-*/%^=!~<>. \n09exsmhdwy_') + ["offset", "by", "on", "bool", "[5m:]", "\\u",
                                                                       "(?", "$__interval", "start()", "Inf"]
    rng = random.Random(seed)
    for _ in range(count):
        expr = rng.choice(corpus)
        for _ in range(rng.randint(1, 4)):
            i = rng.randint(0, len(expr))
            roll = rng.random()
            if roll < 0.45:
                expr = expr[:i] + rng.choice(pieces) + expr[i:]
            elif roll < 0.75:
                expr = expr[:i] + expr[i + rng.randint(1, 3):]
            else:
                j = rng.randint(0, len(expr))
                expr = expr[:i] + expr[j:j + 6] + expr[i:]
        yield expr


def test_mutated_expressions_raise_only_parse_errors_and_print_back():
    outcomes = {"parsed": 0, "refused": 0}
    for expr in _mutations(3000, seed=15):
        for grafana in (False, True):
            try:
                tree = parse(expr, grafana=grafana)
            except ParseError as exc:
                assert 0 <= exc.pos <= len(expr) and exc.message
                outcomes["refused"] += 1
                continue
            outcomes["parsed"] += 1
            again = parse(to_text(tree), grafana=grafana)
            assert to_text(again) == to_text(tree)
    assert outcomes["parsed"] > 500 and outcomes["refused"] > 2000


# -- regular expressions are RE2 -------------------------------------------------------------
@pytest.mark.parametrize("regex", ["ab(?i)c", "(?i)abc", "\\\\pL+", "\\\\p{Greek}", "[[:alpha:]]", "x{1000}"])
def test_valid_re2_is_accepted(regex):
    assert parse(f'foo{{a=~"{regex}"}}').matchers[0].op == "=~"


@pytest.mark.parametrize("regex", ["(?=a)", "(?!a)", "(?<=a)b", "(a)\\\\1", "x{1001}", "a++", "a**", "\\\\C",
                                   "(?<name>a)", "a)|(b"])
def test_invalid_re2_is_refused(regex):
    _refused(f'foo{{a=~"{regex}"}}', "invalid regular expression")


def test_empty_match_follows_re2_anchoring():
    _refused('{a=~"x*"}', "at least one non-empty matcher")
    assert parse('{a=~"x+"}').matchers[0].value == "x+"
    _refused('{a=~"(?i)"}', "at least one non-empty matcher")


# -- grammar gaps --------------------------------------------------------------------------
@pytest.mark.parametrize("expr", ["foo[5m1h]", "foo[5m1m]", "foo[1d1w]", "foo[1ms1s]", "foo[0s]", "foo offset 0m",
                                  "foo[293y]"])
def test_durations_out_of_order_repeated_zero_or_too_long_are_refused(expr):
    _refused(expr)


def test_durations_in_order_are_accepted_with_their_value():
    assert parse("foo[1y2w3d4h5m6s7ms]").range.seconds == 365 * 86400 + 14 * 86400 + 3 * 86400 + 4 * 3600 + 306.007
    assert parse("foo[292y]").range.seconds == 292 * 365 * 86400


@pytest.mark.parametrize("expr", ['x{a:b="c"}', 'some_metric{a:b="b"}', "sum by (a:b) (x)", "sum by (inf) (x)"])
def test_label_names_with_colons_or_numbers_are_refused(expr):
    _refused(expr)


def test_same_label_in_on_and_group_left_is_refused_but_not_with_ignoring():
    _refused('http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
             "must not occur in on() and group_left()/group_right() at once")
    assert parse("a * ignoring(x) group_left(x) b").matching.include == ("x",)


def test_a_140_digit_number_is_a_float_and_an_out_of_range_one_is_refused():
    number = parse("9" * 140)
    assert isinstance(number, NumberLiteral) and number.value == 1e140
    _refused("9" * 309, "value out of range")
    _refused("5e309", "value out of range")
    assert parse("9223372036854775807").value == 9223372036854775807.0
    _refused("0x8000000000000000")


def test_octal_and_hex_escapes_are_bytes_and_quotes_escape_only_their_own_kind():
    assert parse('"\\377"') == StringLiteral("\xff", 0)
    assert parse("'\\101\\x42\\u0043'").value == "ABC"
    _refused('"\\400"', "invalid Unicode code point")
    _refused('"\\\'"', "unknown escape sequence")
    _refused("'\\\"'", "unknown escape sequence")


@pytest.mark.parametrize("name", ["offset", "by", "without", "and", "or", "unless", "start", "end", "sum", "topk"])
def test_keywords_that_prometheus_allows_as_metric_names(name):
    assert parse(name) == VectorSelector(name, (), pos=0)
    assert parse(f'{name}{{a="b"}}').name == name


@pytest.mark.parametrize("name", ["on", "ignoring", "group_left", "group_right", "bool", "atan2"])
def test_keywords_that_cannot_be_metric_names(name):
    _refused(name)


def test_at_start_or_end_may_precede_a_range_but_a_timestamp_may_not():
    matrix = parse("some_metric @ start() [5m]")
    assert isinstance(matrix, MatrixSelector) and matrix.vector.at.function == "start"
    assert parse("foo @ end()[5m]").range.seconds == 300
    _refused("foo @ 10 [5m]", "no offset or @ modifiers allowed before a range")


def test_timestamps_out_of_int64_range_are_refused():
    _refused("foo @ 9223372036854775808.000000", "timestamp out of bounds")
    _refused("foo @ -9223372036854775808.000000", "timestamp out of bounds")
    _refused("foo @ Inf", "timestamp out of bounds")


def test_signed_numbers_in_comparison_chains_keep_their_types():
    # A sign folded into a number used to leave a stale type behind for a later node (ids reused).
    tree = parse("foo >= -1 >= -1")
    assert tree.op == ">=" and tree.lhs.op == ">=" and tree.rhs == NumberLiteral(-1.0, "-1", 13)
    assert to_text(parse("foo>=-+1 >=-+1")) == "foo >= -+1 >= -+1"


def test_the_lexer_quirks_of_prometheus():
    assert parse("foo[5s x 5s]").step.seconds == 5  # inside brackets a letter is the subquery colon
    assert parse(":") == VectorSelector(":", (), pos=0)
    _refused("foo\fbar", "unexpected character")  # only space, tab, CR and LF separate tokens
    _refused("foo:bar(x)", "not a function")
    _refused("sum(foo,)", "trailing commas")


# -- Prometheus 3.x functions are refused for the 2.42 target ----------------------------------
@pytest.mark.parametrize("expr,name", [
    ("limitk(5, foo)", "limitk"), ("limit_ratio(0.5, foo)", "limit_ratio"), ('sort_by_label(foo, "a")', "sort_by_label"),
    ('sort_by_label_desc(foo, "a")', "sort_by_label_desc"), ("mad_over_time(foo[5m])", "mad_over_time"),
    ("histogram_avg(foo)", "histogram_avg"), ("double_exponential_smoothing(foo[5m], 0.5, 0.5)",
                                              "double_exponential_smoothing"),
])
def test_3x_functions_are_refused_naming_the_version(expr, name):
    assert TARGET == "2.42"
    _refused(expr, f"{name!r} needs Prometheus 3.0 or later; the target is 2.42")


def test_the_function_table_is_versioned():
    old, new = functions_for("2.42"), functions_for("3.0")
    assert "holt_winters" in old and "holt_winters" not in new
    assert "mad_over_time" in new and "mad_over_time" not in old
    assert set(old) | set(new) == set(FUNCTIONS)
    assert "limitk" in aggregations_for("3.0") and "limitk" not in aggregations_for("2.42")
    tree = parse("limitk(5, foo)", target="3.0")
    assert isinstance(tree, Aggregation) and tree.op == "limitk"
    assert isinstance(parse("mad_over_time(foo[5m])", target="3.0"), Call)
    _refused("holt_winters(foo[5m], 0.5, 0.5)", "'holt_winters' was removed in Prometheus 3.0", target="3.0")


# -- Grafana variables as numbers in dashboard mode -------------------------------------------
def test_grafana_variable_as_a_scalar_argument():
    tree = parse("topk($topk, sum by (path) (rate(x[$__rate_interval])))", grafana=True)
    assert isinstance(tree, Aggregation) and tree.param == Variable("$topk", 5)
    assert to_text(tree) == "topk ($topk, sum by (path) (rate(x[$__rate_interval])))"
    assert isinstance(parse("-${n} + up", grafana=True).lhs, Unary)
    assert parse("x offset -$shift", grafana=True).offset.text == "-$shift"
    _refused("topk($topk, up)", "only dashboard queries may use Grafana variables")
    _refused('count_values($label, up)', "expected type string", grafana=True)


def test_nan_and_inf_literals():
    assert math.isnan(parse("NaN").value) and parse("-Inf").value == -math.inf
