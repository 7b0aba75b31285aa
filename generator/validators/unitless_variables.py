"""Grafana variables that expand to bare numbers, used where PromQL needs a duration.

Grafana substitutes its built-in variables before Prometheus sees a dashboard query:
`$__interval`, `$__rate_interval` and `$__range` become durations (`1m`), but `$__interval_ms`,
`$__range_ms` and `$__range_s` become numbers (`60000`). Prometheus refuses a number as a range,
a subquery range or step, or an offset ("missing unit character in duration"), so such a query
parses with the variables kept and fails once they are substituted. Used as a number
(`x > $__range_s`, `vector($__range_s)`) they are fine, and `${__range_s}s` is a duration.
Reported as lint's `dashboard-query-parses` (docs/lint-rules.md).
"""
from __future__ import annotations

import re

from generator.promql import MatrixSelector, Subquery, VectorSelector, walk
from generator.promql.ast import Duration
from generator.promql.lexer import line_column

RULE = "dashboard-query-parses"
# Grafana's unitless built-ins -> an example of what they expand to, the variable to use instead, their unit.
UNITLESS = {"__interval_ms": ("60000", "$__interval", "ms"), "__range_ms": ("3600000", "$__range", "ms"),
            "__range_s": ("3600", "$__range", "s")}
_NAME = re.compile(r"-?\$(?:\{(\w+)(?::[^}]*)?\}|(\w+))")


def unitless_durations(tree) -> list[tuple[Duration, str, str]]:
    """(duration, what it is, variable name) of every range, subquery range or step and offset of
    the tree that is a unitless Grafana variable alone (no unit after it), in text order."""
    found = []
    for node in walk(tree):
        slots = []
        if isinstance(node, MatrixSelector):
            slots.append((node.range, "range"))
        elif isinstance(node, Subquery):
            slots += [(node.range, "subquery range"), (node.step, "subquery step"), (node.offset, "offset")]
        elif isinstance(node, VectorSelector):
            slots.append((node.offset, "offset"))
        for duration, what in slots:
            name = _unitless_name(duration)
            if name:
                found.append((duration, what, name))
    return sorted(found, key=lambda item: item[0].pos)


def _unitless_name(duration: Duration | None) -> str:
    if duration is None or not duration.is_variable:
        return ""
    match = _NAME.fullmatch(duration.text)  # `${__range_s}s` carries a unit: no full match
    name = (match.group(1) or match.group(2)) if match else ""
    return name if name in UNITLESS else ""


def message(expr: str, duration: Duration, what: str, name: str) -> str:
    number, instead, unit = UNITLESS[name]
    line, column = line_column(expr, duration.pos)
    return (f"the query does not parse once Grafana substitutes its variables: {line}:{column}: "
            f"{duration.text.lstrip('-')} in the {what} expands to a number without a unit (e.g. {number}), "
            f"which Prometheus refuses as a duration; use {instead} or ${{{name}}}{unit} in `{expr}`")


_QUERY_RESULT = re.compile(r"\s*query_result\s*\((.*)\)\s*", re.DOTALL)


def variable_expression(variable) -> str:
    """The PromQL a Grafana query variable of a dashboard JSON runs, `query_result(<expr>)`'s
    `<expr>` ("" for `label_values(...)` and the other lookups, which take no range, and for
    variables of other types or data sources)."""
    if not isinstance(variable, dict) or variable.get("type") != "query":
        return ""
    source = variable.get("datasource")
    if isinstance(source, dict) and source.get("type") not in (None, "prometheus"):
        return ""
    query = variable.get("query")
    if isinstance(query, dict):  # newer Grafana: {"query": "...", "refId": ...}
        query = query.get("query")
    match = _QUERY_RESULT.fullmatch(query) if isinstance(query, str) else None
    return match.group(1) if match else ""


def check_variable(report, variable, at: str, group: str, artifact: str, target: str) -> None:
    """Report the unitless durations of a dashboard JSON's query variable (at `at`), at its query."""
    from generator.validators.queries import parsed

    expr = variable_expression(variable)
    tree = parsed(expr, True, target) if expr else None
    if tree is None or isinstance(tree, Exception):
        return  # Grafana's own syntax around it is not PromQL; nothing to say about ranges
    item = f"variable {variable.get('name') or '?'}"
    doc_path = f"{at}.query.query" if isinstance(variable.get("query"), dict) else f"{at}.query"
    for duration, what, name in unitless_durations(tree):
        report.add(RULE, f"{message(expr, duration, what, name)} (in {artifact})", doc_path, item=item, group=group)
