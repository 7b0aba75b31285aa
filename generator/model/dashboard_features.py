"""Typed panel and dashboard features: overrides, value mappings, legend, stacking, table
transformations, links, repeat; dashboard links, annotations, time and refresh defaults.

Plain frozen dataclasses with no dependency on the rest of the model; `Panel` and `Dashboard`
carry them by one field each.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Override:
    """Field override matched by field (series) names: a fixed colour, hidden series, a line style."""
    fields: tuple[str, ...]
    color: str = ""
    hidden: bool = False
    line_style: str = ""  # "", "dash" or "dot"


@dataclass(frozen=True)
class ValueMapping:
    """One value mapping: `kind` value (match a text), range (low..high, None = unbounded), regex
    (match a pattern) or special (null, nan, null+nan, empty, true, false)."""
    kind: str
    text: str = ""
    color: str = ""
    match: str = ""
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Legend:
    """Legend options; `None` on a panel means its kind's default."""
    show: bool = True
    mode: str = "list"  # list or table
    placement: str = "bottom"  # bottom or right
    calcs: tuple[str, ...] = ()
    sort_by: str = ""
    sort_desc: bool = False


@dataclass(frozen=True)
class SortBy:
    field: str
    desc: bool = False


@dataclass(frozen=True)
class Limit:
    count: int


@dataclass(frozen=True)
class Organize:
    exclude: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    order: tuple[str, ...] = ()


Transformation = SortBy | Limit | Organize


@dataclass(frozen=True)
class Link:
    """A link, resolved to its URL; links to dashboards keep the time range and variables."""
    title: str
    url: str
    keep_time: bool = False
    include_vars: bool = False
    new_tab: bool = False


@dataclass(frozen=True)
class Repeat:
    variable: str
    direction: str = "h"
    max_per_row: int | None = None


@dataclass(frozen=True)
class PanelFeatures:
    overrides: tuple[Override, ...] = ()
    mappings: tuple[ValueMapping, ...] = ()
    legend: Legend | None = None
    stacking: str = "none"  # none, normal or percent
    transformations: tuple[Transformation, ...] = ()
    links: tuple[Link, ...] = ()
    repeat: Repeat | None = None


@dataclass(frozen=True)
class DashboardLink:
    """`tags`: a drop-down (or list) of the dashboards with all these tags; else one link to `url`."""
    title: str
    tags: tuple[str, ...] = ()
    url: str = ""
    as_dropdown: bool = False
    keep_time: bool = False
    include_vars: bool = False
    new_tab: bool = False


@dataclass(frozen=True)
class Annotation:
    """Events from a PromQL query (e.g. deploys), drawn on every time panel."""
    name: str
    expr: str
    color: str = "blue"
    title: str = ""
    text: str = ""
    tag_labels: tuple[str, ...] = ()
    step: str = ""


@dataclass(frozen=True)
class DashboardFeatures:
    links: tuple[DashboardLink, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    time_to: str = "now"
    timezone: str = "browser"
