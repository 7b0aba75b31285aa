"""Which labels an expression's result carries, following PromQL's rules.

Used to check `by()`, `without()`, `on()`, `ignoring()` and `group_left/right()` labels against the
series below them, and to know the labels (and allowed values) of recording rule outputs.
A label set of None means unknown (an unknown metric below): nothing is reported about it.
"""
from __future__ import annotations

from dataclasses import dataclass

from generator.model import Label
from generator.promql import (
    SCALAR, Aggregation, BinaryOp, Call, MatrixSelector, NumberLiteral, Paren, StringLiteral, Subquery, Unary,
    VectorSelector, strip_parens,
)
from generator.promql.ast import COMPARISON_OPS, SET_OPS
from generator.promql.parser import value_type
from generator.validators.series import Series

Labels = dict[str, Label | None]


@dataclass(frozen=True)
class LabelProblem:
    label: str
    clause: str  # "by", "without", "on", "ignoring", "group_left", "group_right"
    available: tuple[str, ...]
    pos: int


class LabelFlow:
    def __init__(self, table: dict[str, Series]):
        self.table = table
        self.problems: list[LabelProblem] = []

    def series(self, selector: VectorSelector) -> Series | None:
        return self.table.get(selector.metric_name)

    def labels(self, node) -> Labels | None:
        if isinstance(node, (NumberLiteral, StringLiteral)):
            return {}
        if isinstance(node, VectorSelector):
            series = self.series(node)
            return None if series is None or series.labels is None else dict(series.labels)
        if isinstance(node, MatrixSelector):
            return self.labels(node.vector)
        if isinstance(node, (Subquery, Paren, Unary)):
            return self.labels(node.expr)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Aggregation):
            return self._aggregation(node)
        if isinstance(node, BinaryOp):
            return self._binary(node)
        return None

    def _call(self, node: Call) -> Labels | None:
        if node.func in ("time", "pi", "scalar", "vector"):
            return {}
        if node.func in ("absent", "absent_over_time"):
            selector = node.args[0].vector if isinstance(node.args[0], MatrixSelector) else node.args[0]
            if isinstance(selector, VectorSelector):
                return {m.name: None for m in selector.label_matchers if m.op == "="}
            return {}
        vector_args = [a for a in node.args if not isinstance(a, (NumberLiteral, StringLiteral))]
        inner = self.labels(vector_args[0]) if vector_args else {}
        if inner is None:
            return None
        if node.func in ("histogram_quantile", "histogram_fraction"):
            inner.pop("le", None)
        elif node.func in ("label_replace", "label_join"):
            inner.setdefault(strip_parens(node.args[1]).value, None)
        return inner

    def _aggregation(self, node: Aggregation) -> Labels | None:
        inner = self.labels(node.expr)
        if inner is not None and node.has_grouping:
            for label in node.grouping:
                if label not in inner:
                    self.problems.append(LabelProblem(label, "without" if node.without else "by",
                                                      tuple(sorted(inner)), node.pos))
        if node.op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        extra = {strip_parens(node.param).value: None} if node.op == "count_values" else {}
        if node.without:
            return None if inner is None else {k: v for k, v in inner.items() if k not in node.grouping} | extra
        if inner is None:
            return {label: None for label in node.grouping} | extra
        return {label: inner.get(label) for label in node.grouping} | extra

    def _binary(self, node: BinaryOp) -> Labels | None:
        lhs, rhs = self.labels(node.lhs), self.labels(node.rhs)
        scalar_l, scalar_r = _is_scalar(node.lhs), _is_scalar(node.rhs)
        if scalar_l or scalar_r:
            return rhs if scalar_l else lhs
        matching = node.matching
        if matching is not None:
            self._check_matching(node, lhs, rhs)
        if node.op in SET_OPS:
            if node.op == "or":
                return None if lhs is None or rhs is None else {**rhs, **lhs}
            return lhs
        if matching is not None and matching.card == "one-to-many":
            result = rhs
            extra = lhs
        else:
            result, extra = lhs, rhs
        if result is None:
            return None
        result = dict(result)
        if matching is not None and matching.card != "one-to-one":
            for label in matching.include:
                result[label] = (extra or {}).get(label)
        elif matching is not None and matching.on:
            result = {k: v for k, v in result.items() if k in matching.labels}
        elif matching is not None:
            result = {k: v for k, v in result.items() if k not in matching.labels}
        if node.op not in COMPARISON_OPS or node.bool_modifier:
            result.pop("__name__", None)
        return result

    def _check_matching(self, node: BinaryOp, lhs: Labels | None, rhs: Labels | None) -> None:
        matching = node.matching
        clause = "on" if matching.on else "ignoring"
        sides = [s for s in (lhs, rhs) if s is not None]
        for label in matching.labels:
            if matching.on:
                missing = [s for s in sides if label not in s]
                if missing:
                    self.problems.append(LabelProblem(label, clause, tuple(sorted(missing[0])), node.pos))
            elif len(sides) == 2 and all(label not in s for s in sides):
                self.problems.append(LabelProblem(label, clause, tuple(sorted(set(lhs) | set(rhs))), node.pos))
        if matching.card != "one-to-one":
            one_side = rhs if matching.card == "many-to-one" else lhs
            clause = "group_left" if matching.card == "many-to-one" else "group_right"
            for label in matching.include:
                if one_side is not None and label not in one_side:
                    self.problems.append(LabelProblem(label, clause, tuple(sorted(one_side)), node.pos))


def _is_scalar(node) -> bool:
    return value_type(node) == SCALAR
