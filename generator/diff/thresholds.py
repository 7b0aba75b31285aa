"""Thresholds pulled out of PromQL, and expressions compared without layout noise.

A threshold is a top-level comparison with a number on one side: `<expr> <op> <number>` (the
mirror `<number> <op> <expr>` is read back as `<expr> <mirrored op> <number>`). The operands of
top-level `and` / `or` / `unless` are looked at one by one, so `a > 1 and b < 5` has two.

Expressions are parsed with `generator.promql` and compared as canonical trees (`canonical`), so
`sum(x) by (job)` equals `sum by (job) (x)`, and line breaks, comments and redundant parentheses
do not count. An expression the parser rejects (syntax it does not know, a template) is compared
as tokens (`token_fallback`); `parse_error` says why it was rejected, for the report.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from generator.diff import token_fallback
from generator.diff.canonical import key
from generator.diff.token_fallback import Threshold
from generator.promql import BinaryOp, NumberLiteral, ParseError, parse, strip_parens, threshold, to_text
from generator.promql.ast import SET_OPS

__all__ = ["Threshold", "normalized", "parse_error", "thresholds", "without_thresholds"]
_BLANK = NumberLiteral(0.0, "N")


@lru_cache(maxsize=4096)
def _parsed(expr: str, grafana: bool = False) -> tuple[object | None, str]:
    """(tree, "") or (None, why the parser refused it)."""
    try:
        return parse(expr, grafana=grafana), ""
    except ParseError as exc:
        return None, " ".join(str(exc).split())
    except (KeyError, ValueError, IndexError, TypeError, RecursionError) as exc:  # a parser defect: still a refusal
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _tree(expr: str, grafana: bool = False):
    return _parsed(expr, grafana)[0]


def parse_error(expr: str, grafana: bool = False) -> str:
    """Why the PromQL parser refuses `expr` ("" when it parses)."""
    return _parsed(expr, grafana)[1]


def _comparisons(node) -> list[BinaryOp]:
    """The top-level comparisons with a number: one per operand of top-level set operators."""
    node = strip_parens(node)
    if isinstance(node, BinaryOp) and node.op in SET_OPS:
        return _comparisons(node.lhs) + _comparisons(node.rhs)
    return [node] if threshold(node) is not None else []


def _threshold(node: BinaryOp) -> Threshold:
    op, _ = threshold(node)
    number_on_right = isinstance(strip_parens(node.rhs), NumberLiteral)
    number = strip_parens(node.rhs if number_on_right else node.lhs)
    subject = node.lhs if number_on_right else node.rhs
    return Threshold(to_text(subject), op + (" bool" if node.bool_modifier else ""), number.text)


def thresholds(expr: str) -> tuple[Threshold, ...]:
    """Every top-level `<expr> <op> <number>` comparison, in the order written."""
    tree = _tree(expr)
    if tree is None:
        return token_fallback.thresholds(expr)
    return tuple(_threshold(node) for node in _comparisons(tree))


def _blanked(node):
    """The tree with each threshold comparison's number and operator blanked."""
    inner = strip_parens(node)
    if isinstance(inner, BinaryOp) and inner.op in SET_OPS:
        return replace(inner, lhs=_blanked(inner.lhs), rhs=_blanked(inner.rhs))
    if threshold(inner) is None:
        return node
    if isinstance(strip_parens(inner.rhs), NumberLiteral):
        return replace(inner, op="<compared with>", rhs=_BLANK, bool_modifier=False)
    return replace(inner, op="<compared with>", lhs=_BLANK, bool_modifier=False)


def without_thresholds(expr: str) -> str:
    """The normalised expression with thresholds blanked: equal on both sides of a change that
    touched nothing but thresholds."""
    tree = _tree(expr)
    if tree is None:
        return "tokens: " + token_fallback.without_thresholds(expr)
    return "tree: " + key(_blanked(tree))


def normalized(expr: str, grafana: bool = False) -> str:
    """A key equal for two expressions that mean the same (Grafana variables allowed if asked):
    the canonical tree, or the tokens when the parser refuses the expression. Not PromQL."""
    tree = _tree(expr, grafana)
    return "tokens: " + token_fallback.normalized(expr) if tree is None else "tree: " + key(tree)
