"""Label matchers of an objective's counter: `label: value` for equality, or `label: {op: value}` with
op one of `=`, `!=`, `=~`, `!~` (regexes are RE2, anchored as Prometheus anchors them)."""
from __future__ import annotations

from typing import Callable

from generator.model import Metric, filter_selects
from generator.promql.regex import RegexError, check as check_regex

OPERATORS = ("=", "!=", "=~", "!~")


def split_matchers(mapping: dict | None) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]]:
    """(equality pairs, other matchers as (label, op, value)), each sorted."""
    equal, other = [], []
    for key, value in (mapping or {}).items():
        op, text = (next(iter(value.items())) if isinstance(value, dict) else ("=", value))
        if op == "=":
            equal.append((str(key), str(text)))
        else:
            other.append((str(key), str(op), str(text)))
    return tuple(sorted(equal)), tuple(sorted(other))


def check_matchers(mapping: dict | None, at: str, metric: Metric, problem: Callable[[str, str], None]) -> None:
    """Known label, a valid regex, and at least one allowed value selected (when the label lists them)."""
    for key, value in (mapping or {}).items():
        where = f"{at}.matchers.{key}"
        op, text = (next(iter(value.items())) if isinstance(value, dict) else ("=", value))
        text = str(text)
        label = metric.label(key)
        if label is None:
            problem(where, f"{metric.name} has no label {key!r}")
            continue
        if op in ("=~", "!~"):
            try:
                check_regex(text)
            except RegexError as exc:
                problem(where, f"{op}{text!r} is not a valid Prometheus (RE2) regex: {exc}")
                continue
        if op == "=" and not label.allows(text):
            problem(where, f"value {text!r} is not allowed for {metric.name}{{{key}}}")
        elif op != "=" and label.values and not any(filter_selects(op, text, v) for v in label.values):
            problem(where, f'{key}{op}"{text}" selects none of the allowed values of {metric.name}{{{key}}}; '
                           "nothing would count")
