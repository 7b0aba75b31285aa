"""A parsed PromQL tree reduced to what it means, for comparing two expressions.

The parser keeps what a reader wrote (parentheses, `5m` vs `300s`, matcher order, offsets of
every node); none of that changes a query's result. `canonical(tree)` drops or sorts it:
- parentheses: the tree's shape already says how operands group, so `(a) + ((b))`, `a + b` and
  `(a + b)` are one tree, while `(a + b) * c` and `a + b * c` stay two;
- positions (`pos`), the spelling of numbers (`0.50` = `5e-1`) and of literal durations
  (`1h` = `60m`);
- the order of label matchers, of `by`/`without`/`on`/`ignoring`/`group_left` labels;
- an empty `by ()`, which is the same as no clause.

`key(tree)` is a string equal for two trees exactly when their canonical forms are equal. It is
not PromQL: printing a tree without its parentheses could read as another expression.
Works on the dataclasses of `generator.promql` generically, so a field added there is compared
too.
"""
from __future__ import annotations

import dataclasses

from generator.promql import Aggregation, Duration, Matcher, NumberLiteral, Paren, VectorMatching

_LABEL_LISTS = {Aggregation: ("grouping",), VectorMatching: ("labels", "include")}


def canonical(node):
    """The tree without what does not change its meaning (see the module's docstring)."""
    if isinstance(node, Paren):
        return canonical(node.expr)
    if isinstance(node, tuple):
        items = tuple(canonical(item) for item in node)
        if items and all(isinstance(item, Matcher) for item in items):
            return tuple(sorted(items, key=lambda m: (m.name, m.op, m.value)))
        return items
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if field.name == "pos":
            changes["pos"] = 0
        elif field.name in _LABEL_LISTS.get(type(node), ()) and isinstance(value, tuple):
            changes[field.name] = tuple(sorted(value))
        else:
            new = canonical(value)
            if new is not value:
                changes[field.name] = new
    if isinstance(node, NumberLiteral):
        changes["text"] = repr(float(node.value))
    elif isinstance(node, Duration) and node.seconds is not None:
        changes["text"] = repr(float(node.seconds))
    elif isinstance(node, Aggregation) and not node.without and not node.grouping:
        changes["has_grouping"] = False
    return dataclasses.replace(node, **changes) if changes else node


def key(node) -> str:
    """A string equal for two trees exactly when they mean the same (canonical forms equal)."""
    return repr(canonical(node))
