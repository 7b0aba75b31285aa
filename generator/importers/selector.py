"""`$selector` extraction: an equality matcher that every selector of a raw metric carries.

Series written by a recording rule (names with a colon) are left out of the vote, since they carry
whatever labels the rule kept. One matcher is extracted (`job` first when several qualify, else the
first by name), and its text is replaced in place by `$selector`, so the rest of each expression
keeps its layout. Expressions the parser rejects are never rewritten.
"""
from __future__ import annotations

import re
from functools import lru_cache

from generator.build.expressions import SELECTOR_PLACEHOLDER
from generator.promql import ParseError, parse, selectors


@lru_cache(maxsize=8192)
def tree_of(expr: str, grafana: bool):
    """The parsed expression, or None when the parser rejects it (each expression is parsed once)."""
    try:
        return parse(expr, grafana=grafana)
    except (ParseError, KeyError, ValueError, IndexError, RecursionError):
        return None


def _raw_selectors(expr: str, grafana: bool):
    tree = tree_of(expr, grafana)
    if tree is None:
        return None
    return [use.selector for use in selectors(tree) if ":" not in use.selector.metric_name]


def common_matcher(exprs: list[tuple[str, bool]]) -> tuple[str, str] | None:
    """(label, value) of an `=` matcher found in every raw-metric selector of `exprs`, or None.

    `exprs` are (expression, is_grafana_query) pairs. An expression that does not parse, or that
    already uses `$selector`, means no extraction (None)."""
    common: set[tuple[str, str]] | None = None
    for expr, grafana in exprs:
        if SELECTOR_PLACEHOLDER in expr:
            return None
        found = _raw_selectors(expr, grafana)
        if found is None:
            return None
        for sel in found:
            pairs = {(m.name, m.value) for m in sel.label_matchers if m.op == "="}
            common = pairs if common is None else common & pairs
    if not common:
        return None
    return sorted(common, key=lambda kv: (kv[0] != "job", kv))[0]


def _matcher_end(expr: str, start: int) -> int:
    """Offset just past the matcher starting at `start`: name, operator, quoted value."""
    i = start
    while i < len(expr) and expr[i] not in "\"'`":
        i += 1
    quote = expr[i]
    i += 1
    while i < len(expr) and expr[i] != quote:
        i += 2 if expr[i] == "\\" and quote != "`" else 1
    return i + 1


def replace_matcher(expr: str, label: str, value: str, grafana: bool = False) -> str:
    """`expr` with each `label="value"` matcher of a raw-metric selector written as `$selector`."""
    found = _raw_selectors(expr, grafana)
    if not found:
        return expr
    spans = []
    for sel in found:
        for m in sel.label_matchers:
            if m.name == label and m.op == "=" and m.value == value:
                spans.append((m.pos, _matcher_end(expr, m.pos)))
    for start, end in sorted(spans, reverse=True):
        expr = expr[:start] + SELECTOR_PLACEHOLDER + expr[end:]
    return expr


def replace_selector_text(expr: str, text: str) -> str:
    """`expr` with each occurrence of a dashboard's whole selector text (`job=~"$job", instance=~"$instance"`,
    as the generator writes it) replaced by `$selector`; a longer label name ending in the same
    letters (`cronjob=...`) is not an occurrence."""
    if not text:
        return expr
    return re.sub(rf"(?<![\w]){re.escape(text)}", lambda _: SELECTOR_PLACEHOLDER, expr)
