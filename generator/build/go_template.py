"""Predict the text Prometheus renders from an alert annotation template.

Generated promtool tests compare annotations exactly, so the expected text is rendered here the way
Prometheus' Go templates do it, for the subset alert texts use: `{{ $value }}`, `{{ $labels.x }}`,
`{{ .Value }}`, `{{ .Labels.x }}`, piped through humanize, humanizePercentage, humanizeDuration or
printf "%.Ng" (or called as `printf "%.2f" $value`). Anything else raises `TemplateUnsupported`, naming the construct.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal

_ACTION_RE = re.compile(r"{{-?\s*(.*?)\s*-?}}", re.S)
_PRINTF_RE = re.compile(r'printf\s+"%\.(\d+)([gf])"')
_PRINTF_CALL_RE = re.compile(r'printf\s+"%\.(\d+)([gf])"\s+(\S+)')  # printf "%.2f" $value


class TemplateUnsupported(ValueError):
    """The template uses a construct whose output cannot be predicted offline."""


def go_float(value: float) -> str:
    """Go's `%v` of a float64: shortest digits, exponent form below 1e-4 and from 1e6 on
    (1 -> "1", 0.5 -> "0.5", 1e6 -> "1e+06", 1234567 -> "1.234567e+06")."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    exp10 = len(digits) + exponent - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return sign + format(Decimal(repr(abs(value))).normalize(), "f")


def go_g(value: float, precision: int) -> str:
    """Go's fmt `%.<precision>g` (exponent as e+06, like Python's)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.{precision}g}"


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return go_g(value, 4)
    prefixes = ("k", "M", "G", "T", "P", "E", "Z", "Y") if abs(value) >= 1 else ("m", "u", "n", "p", "f", "a", "z", "y")
    prefix = ""
    for p in prefixes:
        if (abs(value) < 1000) if abs(value) >= 1 else (abs(value) >= 1):
            break
        prefix = p
        value = value / 1000 if prefixes[0] == "k" else value * 1000
    return go_g(value, 4) + prefix


def humanize_percentage(value: float) -> str:
    return go_g(value * 100, 4) + "%"


def humanize_duration(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return go_g(value, 4)
    if value == 0:
        return go_g(value, 4) + "s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        value = abs(value)
        whole = int(value)
        seconds, minutes, hours, days = whole % 60, (whole // 60) % 60, (whole // 3600) % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{go_g(value, 4)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix = p
        value *= 1000
    return f"{go_g(value, 4)}{prefix}s"


_PIPES = {"humanize": humanize, "humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration}


def _value(term: str, labels: dict[str, str], value: float):
    if term in ("$value", ".Value"):
        return value
    match = re.fullmatch(r"(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)", term)
    if match:
        return labels.get(match.group(1), "")  # Go prints a missing map key as "<no value>"; labels give ""
    raise TemplateUnsupported(f"template term {term!r}")


def _printf(precision: str, verb: str, current: float) -> str:
    return go_g(current, int(precision)) if verb == "g" else f"{current:.{int(precision)}f}"


def _action(text: str, labels: dict[str, str], value: float) -> str:
    parts = [p.strip() for p in text.split("|")]
    call = _PRINTF_CALL_RE.fullmatch(parts[0])
    current = _value(call.group(3) if call else parts[0], labels, value)
    if call:
        if not isinstance(current, float):
            raise TemplateUnsupported(f"template term {parts[0]!r}")
        current = _printf(call.group(1), call.group(2), current)
    for pipe in parts[1:]:
        printf = _PRINTF_RE.fullmatch(pipe)
        if pipe in _PIPES and isinstance(current, float):
            current = _PIPES[pipe](current)
        elif printf and isinstance(current, float):
            current = _printf(printf.group(1), printf.group(2), current)
        else:
            raise TemplateUnsupported(f"template pipe {pipe!r}")
    return go_float(current) if isinstance(current, float) else str(current)


def check_syntax(template: str) -> None:
    """Raise TemplateUnsupported where Prometheus itself refuses the template: an unclosed action."""
    if "{{" in template and "{{" in _ACTION_RE.sub("", template):
        raise TemplateUnsupported("an unclosed template action ('{{' without '}}')")


def check(template: str) -> None:
    """Raise TemplateUnsupported unless `render` predicts this template: every `{{` is closed and
    every action is in the subset. Prometheus itself refuses an unclosed action."""
    if "{{" not in template:
        return
    check_syntax(template)
    for match in _ACTION_RE.finditer(template):
        _action(match.group(1), {}, 1.0)


def render(template: str, labels: dict[str, str], value: float) -> str:
    """The text Prometheus renders for an alert with these labels and value."""
    if "{{" not in template:
        return template
    return _ACTION_RE.sub(lambda m: _action(m.group(1), labels, value), template)
