"""Walking a PromQL tree: every node, every selector with what encloses it, the top-level threshold,
and printing a tree back to text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from generator.promql.ast import (
    COMPARISON_OPS, Aggregation, BinaryOp, Call, Duration, MatrixSelector, NumberLiteral, Paren, StringLiteral,
    Subquery, Unary, Variable, VectorSelector,
)

_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def children(node) -> tuple:
    if isinstance(node, MatrixSelector):
        return (node.vector,)
    if isinstance(node, (Subquery, Paren, Unary)):
        return (node.expr,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Aggregation):
        return (node.param, node.expr) if node.param is not None else (node.expr,)
    if isinstance(node, BinaryOp):
        return (node.lhs, node.rhs)
    return ()


def walk(node) -> Iterator:
    """Every node, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


@dataclass(frozen=True)
class SelectorUse:
    selector: VectorSelector
    path: tuple  # enclosing nodes, outermost first
    range: Duration | None = None  # the [range] when the selector is a range selector

    @property
    def chain(self) -> tuple:
        """Enclosing function calls and aggregations, innermost first."""
        return tuple(n for n in reversed(self.path) if isinstance(n, (Call, Aggregation)))

    @property
    def function(self) -> Call | None:
        """The function the selector is an argument of (through parentheses and subqueries)."""
        for node in reversed(self.path):
            if isinstance(node, Call):
                return node
            if not isinstance(node, (Paren, Subquery, MatrixSelector)):
                return None
        return None


def selectors(node, path: tuple = ()) -> Iterator[SelectorUse]:
    """Each vector selector, with the chain of nodes that enclose it."""
    if isinstance(node, VectorSelector):
        yield SelectorUse(node, path)
        return
    if isinstance(node, MatrixSelector):
        yield SelectorUse(node.vector, path + (node,), node.range)
        return
    for child in children(node):
        yield from selectors(child, path + (node,))


def strip_parens(node):
    while isinstance(node, Paren):
        node = node.expr
    return node


def threshold(node) -> tuple[str, float] | None:
    """(op, number) of a top-level comparison against a number, written as `expr op number`."""
    node = strip_parens(node)
    if not isinstance(node, BinaryOp) or node.op not in COMPARISON_OPS:
        return None
    rhs, lhs = strip_parens(node.rhs), strip_parens(node.lhs)
    if isinstance(rhs, NumberLiteral) and not isinstance(lhs, NumberLiteral):
        return node.op, rhs.value
    if isinstance(lhs, NumberLiteral) and not isinstance(rhs, NumberLiteral):
        return _FLIPPED[node.op], lhs.value
    return None


def to_text(node) -> str:
    """The tree as PromQL text (normalised spacing)."""
    if isinstance(node, NumberLiteral):
        return node.text
    if isinstance(node, Variable):
        return node.name
    if isinstance(node, StringLiteral):
        return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(node, VectorSelector):
        inner = ", ".join(f'{m.name}{m.op}{to_text(StringLiteral(m.value))}' for m in node.matchers)
        text = node.name + (f"{{{inner}}}" if node.matchers or not node.name else "")
        return text + _modifiers(node)
    if isinstance(node, MatrixSelector):
        vector = node.vector
        bare = VectorSelector(vector.name, vector.matchers)
        return f"{to_text(bare)}[{node.range.text}]{_modifiers(vector)}"
    if isinstance(node, Subquery):
        step = node.step.text if node.step else ""
        return f"{to_text(node.expr)}[{node.range.text}:{step}]{_modifiers(node)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(to_text(a) for a in node.args)})"
    if isinstance(node, Aggregation):
        grouping = f" {'without' if node.without else 'by'} ({', '.join(node.grouping)})" if node.has_grouping else ""
        args = ([to_text(node.param)] if node.param is not None else []) + [to_text(node.expr)]
        return f"{node.op}{grouping} ({', '.join(args)})"
    if isinstance(node, Paren):
        return f"({to_text(node.expr)})"
    if isinstance(node, Unary):
        return f"{node.op}{to_text(node.expr)}"
    if isinstance(node, BinaryOp):
        parts = [to_text(node.lhs), node.op]
        if node.bool_modifier:
            parts.append("bool")
        matching = node.matching
        if matching is not None:
            parts.append(f"{'on' if matching.on else 'ignoring'} ({', '.join(matching.labels)})")
            if matching.card != "one-to-one":
                side = "group_left" if matching.card == "many-to-one" else "group_right"
                parts.append(f"{side} ({', '.join(matching.include)})")
        parts.append(to_text(node.rhs))
        return " ".join(parts)
    raise TypeError(f"not a PromQL node: {node!r}")


def _modifiers(node) -> str:
    text = f" offset {node.offset.text}" if node.offset is not None else ""
    if node.at is not None:
        text += f" @ {node.at.function}()" if node.at.function else f" @ {node.at.value:g}"
    return text
