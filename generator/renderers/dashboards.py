"""Catalog dashboards -> Grafana dashboard JSON, built with grafanalib.

grafanalib targets an old schema (schemaVersion 12, `rows`, `style`, nulls). Panels here are
given every field explicitly, and `shape_for_current_grafana` is the one clean-up step that removes
what current Grafana's schema rejects. Layout: a full-width row header per catalog row, panels
laid left to right, 24 grid units wide.
"""
from __future__ import annotations

import json

from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from generator import json_text
from generator.build.expressions import expand_selector
from generator.model import Catalog, Dashboard, Objective, Panel

FOLDERS = ("dashboards",)
SCHEMA_VERSION = 41
DATASOURCE_VAR = "datasource"
DEFAULT_HEIGHT = {"stat": 4, "timeseries": 8}
# Keys grafanalib emits for Grafana < 5 or that current Grafana fills in itself.
_LEGACY_DASHBOARD_KEYS = ("rows", "style", "hideControls", "sharedCrosshair", "__inputs", "gnetId", "id", "version")
_LEGACY_PANEL_KEYS = ("error", "height", "span", "minSpan", "cacheTimeout", "hideTimeOverride", "interval",
                      "timeFrom", "timeShift", "repeat", "repeatDirection", "maxPerRow", "editable", "thresholds")


def datasource_ref(catalog: Catalog) -> dict:
    return {"type": catalog.service.datasource_type, "uid": "${%s}" % DATASOURCE_VAR}


def _thresholds(objective: Objective | None) -> dict:
    steps = [{"color": "green", "value": None}]
    if objective is not None:
        steps.append({"color": "red", "value": objective.threshold})
    return {"mode": "absolute", "steps": steps}


def _targets(catalog: Catalog, panel: Panel) -> list[dict]:
    out = []
    for index, target in enumerate(panel.targets):
        out.append({
            "datasource": datasource_ref(catalog),
            "editorMode": "code",
            "expr": expand_selector(target.expr, catalog.service.selector_text),
            "instant": target.instant,
            "legendFormat": target.legend or "__auto",
            "range": not target.instant,
            "refId": chr(ord("A") + index),
        })
    return out


def _panel(catalog: Catalog, panel: Panel, grid: g.GridPos, panel_id: int):
    objective = catalog.objective(panel.objective) if panel.objective else None
    common = dict(
        title=panel.title, description=panel.description, id=panel_id, gridPos=grid,
        dataSource=datasource_ref(catalog), targets=_targets(catalog, panel), transparent=False,
        maxDataPoints=None, links=[],
    )
    if panel.type == "stat":
        return g.Stat(**common, format=panel.unit, reduceCalc="lastNotNull", graphMode="area",
                      colorMode="value", textMode="auto", noValue="no data",
                      extraJson={"fieldConfig": {"defaults": {"thresholds": _thresholds(objective),
                                                              "color": {"mode": "thresholds"}}},
                                 "options": {"wideLayout": True, "showPercentChange": False,
                                             "percentChangeColorMode": "standard"}})
    custom = {"thresholdsStyle": {"mode": "dashed" if objective else "off"}}
    return g.TimeSeries(
        **common, unit=panel.unit, fillOpacity=30 if panel.stack else 10, lineWidth=1,
        stacking={"mode": "normal", "group": "A"} if panel.stack else {"mode": "none", "group": "A"},
        legendDisplayMode="table", legendPlacement="bottom", legendCalcs=["mean", "max", "lastNotNull"],
        tooltipMode="multi", tooltipSort="desc", valueMin=0,
        extraJson={"fieldConfig": {"defaults": {"thresholds": _thresholds(objective), "custom": custom}},
                   "options": {"legend": {"showLegend": True}}},
    )


def _layout(catalog: Catalog, dashboard: Dashboard) -> list:
    panels, y, panel_id = [], 0, 1
    for row in dashboard.rows:
        panels.append(g.RowPanel(title=row.title, id=panel_id, gridPos=g.GridPos(h=1, w=24, x=0, y=y)))
        panel_id, y, x, row_height = panel_id + 1, y + 1, 0, 0
        default_width = max(24 // len(row.panels), 4)
        for panel in row.panels:
            w = panel.width or default_width
            h = panel.height or DEFAULT_HEIGHT[panel.type]
            if x + w > 24:
                x, y, row_height = 0, y + row_height, 0
            panels.append(_panel(catalog, panel, g.GridPos(h=h, w=w, x=x, y=y), panel_id))
            panel_id, x, row_height = panel_id + 1, x + w, max(row_height, h)
        y += row_height
    return panels


def _templating(catalog: Catalog) -> g.Templating:
    uid = catalog.service.datasource_uid
    return g.Templating(list=[{
        "type": "datasource", "name": DATASOURCE_VAR, "label": "Data source",
        "query": catalog.service.datasource_type, "hide": 0, "refresh": 1, "regex": "",
        "current": {"selected": False, "text": uid, "value": uid},
        "options": [], "includeAll": False, "multi": False, "skipUrlSync": False,
    }])


def build_dashboard(catalog: Catalog, dashboard: Dashboard) -> g.Dashboard:
    source = f"Generated by obsgen from {catalog.path.as_posix()}; do not edit, change the catalog."
    description = f"{dashboard.description} {source}".strip()
    return g.Dashboard(
        title=dashboard.title, uid=dashboard.uid, description=description, tags=sorted(dashboard.tags),
        panels=_layout(catalog, dashboard), templating=_templating(catalog), timezone="browser",
        refresh=dashboard.refresh, time=g.Time(dashboard.time_from, "now"), schemaVersion=SCHEMA_VERSION,
        graphTooltip=1, editable=True, links=[],
        annotations=g.Annotations(list=[{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
            "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
        }]),
    )


def _drop_nulls(value, keep_null_in_steps: bool = False):
    """Remove null-valued keys; a threshold base step keeps `value: null` (Grafana's -Infinity)."""
    if isinstance(value, dict):
        is_step = keep_null_in_steps and set(value) == {"color", "value"}
        return {k: _drop_nulls(v, keep_null_in_steps) for k, v in value.items() if v is not None or (is_step and k == "value")}
    if isinstance(value, list):
        return [_drop_nulls(v, keep_null_in_steps) for v in value]
    return value


def shape_for_current_grafana(data: dict) -> dict:
    """The one clean-up step: drop legacy keys and nulls that grafanalib emits."""
    data = _drop_nulls(data, keep_null_in_steps=True)
    for key in _LEGACY_DASHBOARD_KEYS:
        data.pop(key, None)
    data.pop("timepicker", None)
    for panel in data.get("panels", []):
        for key in _LEGACY_PANEL_KEYS:
            panel.pop(key, None)
        if panel.get("type") == "row":
            for key in ("datasource", "targets", "description", "fieldConfig", "options", "links", "transparent",
                        "transformations", "maxDataPoints"):
                panel.pop(key, None)
            panel.setdefault("panels", [])
            panel.setdefault("collapsed", False)
    return data


def dashboard_json(catalog: Catalog, dashboard: Dashboard) -> dict:
    raw = json.loads(json.dumps(build_dashboard(catalog, dashboard).to_json_data(), cls=DashboardEncoder))
    return shape_for_current_grafana(raw)


def render(catalog: Catalog) -> dict[str, str]:
    return {f"dashboards/{d.uid}.json": json_text.dumps(dashboard_json(catalog, d)) + "\n"
            for d in catalog.dashboards}
