"""One catalog panel -> one Grafana panel, by the panel's kind (one builder per kind).

Timeseries and stat go through grafanalib as before; the other kinds are written as plain JSON in
current Grafana's shape, with every option their official panel schema requires.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

from grafanalib import core as g

from generator.build.expressions import expand_selector
from generator.model import (
    BarGaugeKind, Catalog, Dashboard, GaugeKind, HeatmapKind, Objective, Panel, StateTimelineKind, StatKind,
    TableKind, TextKind, TimeseriesKind,
)
from generator.renderers.dashboard_variables import datasource_ref, selector_text

_HIDE_FROM = {"legend": False, "tooltip": False, "viz": False}
_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
_LEGEND_OFF = {"showLegend": False, "displayMode": "list", "placement": "bottom", "calcs": []}


@dataclass(frozen=True)
class PanelContext:
    catalog: Catalog
    dashboard: Dashboard
    panel: Panel
    grid: g.GridPos
    panel_id: int

    @property
    def objective(self) -> Objective | None:
        return self.catalog.objective(self.panel.objective) if self.panel.objective else None


def thresholds(objective: Objective | None, steps_given: tuple = ()) -> dict:
    """The objective's line (green below, red above), or the panel's own steps when it gives them."""
    if steps_given:
        return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps_given]}
    steps = [{"color": "green", "value": None}]
    if objective is not None:
        steps.append({"color": "red", "value": objective.threshold})
    return {"mode": "absolute", "steps": steps}


def targets(ctx: PanelContext, instant: bool | None = None, fmt: str = "", legend: str = "") -> list[dict]:
    out, selector = [], selector_text(ctx.catalog, ctx.dashboard)
    for index, target in enumerate(ctx.panel.targets):
        is_instant = target.instant if instant is None else instant
        query = {
            "datasource": datasource_ref(ctx.catalog, ctx.dashboard),
            "editorMode": "code",
            "expr": expand_selector(target.expr, selector),
            "instant": is_instant,
            "legendFormat": target.legend or legend or "__auto",
            "range": not is_instant,
            "refId": chr(ord("A") + index),
        }
        if fmt:
            query["format"] = fmt
        out.append(query)
    return out


@singledispatch
def render_panel(kind, ctx: PanelContext):
    raise TypeError(f"no renderer for panel kind {type(kind).__name__}")


def _grafanalib_common(ctx: PanelContext) -> dict:
    return dict(title=ctx.panel.title, description=ctx.panel.description, id=ctx.panel_id, gridPos=ctx.grid,
                dataSource=datasource_ref(ctx.catalog, ctx.dashboard), targets=targets(ctx), transparent=False,
                maxDataPoints=None, links=[])


@render_panel.register
def _(kind: StatKind, ctx: PanelContext):
    return g.Stat(**_grafanalib_common(ctx), format=ctx.panel.unit, reduceCalc="lastNotNull", graphMode="area",
                  colorMode="value", textMode="auto", noValue="no data",
                  extraJson={"fieldConfig": {"defaults": {"thresholds": thresholds(ctx.objective, ctx.panel.thresholds),
                                                          "color": {"mode": "thresholds"}}},
                             "options": {"wideLayout": True, "showPercentChange": False,
                                         "percentChangeColorMode": "standard"}})


@render_panel.register
def _(kind: TimeseriesKind, ctx: PanelContext):
    panel, objective = ctx.panel, ctx.objective
    custom = {"thresholdsStyle": {"mode": "dashed" if objective or panel.thresholds else "off"}}
    return g.TimeSeries(
        **_grafanalib_common(ctx), unit=panel.unit, fillOpacity=30 if panel.stack else 10, lineWidth=1,
        stacking={"mode": panel.features.stacking, "group": "A"},
        legendDisplayMode="table", legendPlacement="bottom", legendCalcs=["mean", "max", "lastNotNull"],
        tooltipMode="multi", tooltipSort="desc", valueMin=0,
        extraJson={"fieldConfig": {"defaults": {"thresholds": thresholds(objective, panel.thresholds), "custom": custom}},
                   "options": {"legend": {"showLegend": True}}},
    )


def _plain(ctx: PanelContext, grafana_type: str, options: dict, defaults: dict | None = None,
           query_targets: list[dict] | None = None, **extra) -> dict:
    out = {
        "type": grafana_type, "title": ctx.panel.title, "description": ctx.panel.description, "id": ctx.panel_id,
        "gridPos": {"h": ctx.grid.h, "w": ctx.grid.w, "x": ctx.grid.x, "y": ctx.grid.y},
        "datasource": datasource_ref(ctx.catalog, ctx.dashboard),
        "targets": targets(ctx) if query_targets is None else query_targets,
        "fieldConfig": {"defaults": {"unit": ctx.panel.unit, "thresholds": thresholds(ctx.objective, ctx.panel.thresholds),
                                     "color": {"mode": "thresholds"}, "mappings": [], **(defaults or {})},
                        "overrides": []},
        "options": options, "links": [], "transparent": False, **extra,
    }
    return out


def _scale(kind: GaugeKind | BarGaugeKind) -> dict:
    return {k: v for k, v in (("min", kind.min), ("max", kind.max)) if v is not None}


@render_panel.register
def _(kind: GaugeKind, ctx: PanelContext):
    return _plain(ctx, "gauge", {
        "reduceOptions": _REDUCE, "orientation": "auto", "showThresholdLabels": False, "showThresholdMarkers": True,
        "sizing": "auto", "minVizWidth": 75, "minVizHeight": 75, "text": {}}, _scale(kind))


@render_panel.register
def _(kind: BarGaugeKind, ctx: PanelContext):
    return _plain(ctx, "bargauge", {
        "displayMode": "gradient", "valueMode": "color", "namePlacement": "auto", "showUnfilled": True,
        "sizing": "auto", "minVizWidth": 8, "minVizHeight": 16, "maxVizHeight": 300, "legend": _LEGEND_OFF,
        "reduceOptions": _REDUCE, "orientation": "horizontal", "text": {}}, _scale(kind))


@render_panel.register
def _(kind: TableKind, ctx: PanelContext):
    # instant queries in table format: one row per series; the timestamp column is hidden
    return _plain(ctx, "table", {
        "frameIndex": 0, "showHeader": True, "cellHeight": "sm",
        "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": []}},
        {"custom": {"align": "auto", "inspect": False}},
        targets(ctx, instant=True, fmt="table"),
        transformations=[{"id": "merge", "options": {}},
                         {"id": "organize", "options": {"excludeByName": {"Time": True}}}])


@render_panel.register
def _(kind: HeatmapKind, ctx: PanelContext):
    return _plain(ctx, "heatmap", {
        "calculate": False, "cellGap": 1, "showValue": "auto",
        "color": {"mode": "scheme", "scheme": "Oranges", "fill": "dark-orange", "scale": "exponential",
                  "exponent": 0.5, "steps": 64, "reverse": False},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "legend": {"show": True}, "rowsFrame": {"layout": "auto"},
        "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": False},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": ctx.panel.unit}},
        {"custom": {"scaleDistribution": {"type": "linear"}, "hideFrom": _HIDE_FROM}},
        targets(ctx, instant=False, fmt="heatmap", legend="{{le}}"))


@render_panel.register
def _(kind: StateTimelineKind, ctx: PanelContext):
    return _plain(ctx, "state-timeline", {
        "showValue": "auto", "rowHeight": 0.9, "mergeValues": True, "alignValue": "left",
        "legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
        "tooltip": {"mode": "single", "sort": "none"}},
        {"custom": {"lineWidth": 0, "fillOpacity": 70, "hideFrom": _HIDE_FROM}})


@render_panel.register
def _(kind: TextKind, ctx: PanelContext):
    return {
        "type": "text", "title": ctx.panel.title, "description": ctx.panel.description, "id": ctx.panel_id,
        "gridPos": {"h": ctx.grid.h, "w": ctx.grid.w, "x": ctx.grid.x, "y": ctx.grid.y},
        "options": {"mode": "markdown", "content": kind.content,
                    "code": {"language": "plaintext", "showLineNumbers": False, "showMiniMap": False}},
        "links": [], "transparent": False,
    }
