"""What Prometheus checks once a construct has been read: literal values, durations and types.

Numbers follow Go's strconv (ParseInt with base prefix first, so `0755` is octal and `0x1f` hex,
then ParseFloat, which refuses out-of-range values); durations follow Prometheus' duration syntax
(units from largest to smallest, each at most once, no zero).
"""
from __future__ import annotations

import math
import re

from generator.promql.ast import (
    COMPARISON_OPS, MATRIX, SCALAR, SET_OPS, STRING, VECTOR, Aggregation, BinaryOp, Call, MatrixSelector,
    NumberLiteral, Paren, StringLiteral, Subquery, Unary, Variable, VectorSelector,
)
from generator.promql.functions import FUNCTIONS

_INT64_MAX = 2 ** 63 - 1
_DECIMAL_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DURATION_RE = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
_UNIT_MS = (365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1)


class ValueProblem(Exception):
    """A literal that reads but has no valid value (the parser turns it into a ParseError)."""


def number_value(text: str) -> float:
    """The value of a NUMBER token, as Prometheus computes it."""
    lower = text.lower()
    if lower in ("inf", "nan"):
        return float(lower)
    if lower.startswith("0x"):
        digits = text[2:]
        if digits and all(c in "0123456789abcdefABCDEF" for c in digits) and int(digits, 16) <= _INT64_MAX:
            return float(int(digits, 16))
        raise ValueProblem(f"error parsing number {text!r}: a hexadecimal number must be an integer that fits "
                           "in 64 bits")
    if text.isdigit():
        if len(text) > 1 and text[0] == "0" and all(c in "01234567" for c in text):
            value = int(text, 8)
        else:
            value = int(text)
        if value <= _INT64_MAX:
            return float(value)
    if not _DECIMAL_RE.fullmatch(text):
        raise ValueProblem(f"error parsing number {text!r}: invalid syntax")
    value = float(text)
    if math.isinf(value):
        raise ValueProblem(f"error parsing number {text!r}: value out of range")
    return value


def duration_seconds(text: str) -> float:
    """Seconds of a DURATION token; refuses what Prometheus' duration parser refuses."""
    match = _DURATION_RE.fullmatch(text)
    if match is None or not text:
        raise ValueProblem(f"not a valid duration string: {text!r} (units go from y to ms, each at most once)")
    total = 0
    for digits, unit_ms in zip(match.groups(), _UNIT_MS):
        if digits is None:
            continue
        count = int(digits)
        if count > _INT64_MAX // (unit_ms * 1_000_000):
            raise ValueProblem(f"duration out of range: {text!r}")
        total += count * unit_ms
        if total * 1_000_000 > _INT64_MAX:
            raise ValueProblem(f"duration out of range: {text!r}")
    if total == 0:
        raise ValueProblem("duration must be greater than 0")
    return total / 1000


def value_type(node) -> str:
    """The PromQL type an expression evaluates to."""
    while isinstance(node, (Paren, Unary)):
        node = node.expr
    if isinstance(node, (NumberLiteral, Variable)):
        return SCALAR
    if isinstance(node, StringLiteral):
        return STRING
    if isinstance(node, VectorSelector):
        return VECTOR
    if isinstance(node, (MatrixSelector, Subquery)):
        return MATRIX
    if isinstance(node, Call):
        return FUNCTIONS[node.func].returns
    if isinstance(node, Aggregation):
        return VECTOR
    if isinstance(node, BinaryOp):
        return SCALAR if value_type(node.lhs) == SCALAR and value_type(node.rhs) == SCALAR else VECTOR
    raise TypeError(f"not a PromQL node: {node!r}")


def binary_problem(node: BinaryOp, lt: str, rt: str) -> tuple[str, object] | None:
    """(message, node to point at) for the first type rule of a binary expression it breaks."""
    if node.bool_modifier and node.op not in COMPARISON_OPS:
        return "bool modifier can only be used on comparison operators", node
    for side, kind in ((node.lhs, lt), (node.rhs, rt)):
        if kind not in (SCALAR, VECTOR):
            return f"binary expression must contain only scalar and instant vector types, found {kind}", side
    if node.op in COMPARISON_OPS and lt == SCALAR and rt == SCALAR and not node.bool_modifier:
        return "comparisons between scalars must use the bool modifier", node
    matching = node.matching
    if matching is not None and matching.on:
        both = sorted(set(matching.labels) & set(matching.include))
        if both:
            return f"label {both[0]!r} must not occur in on() and group_left()/group_right() at once", node
    if node.op in SET_OPS and (lt != VECTOR or rt != VECTOR):
        return f"set operator {node.op!r} not allowed in binary scalar expression", node
    if matching is not None and (lt != VECTOR or rt != VECTOR) and matching.labels:
        return "vector matching only allowed between instant vectors", node
    if matching is not None and node.op in SET_OPS and matching.card != "one-to-one":
        return f"no grouping allowed for {node.op!r} operation", node
    return None
