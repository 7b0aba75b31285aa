"""Time-scaled copies of committed artifacts, for the closed loop.

The loop runs the files in `alerts/`, `recording_rules/`, `alertmanager/` and `dashboards/` as they
are committed, with one change: durations and windows are divided by a factor, so that a 5m `for`
takes 5 s instead of five minutes. Nothing else changes: names, expressions, thresholds, labels,
annotations (their text too, "for 5m" stays "for 5m"), matchers, receivers and routes are copied
as they are. Exactly these are scaled:

  * Prometheus rule files: a group's `interval`, a rule's `for` and `keep_firing_for`, and inside
    `expr` every range `[5m]`, subquery `[1h:5m]` and `offset 5m` (`@` timestamps are left alone);
  * Alertmanager: `global.resolve_timeout` and `group_wait`, `group_interval`, `repeat_interval` of
    the route and every sub-route (mute/active time intervals are left alone);
  * Grafana dashboards: ranges and offsets inside every target's `expr` (Grafana variables such as
    `$__rate_interval` are substituted separately, see `tests/e2e/configs.py`).

Durations are written back in Prometheus' notation, in the largest units that keep them exact
(300 s / 60 -> "5s", 30 s / 60 -> "500ms"); a result below 1 ms is an error, not a silent zero.
"""
from __future__ import annotations

import copy
import re

_UNITS = (("y", 31536000000), ("w", 604800000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1))
_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_DURATION = r"(?:\d+(?:ms|y|w|d|h|m|s))+"
_RANGE = re.compile(rf"\[\s*({_DURATION})\s*(?::\s*({_DURATION})?\s*)?\]")
_OFFSET = re.compile(rf"\boffset\s+(-?)({_DURATION})")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')

RULE_DURATIONS = ("for", "keep_firing_for")
ROUTE_DURATIONS = ("group_wait", "group_interval", "repeat_interval")


def duration_ms(text: str) -> int:
    """A Prometheus duration in milliseconds: "1h30m" -> 5400000."""
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    sizes = dict(_UNITS)
    return sum(int(n) * sizes[u] for n, u in parts)


def write_duration(ms: int) -> str:
    out = []
    for unit, size in _UNITS:
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(out)


def scale_duration(text: str, factor: float) -> str:
    scaled = duration_ms(text) / factor
    if scaled < 1:
        raise ValueError(f"{text} divided by {factor:g} is below 1ms")
    return write_duration(round(scaled))


def scale_expr(expr: str, factor: float) -> str:
    """Ranges, subquery ranges and steps, and offsets divided; string literals untouched."""
    def ranges(match: re.Match) -> str:
        out = scale_duration(match.group(1), factor)
        if match.group(0).find(":") >= 0:
            out += ":" + (scale_duration(match.group(2), factor) if match.group(2) else "")
        return f"[{out}]"

    def offsets(match: re.Match) -> str:
        return f"offset {match.group(1)}{scale_duration(match.group(2), factor)}"

    pieces, last = [], 0
    for literal in _STRING.finditer(expr):
        code = expr[last:literal.start()]
        pieces.append(_OFFSET.sub(offsets, _RANGE.sub(ranges, code)))
        pieces.append(literal.group(0))
        last = literal.end()
    pieces.append(_OFFSET.sub(offsets, _RANGE.sub(ranges, expr[last:])))
    return "".join(pieces)


def scale_rule_document(document: dict, factor: float) -> dict:
    """A loaded Prometheus rule file (`groups:`), scaled; the input is not modified."""
    out = copy.deepcopy(document)
    for group in out.get("groups") or []:
        if "interval" in group:
            group["interval"] = scale_duration(group["interval"], factor)
        for rule in group.get("rules") or []:
            rule["expr"] = scale_expr(str(rule["expr"]), factor)
            for key in RULE_DURATIONS:
                if key in rule:
                    rule[key] = scale_duration(str(rule[key]), factor)
    return out


def scale_alertmanager_document(document: dict, factor: float) -> dict:
    """A loaded Alertmanager config, scaled; the input is not modified."""
    out = copy.deepcopy(document)
    if "resolve_timeout" in (out.get("global") or {}):
        out["global"]["resolve_timeout"] = scale_duration(out["global"]["resolve_timeout"], factor)

    def walk(route: dict) -> None:
        for key in ROUTE_DURATIONS:
            if key in route:
                route[key] = scale_duration(str(route[key]), factor)
        for child in route.get("routes") or []:
            walk(child)

    if out.get("route"):
        walk(out["route"])
    return out


def scale_dashboard(document: dict, factor: float) -> dict:
    """A Grafana dashboard with every target expression's ranges and offsets scaled."""
    out = copy.deepcopy(document)

    def panels(container: dict):
        for panel in container.get("panels") or []:
            yield panel
            yield from panels(panel)  # rows hold their panels

    for panel in panels(out):
        for target in panel.get("targets") or []:
            if "expr" in target:
                target["expr"] = scale_expr(target["expr"], factor)
    return out
