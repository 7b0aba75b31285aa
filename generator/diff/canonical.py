"""A parsed PromQL tree reduced to what it means, for comparing two expressions.

The parser keeps what a reader wrote (parentheses, `5m` vs `300s`, matcher order, offsets of
every node); none of that changes a query's result. `key(tree)` leaves it out:
- parentheses: the tree's shape already says how operands group, so `(a) + ((b))`, `a + b` and
  `(a + b)` are one tree, while `(a + b) * c` and `a + b * c` stay two;
- positions (`pos`), the spelling of numbers (`0.50` = `5e-1`) and of literal durations
  (`1h` = `60m`);
- the order of label matchers, of `by`/`without`/`on`/`ignoring`/`group_left` labels;
- an empty `by ()`, which is the same as no clause.

The key is a string equal for two trees exactly when they mean the same in these respects. It
is not PromQL: printing a tree without its parentheses could read as another expression.
Works on the dataclasses of `generator.promql` generically, so a field added there is compared
too.
"""
from __future__ import annotations

import dataclasses

from generator.promql import Aggregation, Duration, Matcher, NumberLiteral, Paren, VectorMatching

_LABEL_LISTS = {Aggregation: ("grouping",), VectorMatching: ("labels", "include")}
_FIELDS: dict[type, tuple[str, ...]] = {}  # per node type, its field names but `pos`


def _names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.name != "pos")
    return names


def key(node) -> str:
    """A string equal for two trees exactly when they mean the same (see the module's docstring).

    Built directly as text (type name and fields, recursively), without copying the tree."""
    while isinstance(node, Paren):
        node = node.expr
    if isinstance(node, tuple):
        parts = [key(item) for item in node]
        if node and all(isinstance(item, Matcher) for item in node):
            parts.sort()
        return "(" + ",".join(parts) + ")"
    kind = type(node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return repr(node)
    if kind is NumberLiteral:
        return f"N({float(node.value)!r})"
    if kind is Duration and node.seconds is not None:
        return f"D({float(node.seconds)!r})"
    labels = _LABEL_LISTS.get(kind, ())
    values = []
    for name in _names(kind):
        value = getattr(node, name)
        if name in labels and isinstance(value, tuple):
            values.append(repr(tuple(sorted(value))))
        elif kind is Aggregation and name == "has_grouping" and not node.without and not node.grouping:
            values.append("False")  # `by ()` is no clause
        else:
            values.append(key(value))
    return f"{kind.__name__}({','.join(values)})"
