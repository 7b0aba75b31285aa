"""What Prometheus 3 changes for rules and queries written for 2.x (`--prometheus-version 3`).

- prom3-le-quantile-value: Prometheus 3 writes the `le` of classic histogram buckets and the
  `quantile` of summaries in float form (`le="1.0"`, not `le="1"`), so a matcher on the integer
  form matches nothing any more;
- prom3-regex-dot-newline: in a label-matcher regex `.` now also matches a newline.
Functions removed in 3 (holt_winters) are refused by the parser for the 3.x target (invalid-promql /
dashboard-query-parses), with their replacement.
"""
from __future__ import annotations

import re

from generator.promql import ParseError, selectors
from generator.promql.regex import matches as regex_matches
from generator.validators.findings import WARNING
from generator.validators.queries import Query, parsed

CHECK = "migration"
RULES = ("prom3-le-quantile-value", "prom3-regex-dot-newline")
NORMALISED_LABELS = ("le", "quantile")
_INTEGER = re.compile(r"[+-]?\d+")
_ANY_ONLY = re.compile(r"\.[*+]")


def applies(target: str) -> bool:
    return int(target.split(".")[0]) >= 3


def check_migration(report, queries: list[Query], target: str = "3.0") -> None:
    for query in queries:
        tree = parsed(query.expr, query.grafana, target)  # the parse the other checks share
        if isinstance(tree, ParseError):  # e.g. holt_winters: still 2.x PromQL whose matchers can be read
            tree = parsed(query.expr, query.grafana)
        if isinstance(tree, ParseError):
            continue  # reported by invalid-promql / dashboard-query-parses
        for use in selectors(tree):
            for matcher in use.selector.label_matchers:
                _le_quantile(report, query, matcher)
                _regex_dot(report, query, matcher)


def _add(report, query: Query, rule: str, message: str, severity: str = "error") -> None:
    report.add(rule, f"{message} (in {query.artifact})", query.doc_path, item=query.item, group=query.group,
               severity=severity)


def _le_quantile(report, query: Query, matcher) -> None:
    if matcher.name not in NORMALISED_LABELS:
        return
    if matcher.op in ("=", "!=") and _INTEGER.fullmatch(matcher.value):
        values = [matcher.value]
    elif matcher.op in ("=~", "!~"):
        values = [v for v in matcher.value.split("|") if _INTEGER.fullmatch(v)
                  and regex_matches(matcher.value, v) and not regex_matches(matcher.value, f"{v}.0")]
    else:
        values = []
    if not values:
        return
    regex_op = "=~" if matcher.op in ("=", "=~") else "!~"
    fixed = "|".join(f"{v}(\\\\.0)?" for v in values) if matcher.op in ("=", "!=") else "|".join(
        f"{v}(\\\\.0)?" if v in values else v.replace("\\", "\\\\") for v in matcher.value.split("|"))
    shown = ", ".join(f'{matcher.name}="{v}"' for v in values)
    becomes = ", ".join(f'{matcher.name}="{v}.0"' for v in values)
    _add(report, query, "prom3-le-quantile-value",
         f"{matcher}: Prometheus 3 writes {matcher.name} values in float form ({shown} becomes "
         f"{becomes}), so this matcher stops matching; fix: "
         f'{matcher.name}{regex_op}"{fixed}" matches both forms (or {matcher.name}="{values[0]}.0" once every '
         f"server runs Prometheus 3)")


def _regex_dot(report, query: Query, matcher) -> None:
    if matcher.op not in ("=~", "!~") or _ANY_ONLY.fullmatch(matcher.value) or not _has_dot(matcher.value):
        return
    _add(report, query, "prom3-regex-dot-newline",
         f"{matcher}: in Prometheus 3 `.` in a regex also matches a newline; if a value of "
         f"{matcher.name!r} can hold one and must not match, write [^\\n] in place of `.` (a literal dot: \\\\.)",
         WARNING)


def _has_dot(pattern: str) -> bool:
    """Whether the regex has a `.` wildcard (not escaped, not inside a character class)."""
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == ".":
            return True
    return False
