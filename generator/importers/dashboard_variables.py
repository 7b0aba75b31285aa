"""A dashboard's `templating.list` -> catalog `variables:`, and the selector the variables imply.

The reverse of `generator/renderers/dashboard_variables.py`: datasource, query
(`label_values(<metric>{<selector>}, <label>)`), custom, interval and constant variables. A
variable selects its label (joins `$selector`) when the dashboard's queries match that label with
`label=~"$name"`, as generated queries do. The first query variable's selector, without matchers
on variables, is the service's selector. What the catalog cannot express (other types, a regex on
a query variable, an All value other than `.*`, an automatic interval) is reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.importers import ImportResult
from generator.importers.located_json import line_of
from generator.renderers.dashboard_variables import DEFAULT_DATASOURCE_VAR

_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*"
                           r"(?:\{(?P<selector>[^}]*)\})?\s*,\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")
_EQUAL = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')


@dataclass
class ImportedVariables:
    variables: list[dict] = field(default_factory=list)
    selected: list[tuple[str, str]] = field(default_factory=list)  # (label, variable), in order
    service_selector: list[tuple[str, str]] | None = None  # from the first query variable


def _query_text(variable: dict) -> str:
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    if not isinstance(query, str) or not query:
        query = variable.get("definition")
    return query if isinstance(query, str) else ""


def _selects(label: str, name: str, queries: list[str]) -> bool:
    pattern = re.compile(rf'(?<![\w]){re.escape(label)}\s*=~\s*"\$(?:{re.escape(name)}\b|\{{{re.escape(name)}\}})')
    return any(pattern.search(q) for q in queries)


def _selected_label(name: str, queries: list[str]) -> str:
    """The label a custom variable selects: the one matched with `=~"$name"` in the queries."""
    found = {m.group(1) for q in queries
             for m in re.finditer(rf'([a-zA-Z_][a-zA-Z0-9_]*)\s*=~\s*"\$(?:{re.escape(name)}\b|\{{{re.escape(name)}\}})', q)}
    return sorted(found)[0] if len(found) == 1 else ""


def _equal_matchers(selector: str) -> list[tuple[str, str]] | None:
    """The `label="value"` matchers of a selector text, or None when it has others (except ones on variables)."""
    out = []
    for part in [p for p in selector.split(",") if p.strip()]:
        if "$" in part:
            continue
        match = _EQUAL.match(part)
        if match is None:
            return None
        out.append((match.group(1), match.group(2)))
    return out


def import_variables(path: str, dashboard: dict, queries: list[str], result: ImportResult) -> ImportedVariables:
    out = ImportedVariables()
    templating = dashboard.get("templating")
    items = templating.get("list") if isinstance(templating, dict) else None
    for index, variable in enumerate(items if isinstance(items, list) else []):
        if not isinstance(variable, dict):
            continue
        line = line_of(variable, line_of(dashboard))
        name, kind = str(variable.get("name") or ""), variable.get("type")
        title = variable.get("label") if isinstance(variable.get("label"), str) else ""

        def warn(message: str) -> None:
            result.warn(path, line, f"template variable ${name} ({kind}): {message}")

        if not re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", name) or name == "selector" or name.startswith("__"):
            warn("its name cannot be a catalog variable name; left out (queries keep the reference)")
            continue
        entry: dict = {"name": name, "type": kind}
        if kind == "datasource":
            regex = str(variable.get("regex") or "")
            if index == 0 and name == DEFAULT_DATASOURCE_VAR and not regex and title in ("", "Data source"):
                continue  # the generator adds this one first by itself
            if title and title != name:
                entry["title"] = title
            if regex:
                entry["regex"] = regex
        elif kind == "query":
            match = _LABEL_VALUES.match(_query_text(variable))
            if match is None:
                warn("only label_values(<metric>{...}, <label>) queries can be expressed; left out "
                     "(queries keep the reference)")
                continue
            entry["label"] = match["label"]
            if match["metric"] != "up":
                entry["metric"] = match["metric"]
            if out.service_selector is None:
                out.service_selector = _equal_matchers(match["selector"] or "")
            _common_options(variable, entry, title, warn)
            if variable.get("regex"):
                warn(f"regex {variable['regex']!r} cannot be expressed; left out")
            if _selects(match["label"], name, queries):
                out.selected.append((match["label"], name))
            else:
                entry["selects"] = False
        elif kind == "custom":
            values = [v.strip() for v in _query_text(variable).split(",") if v.strip()]
            if not values:
                warn("it has no values; left out")
                continue
            entry["values"] = values
            label = _selected_label(name, queries)
            if label:
                entry["label"] = label
                out.selected.append((label, name))
            _common_options(variable, entry, title, warn)
        elif kind == "interval":
            values = [v.strip() for v in _query_text(variable).split(",") if v.strip()]
            if not values:
                warn("it has no values; left out")
                continue
            entry["values"] = values
            if title and title != name:
                entry["title"] = title
            if variable.get("auto"):
                warn("the automatic interval option cannot be expressed; left out")
        elif kind == "constant":
            value = _query_text(variable)
            if not value:
                warn("it has no value; left out")
                continue
            entry["value"] = value
        else:
            warn("cannot be expressed in the catalog (datasource, query, custom, interval, constant); "
                 "queries that use it keep the reference")
            continue
        out.variables.append(entry)
    return out


def _common_options(variable: dict, entry: dict, title: str, warn) -> None:
    if title and title != entry["name"]:
        entry["title"] = title
    if variable.get("multi"):
        entry["multi"] = True
    if variable.get("includeAll"):
        entry["include_all"] = True
        if variable.get("allValue") not in (None, "", ".*"):
            warn(f"All value {variable['allValue']!r} becomes '.*'")
