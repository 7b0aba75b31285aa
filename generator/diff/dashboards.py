"""Dashboards before and after -> dashboards and panels added, removed or changed.

A dashboard is identified by its file and uid (title when it has none), and shown as
`Title (uid)`; a panel by its title within the dashboard ("#2" for a repeated title, "<type>
panel <id>" when untitled). Row panels only group: a panel moved to another row shows as a `row`
change. Compared per panel: type, datasource, unit, thresholds, and per query (by refId) its
text, `legendFormat` and datasource. Per dashboard: title, tags and every templating variable
(`variable <name>`: type, datasource, query, regex, multi, include all, custom all value, hide,
refresh). Current (fieldConfig) and legacy (graph `yaxes`, singlestat `format`/`thresholds`,
schema < 16 `rows`) panels are both read.
"""
from __future__ import annotations

from generator.diff.changes import ADDED, CHANGED, REMOVED, ItemChange, field_changes
from generator.diff.documents import DashboardDoc
from generator.diff.rules import one_line
from generator.diff.thresholds import normalized
from generator.diff.token_diff import excerpts
from generator.diff.token_fallback import one_line as query_line

_QUERY_KEYS = ("expr", "query", "rawSql", "target", "rawQuery", "queryText")


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def field_defaults(panel: dict) -> dict:
    """`fieldConfig.defaults`, or {} when either is missing or not an object."""
    config = panel.get("fieldConfig")
    defaults = config.get("defaults") if isinstance(config, dict) else None
    return defaults if isinstance(defaults, dict) else {}


def panel_unit(panel: dict) -> str:
    unit = field_defaults(panel).get("unit")
    if unit:
        return str(unit)
    if panel.get("format"):
        return str(panel["format"])
    yaxes = panel.get("yaxes")
    if isinstance(yaxes, list) and yaxes and isinstance(yaxes[0], dict) and yaxes[0].get("format"):
        return str(yaxes[0]["format"])
    return ""


def panel_thresholds(panel: dict) -> str:
    """Thresholds as one line: `green, red from 0.5` (steps) or `gt 80 critical` (legacy graph)."""
    config = field_defaults(panel).get("thresholds")
    if isinstance(config, dict) and isinstance(config.get("steps"), list):
        parts = []
        for step in config["steps"]:
            if not isinstance(step, dict):
                continue
            color = step.get("color", "?")
            parts.append(str(color) if step.get("value") is None else f"{color} from {_number(step['value'])}")
        text = ", ".join(parts)
        mode = config.get("mode", "absolute")
        return text if mode == "absolute" else f"{mode}: {text}"
    legacy = panel.get("thresholds")
    if isinstance(legacy, str):
        return legacy
    if isinstance(legacy, list):
        return ", ".join(f"{t.get('op', 'gt')} {_number(t.get('value'))} {t.get('colorMode', '')}".strip()
                         for t in legacy if isinstance(t, dict))
    return ""


def datasource(value) -> str:
    """A datasource reference as one line: `uid (type)`, a name, or a variable such as `${DS}`."""
    if isinstance(value, dict):
        uid, kind = value.get("uid"), value.get("type")
        if uid is None and kind is None:
            return ""
        return f"{uid} ({kind})" if uid is not None and kind is not None else str(uid if uid is not None else kind)
    return "" if value is None else one_line(value)


