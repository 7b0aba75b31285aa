"""A catalog panel's features -> typed `PanelFeatures`, with located problems.

The schema has checked each field's shape; here come the rules that span fields or need the rest
of the catalog: which panel types a feature applies to, one kind per mapping, link or
transformation, a range's ends in order, a legend sorted by one of its own calculations, a repeat
by a multi-value variable of the same dashboard, a link to a dashboard of this catalog.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from generator.model.dashboard_features import (
    Legend, Limit, Link, Organize, Override, PanelFeatures, Repeat, SortBy, Transformation, ValueMapping,
)

Problem = Callable[[str, str], None]

# feature field -> the panel types it applies to
FEATURE_TYPES = {
    "overrides": ("timeseries", "stat", "gauge", "bargauge", "table", "state-timeline"),
    "mappings": ("timeseries", "stat", "gauge", "bargauge", "table", "state-timeline"),
    "legend": ("timeseries", "bargauge", "state-timeline"),
    "transformations": ("table",),
}
MAPPING_KINDS = ("value", "range", "regex", "special")
LINK_TARGETS = ("url", "dashboard", "runbook")
TRANSFORMATION_KINDS = ("sort_by", "limit", "organize")
# a legend calculation -> the column title Grafana sorts a table legend by
CALC_TITLES = {"mean": "Mean", "max": "Max", "min": "Min", "lastNotNull": "Last *", "last": "Last",
               "firstNotNull": "First *", "first": "First", "sum": "Total", "count": "Count", "range": "Range",
               "delta": "Delta", "diff": "Difference", "stdDev": "StdDev", "variance": "Variance"}


@dataclass(frozen=True)
class PanelScope:
    """What a panel's features may refer to: its dashboard's variables and uid, the catalog's
    dashboards, the service's runbook base URL."""
    variables: dict  # name -> typed variable of the panel's dashboard
    dashboard_uids: frozenset[str]
    own_uid: str
    runbook_base_url: str


def panel_features(p: dict, at: str, scope: PanelScope, problem: Problem) -> PanelFeatures:
    kind = p["type"]
    for field, types in FEATURE_TYPES.items():
        if field in p and kind not in types:
            problem(f"{at}.{field}", f"field {field!r} does not apply to a {kind} panel (only {', '.join(types)})")
    stack = p.get("stack", False)
    return PanelFeatures(
        overrides=tuple(_override(o, f"{at}.overrides[{i}]", kind, problem) for i, o in enumerate(p.get("overrides", ()))),
        mappings=_mappings(p.get("mappings", ()), f"{at}.mappings", problem),
        legend=_legend(p["legend"], f"{at}.legend", problem) if "legend" in p else None,
        stacking={True: "normal", False: "none"}.get(stack, stack),
        transformations=tuple(_transformation(t, f"{at}.transformations[{i}]", problem)
                              for i, t in enumerate(p.get("transformations", ()))),
        links=tuple(link(x, f"{at}.links[{i}]", scope, problem) for i, x in enumerate(p.get("links", ()))),
        repeat=_repeat(p, at, scope, problem),
    )


def _override(o: dict, at: str, kind: str, problem: Problem) -> Override:
    fields = tuple(o["fields"])
    for j, name in enumerate(fields):
        if name in fields[:j]:
            problem(f"{at}.fields[{j}]", f"duplicate field {name!r}")
    if not any(k in o for k in ("color", "hidden", "line_style")):
        problem(at, "an override sets at least one of color, hidden, line_style")
    if "line_style" in o and kind != "timeseries":
        problem(f"{at}.line_style", f"line_style applies to timeseries panels only, not {kind}")
    return Override(fields, o.get("color", ""), bool(o.get("hidden", False)), o.get("line_style", ""))


def _mappings(items, at: str, problem: Problem) -> tuple[ValueMapping, ...]:
    out, seen = [], {}
    for i, m in enumerate(items):
        path = f"{at}[{i}]"
        kinds = [k for k in ("value", "regex", "special") if k in m] + (["range"] if "from" in m or "to" in m else [])
        if len(kinds) != 1:
            problem(path, "a mapping matches by exactly one of value, from/to (a range), regex or special; "
                          f"found {', '.join(kinds) or 'none'}")
            continue
        if "text" not in m and "color" not in m:
            problem(path, "a mapping sets text, color or both")
        kind = kinds[0]
        low, high, match = m.get("from"), m.get("to"), ""
        if kind == "range":
            if low is not None and high is not None and not low < high:
                problem(f"{path}.to", f"to {high:g} must be above from {low:g}")
        else:
            match = _text(m[kind])
            key = (kind, match)
            if key in seen:
                problem(f"{path}.{kind}", f"{kind} {match!r} is already mapped by {at}[{seen[key]}]")
            seen.setdefault(key, i)
        out.append(ValueMapping(kind, m.get("text", ""), m.get("color", ""), match,
                                None if low is None else float(low), None if high is None else float(high)))
    return tuple(out)


