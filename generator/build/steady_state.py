"""Evaluate a PromQL expression offline over input series in a steady state.

The generated promtool tests need expected values; they are computed here, not written by hand.
Each input series is either a counter growing by a constant step per minute, a gauge held at a
value, or absent. In a steady state every rate is exact (steps are multiples of 15, so every rate
is a multiple of 0.25 and sums carry no rounding), and the functions follow Prometheus' own order
of operations (histogram_quantile is a port of its bucketQuantile), so the values match promtool's
bit for bit. Recording rules named in an expression are evaluated through their own expressions.

Supported: selectors, rate/increase/irate over counters, *_over_time over gauges, absent,
histogram_quantile, sum/min/max/count by/without, arithmetic and comparisons between scalars and
vectors with on/ignoring one-to-one matching, parentheses and unary minus, and time() when the
evaluation time is given (`now`, seconds since the test's start, which promtool's clock counts from 0).
Anything else raises `Unsupported`, naming it.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

from generator.promql import (
    Aggregation, BinaryOp, Call, MatrixSelector, NumberLiteral, Paren, Unary, VectorSelector, parse,
)
from generator.promql.regex import matches as regex_matches

NAME = "__name__"


class Unsupported(ValueError):
    """The expression uses something the steady-state evaluator does not model."""


@dataclass(frozen=True)
class InputSeries:
    name: str
    labels: tuple[tuple[str, str], ...]
    per_minute: float | None = None  # counter: increase per minute
    value: float | None = None  # gauge: the value held; both None: absent

    @property
    def is_counter(self) -> bool:
        return self.per_minute is not None

    @property
    def present(self) -> bool:
        return self.per_minute is not None or self.value is not None

    def selector(self) -> str:
        inner = ", ".join(f'{k}="{v}"' for k, v in self.labels)
        return f"{self.name}{{{inner}}}"


@dataclass
class Sample:
    labels: dict[str, str]
    value: float

    def key(self) -> tuple:
        return tuple(sorted(self.labels.items()))


@dataclass(frozen=True)
class RecordedRule:
    expr: str
    labels: tuple[tuple[str, str], ...] = ()


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "%": math.fmod, "^": math.pow,
          "/": lambda a, b: a / b if b else (math.copysign(math.inf, a) if a else math.nan)}
_COMPARE = {"==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt, ">=": operator.ge,
            "<=": operator.le}
_OVER_TIME = {"avg_over_time", "min_over_time", "max_over_time", "last_over_time"}


@dataclass
class Evaluator:
    series: list[InputSeries]
    rules: dict[str, RecordedRule] = field(default_factory=dict)
    now: float | None = None  # evaluation time in seconds for time(); None: time() is unsupported

    def evaluate(self, expr: str) -> list[Sample] | float:
        return self._eval(parse(expr))

    def vector(self, expr: str) -> list[Sample]:
        result = self.evaluate(expr)
        if not isinstance(result, list):
            raise Unsupported("a scalar expression")
        return sorted(result, key=Sample.key)

    # --- nodes -------------------------------------------------------------------------------
    def _eval(self, node):
        if isinstance(node, Paren):
            return self._eval(node.expr)
        if isinstance(node, NumberLiteral):
            return float(node.value)
        if isinstance(node, Unary):
            inner = self._eval(node.expr)
            if node.op == "+":
                return inner
            if isinstance(inner, float):
                return -inner
            return [Sample(_drop_name(s.labels), -s.value) for s in inner]
        if isinstance(node, VectorSelector):
            return self._select(node)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Aggregation):
            return self._aggregate(node)
        if isinstance(node, BinaryOp):
            return self._binary(node)
        raise Unsupported(type(node).__name__)

    def _select(self, node: VectorSelector) -> list[Sample]:
        if node.offset is not None or node.at is not None:
            raise Unsupported("offset and @ modifiers")
        name = node.metric_name
        if name in self.rules:
            rule = self.rules[name]
            samples = [Sample({**s.labels, NAME: name, **dict(rule.labels)}, s.value) for s in self.vector(rule.expr)]
        else:
            samples = []
            for s in self.series:
                if s.name != name or not s.present:
                    continue
                if s.is_counter:
                    raise Unsupported(f"the instant value of counter {name} (it grows with time)")
                samples.append(Sample({NAME: s.name, **dict(s.labels)}, s.value))
        return [s for s in samples if _matches(node, s.labels)]

    def _range(self, node) -> tuple[list[InputSeries], float]:
        if not isinstance(node, MatrixSelector) or node.range.seconds is None:
            raise Unsupported("a range function over something other than a range selector")
        selector = node.vector
        if selector.offset is not None or selector.at is not None:
            raise Unsupported("offset and @ modifiers")
        picked = [s for s in self.series if s.name == selector.metric_name and s.present
                  and _matches(selector, {NAME: s.name, **dict(s.labels)})]
        return picked, node.range.seconds

    def _call(self, node: Call):
        func = node.func
        if func in ("rate", "increase", "irate"):
            picked, seconds = self._range(node.args[0])
            out = []
            for s in picked:
                if not s.is_counter:
                    raise Unsupported(f"{func} over gauge {s.name}")
                minutes = seconds / 60
                increase = s.per_minute * minutes
                # Prometheus 2.x: increase * (extrapolated / sampled interval, 1 in a steady state) / range
                value = {"rate": increase * (1.0 / seconds), "increase": increase, "irate": s.per_minute / 60}[func]
                out.append(Sample(dict(s.labels), value))
            return out
        if func in _OVER_TIME:
            picked, _ = self._range(node.args[0])
            if any(s.is_counter for s in picked):
                raise Unsupported(f"{func} over a counter")
            return [Sample(dict(s.labels), s.value) for s in picked]
        if func == "absent":
            arg = node.args[0]
            if self._eval(arg):
                return []
            labels = {m.name: m.value for m in getattr(arg, "matchers", ()) if m.op == "=" and m.name != NAME}
            return [Sample(labels, 1.0)]
        if func == "time" and self.now is not None:
            return float(self.now)
        if func == "histogram_quantile":
            q = self._eval(node.args[0])
            if not isinstance(q, float):
                raise Unsupported("histogram_quantile with a non-constant quantile")
            groups: dict[tuple, list[tuple[float, float]]] = {}
            for s in self._eval(node.args[1]):
                if "le" not in s.labels:
                    continue
                rest = {k: v for k, v in s.labels.items() if k not in ("le", NAME)}
                groups.setdefault(tuple(sorted(rest.items())), []).append((float(s.labels["le"]), s.value))
            return [Sample(dict(key), bucket_quantile(q, buckets)) for key, buckets in groups.items()]
        raise Unsupported(f"function {func}()")

    def _aggregate(self, node: Aggregation) -> list[Sample]:
        if node.op not in ("sum", "min", "max", "count"):
            raise Unsupported(f"aggregation {node.op}")
        groups: dict[tuple, list[float]] = {}
        for s in self._eval(node.expr):
            if node.without:
                labels = {k: v for k, v in s.labels.items() if k not in node.grouping and k != NAME}
            else:
                labels = {k: v for k, v in s.labels.items() if k in node.grouping}
            groups.setdefault(tuple(sorted(labels.items())), []).append(s.value)
        combine = {"sum": _sum, "min": min, "max": max, "count": lambda vs: float(len(vs))}[node.op]
        return [Sample(dict(key), combine(values)) for key, values in groups.items()]

    def _binary(self, node: BinaryOp):
        lhs, rhs = self._eval(node.lhs), self._eval(node.rhs)
        op = node.op
        if op not in _ARITH and op not in _COMPARE:
            raise Unsupported(f"operator {op}")
        if isinstance(lhs, float) and isinstance(rhs, float):
            return _apply(op, lhs, rhs, True)
        if isinstance(lhs, float) or isinstance(rhs, float):
            out = []
            for s in (rhs if isinstance(lhs, float) else lhs):
                a, b = (lhs, s.value) if isinstance(lhs, float) else (s.value, rhs)
                result = _apply(op, a, b, node.bool_modifier)
                if result is None:
                    continue
                keep_name = op in _COMPARE and not node.bool_modifier
                value = s.value if keep_name else result
                out.append(Sample(s.labels if keep_name else _drop_name(s.labels), value))
            return out
        return self._vector_binary(node, lhs, rhs)

    def _vector_binary(self, node: BinaryOp, lhs: list[Sample], rhs: list[Sample]) -> list[Sample]:
        matching = node.matching
        if matching is not None and matching.card != "one-to-one":
            raise Unsupported("group_left / group_right")
        on = bool(matching and matching.on)
        names = tuple(matching.labels) if matching else ()

        def signature(labels: dict[str, str]) -> tuple:
            if on:
                return tuple(sorted((k, v) for k, v in labels.items() if k in names))
            return tuple(sorted((k, v) for k, v in labels.items() if k not in names and k != NAME))

        right = {}
        for s in rhs:
            if signature(s.labels) in right:
                raise Unsupported("many-to-one matching without group_left")
            right[signature(s.labels)] = s
        out = []
        for s in lhs:
            other = right.get(signature(s.labels))
            if other is None:
                continue
            result = _apply(node.op, s.value, other.value, node.bool_modifier)
            if result is None:
                continue
            filtered = node.op in _COMPARE and not node.bool_modifier
            labels = dict(s.labels) if filtered else _drop_name(s.labels)
            labels = {k: v for k, v in labels.items() if k in names} if on else \
                {k: v for k, v in labels.items() if k not in names}
            out.append(Sample(labels, s.value if filtered else result))
        return out


def _apply(op: str, a: float, b: float, as_bool: bool) -> float | None:
    """Arithmetic result, or for comparisons: 1/0 with bool, else the kept value or None (dropped)."""
    if op in _ARITH:
        return _ARITH[op](a, b)
    holds = _COMPARE[op](a, b)
    if as_bool:
        return 1.0 if holds else 0.0
    return a if holds else None


def _drop_name(labels: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k != NAME}


def _sum(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def _matches(node: VectorSelector, labels: dict[str, str]) -> bool:
    for m in node.label_matchers:
        value = labels.get(m.name, "")
        if m.op == "=" and value != m.value or m.op == "!=" and value == m.value:
            return False
        if m.op in ("=~", "!~") and regex_matches(m.value, value) != (m.op == "=~"):
            return False
    return True


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' bucketQuantile: (upper bound, cumulative count) pairs -> the interpolated quantile."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered: list[list[float]] = []
    for upper, count in sorted(buckets):
        if ordered and ordered[-1][0] == upper:
            ordered[-1][1] += count
        else:
            ordered.append([upper, count])
    if not ordered or not math.isinf(ordered[-1][0]):
        return math.nan
    highest = -math.inf
    for bucket in ordered:  # ensureMonotonic
        highest = max(highest, bucket[1])
        bucket[1] = highest
    if len(ordered) < 2:
        return math.nan
    observations = ordered[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next((i for i in range(len(ordered) - 1) if ordered[i][1] >= rank), len(ordered) - 1)
    if b == len(ordered) - 1:
        return ordered[-2][0]
    if b == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    start, end, count = 0.0, ordered[b][0], ordered[b][1]
    if b > 0:
        start = ordered[b - 1][0]
        count -= ordered[b - 1][1]
        rank -= ordered[b - 1][1]
    return start + (end - start) * (rank / count)