def panel_queries(panel: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for index, target in enumerate(panel.get("targets") or []):
        if not isinstance(target, dict):
            continue
        ref = str(target.get("refId") or chr(ord("A") + index % 26))
        text = next((target[k] for k in _QUERY_KEYS if isinstance(target.get(k), str)), "")
        out[f"query {ref}"] = query_line(text) + (" (hidden)" if target.get("hide") else "")
        if target.get("legendFormat"):
            out[f"legend {ref}"] = str(target["legendFormat"])
        source = datasource(target.get("datasource"))
        if source and source != datasource(panel.get("datasource")):
            out[f"datasource {ref}"] = source
    return out


def panel_fields(panel: dict, row: str) -> dict[str, str]:
    out = {"type": str(panel.get("type", ""))}
    if row:
        out["row"] = row
    if datasource(panel.get("datasource")):
        out["datasource"] = datasource(panel.get("datasource"))
    for name, value in (("unit", panel_unit(panel)), ("thresholds", panel_thresholds(panel))):
        if value:
            out[name] = value
    out.update(panel_queries(panel))
    return out


def _panels(dashboard: dict) -> list[tuple[dict, str]]:
    """Every non-row panel with the title of the row it sits in, in dashboard order."""
    out: list[tuple[dict, str]] = []
    row = ""
    for panel in dashboard.get("panels") or []:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            row = str(panel.get("title", ""))
            out.extend((p, row) for p in panel.get("panels") or [] if isinstance(p, dict))
        else:
            out.append((panel, row))
    for legacy_row in dashboard.get("rows") or []:
        if isinstance(legacy_row, dict):
            title = str(legacy_row.get("title", ""))
            out.extend((p, title) for p in legacy_row.get("panels") or [] if isinstance(p, dict))
    return out


def keyed_panels(dashboard: dict) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for panel, row in _panels(dashboard):
        title = str(panel.get("title") or f"{panel.get('type', 'untitled')} panel {panel.get('id', '?')}")
        seen[title] = n = seen.get(title, 0) + 1
        out[title if n == 1 else f"{title} #{n}"] = panel_fields(panel, row)
    return out


_VARIABLE_KEYS = ("type", "datasource", "query", "regex", "multi", "includeAll", "allValue", "hide", "refresh")


def _variable_value(key: str, value) -> str:
    if key == "datasource":
        return datasource(value)
    if key == "query" and isinstance(value, dict):  # newer Grafana: {"query": "...", "refId": ...}
        value = value.get("query", "")
    if isinstance(value, bool):
        return "yes" if value else ""
    if value is None or value == 0:  # hide: 0, refresh: 0 are the defaults
        return ""
    return query_line(str(value))


def variable_fields(data: dict) -> dict[str, str]:
    """`variable <name>` fields of the templating list, one per setting that a reviewer cares
    about; what Grafana saves on its own (current value, options of a query variable) is left out."""
    out: dict[str, str] = {}
    templating = data.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    seen: dict[str, int] = {}
    for index, variable in enumerate(variables if isinstance(variables, list) else []):
        if not isinstance(variable, dict):
            continue
        name = str(variable.get("name") or f"[{index}]")  # a nameless one, by its place in the list
        seen[name] = n = seen.get(name, 0) + 1
        label = f"variable {name}" if n == 1 else f"variable {name} #{n}"
        values = {k: _variable_value(k, variable.get(k)) for k in _VARIABLE_KEYS}
        out[label] = ", ".join(f"{k}: {v}" if k != "type" else v for k, v in values.items() if v) or "(empty)"
    return out


def _dashboard_fields(data: dict) -> dict[str, str]:
    out = {"title": str(data.get("title", ""))}
    tags = data.get("tags")
    if isinstance(tags, list) and tags:
        out["tags"] = ", ".join(sorted(str(t) for t in tags))
    out.update(variable_fields(data))
    return out


def label(old: DashboardDoc | None, new: DashboardDoc | None) -> str:
    """`Title (uid)`, from the after side when there is one; the key alone when it is the title."""
    doc = new if new is not None else old
    title, key = str(doc.data.get("title") or ""), doc.key
    return f"{title} ({key})" if title and title != key else key


def _excerpts(fields) -> tuple:
    out = []
    for f in fields:
        found = None
        if f.field.startswith("query ") and f.before is not None and f.after is not None:
            found = excerpts(f.before, f.after)
        out.append(f if found is None else type(f)(f.field, f.before, f.after, found))
    return tuple(out)


def _same_queries(old: dict[str, str], new: dict[str, str]) -> None:
    """Queries that differ only in layout are equal: drop them from both sides."""
    for key in [k for k in old if k.startswith("query ") and k in new]:
        if old[key] == new[key] or normalized(old[key], grafana=True) == normalized(new[key], grafana=True):
            del old[key], new[key]


def diff_dashboards(before: list[DashboardDoc], after: list[DashboardDoc]) -> list[ItemChange]:
    old_all = {(d.file, d.key): d for d in before}
    new_all = {(d.file, d.key): d for d in after}
    changes: list[ItemChange] = []
    for key in sorted(set(old_all) | set(new_all)):
        file = key[0]
        old, new = old_all.get(key), new_all.get(key)
        uid = label(old, new)
        if old is None:
            changes.append(ItemChange("dashboard", uid, ADDED, file, uid, field_changes({}, _dashboard_fields(new.data))))
        elif new is None:
            changes.append(ItemChange("dashboard", uid, REMOVED, file, uid))
            continue
        else:
            fields = field_changes(_dashboard_fields(old.data), _dashboard_fields(new.data))
            if fields:
                changes.append(ItemChange("dashboard", uid, CHANGED, file, uid, fields))
        old_panels = keyed_panels(old.data) if old else {}
        new_panels = keyed_panels(new.data)
        for title in sorted(set(old_panels) | set(new_panels)):
            if title not in old_panels:
                changes.append(ItemChange("panel", title, ADDED, file, uid, field_changes({}, new_panels[title])))
            elif title not in new_panels:
                changes.append(ItemChange("panel", title, REMOVED, file, uid))
            else:
                a, b = dict(old_panels[title]), dict(new_panels[title])
                _same_queries(a, b)
                fields = _excerpts(field_changes(a, b))
                if fields:
                    changes.append(ItemChange("panel", title, CHANGED, file, uid, fields))
    return changes
