"""A dashboard's `variables:` -> typed template variables, with located problems.

The schema has checked each field's shape; here come the rules that span fields: which fields
apply to which type, unique names, one datasource variable, one variable per selected label, and
interval values that are durations.
"""
from __future__ import annotations

from typing import Callable

from generator.model import (
    ConstantVariable, CustomVariable, DatasourceVariable, IntervalVariable, QueryVariable, Variable,
)

RESERVED = ("selector",)  # `$selector` is the catalog's own placeholder
COMMON = {"name", "type", "title"}
FIELDS = {
    "datasource": COMMON | {"regex"},
    "query": COMMON | {"label", "metric", "selects", "multi", "include_all"},
    "custom": COMMON | {"values", "label", "multi", "include_all"},
    "interval": COMMON | {"values"},
    "constant": COMMON | {"value"},
}


def dashboard_variables(items: list[dict], at: str, problem: Callable[[str, str], None],
                        duration: Callable[..., float]) -> tuple[Variable, ...]:
    out: list[Variable] = []
    seen_names: dict[str, int] = {}
    seen_labels: dict[str, str] = {}
    for i, v in enumerate(items):
        path = f"{at}.variables[{i}]"
        name, kind = v["name"], v["type"]
        for extra in sorted(set(v) - FIELDS[kind]):
            problem(f"{path}.{extra}", f"field {extra!r} does not apply to a {kind} variable "
                                       f"(allowed: {', '.join(sorted(FIELDS[kind]))})")
        if name in RESERVED or name.startswith("__"):
            problem(f"{path}.name", f"{name!r} is reserved (the catalog's $selector or a Grafana built-in)")
        if name in seen_names:
            problem(f"{path}.name", f"duplicate variable name {name!r} (also {at}.variables[{seen_names[name]}])")
        seen_names.setdefault(name, i)
        variable = _variable(v, path, problem, duration)
        label = _selected_label(variable)
        if label:
            if label in seen_labels:
                problem(f"{path}.label", f"label {label!r} is already selected by variable ${seen_labels[label]}")
            seen_labels.setdefault(label, name)
        out.append(variable)
    datasources = [i for i, v in enumerate(out) if isinstance(v, DatasourceVariable)]
    for i in datasources[1:]:
        problem(f"{at}.variables[{i}].type", "a dashboard has at most one datasource variable")
    return tuple(out)


def _variable(v: dict, path: str, problem, duration) -> Variable:
    name, title, kind = v["name"], v.get("title", ""), v["type"]
    if kind == "datasource":
        return DatasourceVariable(name, title, v.get("regex", ""))
    if kind == "query":
        return QueryVariable(name, v["label"], v.get("metric", "up"), title, bool(v.get("multi", False)),
                             bool(v.get("include_all", False)), bool(v.get("selects", True)))
    if kind == "custom":
        values = tuple(v["values"])
        _unique_values(values, path, problem)
        return CustomVariable(name, values, title, v.get("label", ""), bool(v.get("multi", False)),
                              bool(v.get("include_all", False)))
    if kind == "interval":
        values = tuple(v["values"])
        _unique_values(values, path, problem)
        for j, value in enumerate(values):
            duration(value, f"{path}.values[{j}]", positive=True)
        return IntervalVariable(name, values, title)
    return ConstantVariable(name, v["value"])


def _unique_values(values: tuple[str, ...], path: str, problem) -> None:
    for j, value in enumerate(values):
        if value in values[:j]:
            problem(f"{path}.values[{j}]", f"duplicate value {value!r}")
        if "," in value:
            problem(f"{path}.values[{j}]", f"{value!r}: a value must not contain a comma (Grafana splits on it)")


def _selected_label(variable: Variable) -> str:
    if isinstance(variable, QueryVariable) and variable.selects:
        return variable.label
    if isinstance(variable, CustomVariable):
        return variable.label
    return ""


def selected_labels(variables: tuple[Variable, ...]) -> tuple[tuple[str, str], ...]:
    """(label, variable name) of every variable that narrows the dashboard's selector."""
    return tuple((label, v.name) for v in variables if (label := _selected_label(v)))