def _text(value) -> str:
    """A matched value as Grafana compares it: numbers as they display (1, not 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _legend(legend: dict, at: str, problem: Problem) -> Legend:
    calcs = tuple(legend.get("calcs", ()))
    for j, calc in enumerate(calcs):
        if calc in calcs[:j]:
            problem(f"{at}.calcs[{j}]", f"duplicate calculation {calc!r}")
    sort_by = legend.get("sort_by", "")
    if sort_by and sort_by not in calcs:
        problem(f"{at}.sort_by", f"sort_by {sort_by!r} must be one of the legend's calcs "
                                 f"({', '.join(calcs) or 'none listed'})")
    if "sort_desc" in legend and not sort_by:
        problem(f"{at}.sort_desc", "sort_desc needs sort_by")
    return Legend(bool(legend.get("show", True)), legend.get("mode", "list"), legend.get("placement", "bottom"),
                  calcs, sort_by, bool(legend.get("sort_desc", False)))


def _transformation(t: dict, at: str, problem: Problem) -> Transformation | None:
    kinds = [k for k in TRANSFORMATION_KINDS if k in t]
    if len(kinds) != 1:
        problem(at, f"a transformation is exactly one of {', '.join(TRANSFORMATION_KINDS)}; "
                    f"found {', '.join(kinds) or 'none'}")
        return None
    if "desc" in t and kinds != ["sort_by"]:
        problem(f"{at}.desc", "desc applies to sort_by only")
    if kinds == ["sort_by"]:
        return SortBy(t["sort_by"], bool(t.get("desc", False)))
    if kinds == ["limit"]:
        return Limit(int(t["limit"]))
    o = t["organize"]
    exclude, order, rename = tuple(o.get("exclude", ())), tuple(o.get("order", ())), dict(o.get("rename", {}))
    for name in sorted(set(exclude) & set(rename)):
        problem(f"{at}.organize.rename.{name}", f"field {name!r} is excluded; it cannot also be renamed")
    for name in sorted(set(exclude) & set(order)):
        problem(f"{at}.organize.order", f"field {name!r} is excluded; it cannot also be ordered")
    for j, name in enumerate(order):
        if name in order[:j]:
            problem(f"{at}.organize.order[{j}]", f"duplicate field {name!r}")
    if not (exclude or order or rename):
        problem(f"{at}.organize", "organize sets at least one of exclude, rename, order")
    return Organize(exclude, tuple(sorted(rename.items())), order)


def link(x: dict, at: str, scope: PanelScope, problem: Problem) -> Link:
    """A panel link: to a URL, a dashboard of this catalog (keeping time and variables) or a runbook page."""
    targets = [k for k in LINK_TARGETS if k in x]
    if len(targets) != 1:
        problem(at, f"a link goes to exactly one of {', '.join(LINK_TARGETS)}; found {', '.join(targets) or 'none'}")
        return Link(x["title"], "")
    target = targets[0]
    new_tab = bool(x.get("new_tab", False))
    if target == "dashboard":
        uid = x["dashboard"]
        if uid not in scope.dashboard_uids:
            problem(f"{at}.dashboard", f"unknown dashboard {uid!r} (this catalog has "
                                       f"{', '.join(sorted(scope.dashboard_uids))}); link others by url")
        return Link(x["title"], f"/d/{uid}", True, True, new_tab)
    if target == "runbook":
        return Link(x["title"], f"{scope.runbook_base_url.rstrip('/')}/{x['runbook'].lstrip('/')}", new_tab=new_tab)
    return Link(x["title"], x["url"], new_tab=new_tab)


def _repeat(p: dict, at: str, scope: PanelScope, problem: Problem) -> Repeat | None:
    if "repeat" not in p:
        for field in ("repeat_direction", "max_per_row"):
            if field in p:
                problem(f"{at}.{field}", f"{field} needs repeat")
        return None
    name = p["repeat"]
    variable = scope.variables.get(name)
    if variable is None:
        problem(f"{at}.repeat", f"unknown variable {name!r} (this dashboard defines "
                                f"{', '.join(sorted(scope.variables)) or 'none'})")
    elif not (getattr(variable, "multi", False) or getattr(variable, "include_all", False)):
        problem(f"{at}.repeat", f"variable {name!r} takes one value; repeat needs multi or include_all")
    direction = p.get("repeat_direction", "h")
    if "max_per_row" in p and direction != "h":
        problem(f"{at}.max_per_row", "max_per_row applies to horizontal repeats (repeat_direction: h) only")
    return Repeat(name, direction, p.get("max_per_row"))
