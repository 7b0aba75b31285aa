"""Small text operations on expressions: catalog placeholders and time scaling."""
from __future__ import annotations

import re

from generator.model import format_duration, parse_duration

SELECTOR_PLACEHOLDER = "$selector"
_RANGE_RE = re.compile(r"\[((?:\d+(?:ms|s|m|h|d|w|y))+)(?::((?:\d+(?:ms|s|m|h|d|w|y))+))?\]")


def expand_selector(expr: str, selector_text: str) -> str:
    """Replace $selector with the service's matchers (`job="api"`)."""
    return expr.replace(SELECTOR_PLACEHOLDER, selector_text)


def scale_duration(text: str, scale: float) -> str:
    """Divide a Prometheus duration by `scale` (1 keeps it as written)."""
    if scale == 1:
        return text
    return format_duration(max(parse_duration(text) / scale, 0.001))


def scale_ranges(expr: str, scale: float) -> str:
    """Divide every range and subquery duration in an expression by `scale`."""
    if scale == 1:
        return expr

    def repl(match: re.Match) -> str:
        out = scale_duration(match.group(1), scale)
        if match.group(2):
            out += ":" + scale_duration(match.group(2), scale)
        return f"[{out}]"

    return _RANGE_RE.sub(repl, expr)


def fill_text(text: str, values: dict[str, str]) -> str:
    """Fill ${name} placeholders in alert text; Prometheus {{ templates }} are left alone."""
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    return text


def human_threshold(value: float, unit: str) -> str:
    if unit == "percentunit":
        return f"{value * 100:g}%"
    if unit == "s":
        return f"{value * 1000:g}ms" if value < 1 else f"{value:g}s"
    return f"{value:g}"


def format_number(value: float) -> str:
    """A threshold as PromQL text: 0.5, 0.01, 1 (no float noise, no exponent for usual values)."""
    text = f"{value:.12g}"
    return text
