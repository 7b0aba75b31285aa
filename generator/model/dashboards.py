"""Dashboards: rows, panels and their kinds, template variables."""
from __future__ import annotations

from dataclasses import dataclass

from generator.model.common import Silence
from generator.model.dashboard_features import DashboardFeatures, PanelFeatures


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class TimeseriesKind:
    """A line chart; `stack` on the panel stacks its series."""


@dataclass(frozen=True)
class StatKind:
    """One big number, red above the panel's objective."""


@dataclass(frozen=True)
class GaugeKind:
    """A dial from `min` to `max` (Grafana's own range when unset)."""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class BarGaugeKind:
    """One bar per series, from `min` to `max`."""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class TableKind:
    """Instant queries as a table: one row per series, one column per label, the value last."""


@dataclass(frozen=True)
class HeatmapKind:
    """Histogram buckets over time: targets are `sum by (le) (rate(<metric>_bucket...))`, `format: heatmap`."""


@dataclass(frozen=True)
class TextKind:
    """Markdown, e.g. a runbook link; no queries."""
    content: str


@dataclass(frozen=True)
class StateTimelineKind:
    """The value of each series as coloured bands over time (up/down, a state label)."""


PanelKind = (TimeseriesKind | StatKind | GaugeKind | BarGaugeKind | TableKind | HeatmapKind | TextKind
             | StateTimelineKind)


@dataclass(frozen=True)
class Panel:
    title: str
    type: str  # the catalog's type name; how the panel renders is told by `kind`
    unit: str
    description: str
    targets: tuple[Target, ...]
    objective: str | None = None
    stack: bool = False
    width: int | None = None
    height: int | None = None
    silences: tuple[Silence, ...] = ()
    kind: PanelKind = TimeseriesKind()
    features: PanelFeatures = PanelFeatures()
    thresholds: tuple[tuple[str, float | None], ...] = ()  # (colour, value) steps, base first (None); else the objective's


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]
    collapsed: bool = False


@dataclass(frozen=True)
class DatasourceVariable:
    """Pick a data source of the service's type; panels query through it."""
    name: str
    title: str = ""
    regex: str = ""


@dataclass(frozen=True)
class QueryVariable:
    """`label_values(<metric>{selector}, <label>)`; with `selects`, it narrows the dashboard's selector."""
    name: str
    label: str
    metric: str = "up"
    title: str = ""
    multi: bool = False
    include_all: bool = False
    selects: bool = True


@dataclass(frozen=True)
class CustomVariable:
    """A fixed list of values; with `label`, it narrows the dashboard's selector on that label."""
    name: str
    values: tuple[str, ...]
    title: str = ""
    label: str = ""
    multi: bool = False
    include_all: bool = False


@dataclass(frozen=True)
class IntervalVariable:
    """A list of durations, for range selectors such as `[$window]`."""
    name: str
    values: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class ConstantVariable:
    """A hidden fixed value."""
    name: str
    value: str


Variable = DatasourceVariable | QueryVariable | CustomVariable | IntervalVariable | ConstantVariable


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    rows: tuple[Row, ...]
    description: str = ""
    tags: tuple[str, ...] = ()
    refresh: str = "30s"
    time_from: str = "now-6h"
    silences: tuple[Silence, ...] = ()
    variables: tuple[Variable, ...] = ()
    features: DashboardFeatures = DashboardFeatures()

    @property
    def variable_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.variables)
