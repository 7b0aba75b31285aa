"""A catalog panel's `type:` and its type's own fields -> the panel's typed kind, with located problems.

The schema has checked each field's shape; here: the fields that belong to one type only
(`content`, `min`/`max`, `stack`), `min` below `max`, and a text panel without queries.
"""
from __future__ import annotations

from typing import Callable

from generator.model import (
    BarGaugeKind, GaugeKind, HeatmapKind, PanelKind, StateTimelineKind, StatKind, TableKind, TextKind, TimeseriesKind,
)

# field -> the panel types it applies to
OWN_FIELDS = {"content": ("text",), "min": ("gauge", "bargauge"), "max": ("gauge", "bargauge"),
              "stack": ("timeseries",), "objective": ("timeseries", "stat", "gauge", "bargauge")}
_SIMPLE = {"timeseries": TimeseriesKind, "stat": StatKind, "table": TableKind, "heatmap": HeatmapKind,
           "state-timeline": StateTimelineKind}


def panel_kind(p: dict, at: str, problem: Callable[[str, str], None]) -> PanelKind:
    kind = p["type"]
    for field, types in OWN_FIELDS.items():
        if field in p and kind not in types:
            problem(f"{at}.{field}", f"field {field!r} does not apply to a {kind} panel (only {', '.join(types)})")
    if kind == "text":
        if "targets" in p:
            problem(f"{at}.targets", "a text panel has no queries (its markdown is `content`)")
        return TextKind(p["content"])
    if kind in ("gauge", "bargauge"):
        low, high = p.get("min"), p.get("max")
        if low is not None and high is not None and not low < high:
            problem(f"{at}.max", f"max {high} must be above min {low}")
        return (GaugeKind if kind == "gauge" else BarGaugeKind)(low, high)
    return _SIMPLE[kind]()
