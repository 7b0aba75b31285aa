"""A dashboard's template variables -> Grafana's `templating.list`, and the dashboard's selector.

Query and custom variables that select a label narrow `$selector` for every panel of the
dashboard: `job="api"` becomes `job=~"$job"`, and a selected label the service's selector
lacks (`instance`) is added. A query variable offers the values left by the service's selector and
the variables before it, so `$instance` lists the instances of the chosen `$job`.
"""
from __future__ import annotations

from functools import singledispatch

from generator.catalog.dashboard_variables import selected_labels
from generator.model import (
    Catalog, ConstantVariable, CustomVariable, Dashboard, DatasourceVariable, IntervalVariable, QueryVariable,
    Variable,
)

DEFAULT_DATASOURCE_VAR = "datasource"


def datasource_variable_name(dashboard: Dashboard) -> str:
    return next((v.name for v in dashboard.variables if isinstance(v, DatasourceVariable)), DEFAULT_DATASOURCE_VAR)


def datasource_ref(catalog: Catalog, dashboard: Dashboard) -> dict:
    return {"type": catalog.service.datasource_type, "uid": "${%s}" % datasource_variable_name(dashboard)}


def selector_for(service_selector: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> str:
    """The service's matchers with each (label, variable) of `overrides` as `label=~"$variable"`:
    in place of the service's own matcher on that label, else appended."""
    chosen = dict(overrides)
    matchers = [f'{k}=~"${chosen.pop(k)}"' if k in chosen else f'{k}="{v}"' for k, v in service_selector]
    matchers += [f'{label}=~"${name}"' for label, name in overrides if label in chosen]
    return ", ".join(matchers)


def _selector(catalog: Catalog, overrides: tuple[tuple[str, str], ...]) -> str:
    return selector_for(catalog.service.selector, overrides)


def selector_text(catalog: Catalog, dashboard: Dashboard) -> str:
    """What `$selector` expands to in this dashboard's queries."""
    return _selector(catalog, selected_labels(dashboard.variables))


def templating(catalog: Catalog, dashboard: Dashboard) -> list[dict]:
    out = []
    if not any(isinstance(v, DatasourceVariable) for v in dashboard.variables):
        out.append(_render(DatasourceVariable(DEFAULT_DATASOURCE_VAR, "Data source"), catalog, dashboard, ""))
    for index, variable in enumerate(dashboard.variables):
        before = selected_labels(dashboard.variables[:index])
        out.append(_render(variable, catalog, dashboard, _selector(catalog, before)))
    return out


def _base(variable: Variable, kind: str, title: str) -> dict:
    return {"type": kind, "name": variable.name, "label": title or variable.name, "hide": 0,
            "skipUrlSync": False}


def _options(values: tuple[str, ...], current: str) -> list[dict]:
    return [{"selected": v == current, "text": v, "value": v} for v in values]


@singledispatch
def _render(variable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    raise TypeError(f"no renderer for {type(variable).__name__}")


@_render.register
def _(variable: DatasourceVariable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    uid = catalog.service.datasource_uid
    return {**_base(variable, "datasource", variable.title), "query": catalog.service.datasource_type,
            "refresh": 1, "regex": variable.regex, "current": {"selected": False, "text": uid, "value": uid},
            "options": [], "includeAll": False, "multi": False}


@_render.register
def _(variable: QueryVariable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    query = f"label_values({variable.metric}{{{selector}}}, {variable.label})"
    out = {**_base(variable, "query", variable.title), "datasource": datasource_ref(catalog, dashboard),
           "definition": query, "query": query, "refresh": 2, "regex": "", "sort": 1, "options": [],
           "multi": variable.multi, "includeAll": variable.include_all}
    if variable.include_all:  # start on All; without it Grafana picks the first value it finds
        out["allValue"] = ".*"
        out["current"] = {"selected": True, "text": "All", "value": "$__all"}
    return out


@_render.register
def _(variable: CustomVariable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    first = variable.values[0]
    out = {**_base(variable, "custom", variable.title), "query": ",".join(variable.values),
           "current": {"selected": False, "text": first, "value": first}, "options": _options(variable.values, first),
           "multi": variable.multi, "includeAll": variable.include_all}
    if variable.include_all:
        out["allValue"] = ".*"
    return out


@_render.register
def _(variable: IntervalVariable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    first = variable.values[0]
    return {**_base(variable, "interval", variable.title), "query": ",".join(variable.values), "auto": False,
            "auto_count": 30, "auto_min": "10s", "refresh": 2,
            "current": {"selected": False, "text": first, "value": first}, "options": _options(variable.values, first)}


@_render.register
def _(variable: ConstantVariable, catalog: Catalog, dashboard: Dashboard, selector: str) -> dict:
    return {**_base(variable, "constant", ""), "hide": 2, "query": variable.value,
            "current": {"selected": False, "text": variable.value, "value": variable.value},
            "options": [{"selected": True, "text": variable.value, "value": variable.value}]}
