"""Dashboards before and after -> dashboards and panels added, removed or changed.

A dashboard is identified by its file and uid (title when it has none), and shown as
`Title (uid)`; a panel by its title within the dashboard ("#2" for a repeated title, "<type>
panel <id>" when untitled). Row panels only group: a panel moved to another row shows as a `row`
change. Compared per panel: type, datasource, unit, thresholds, min and max, description, a text
panel's content, and per query (by refId) its text, `legendFormat`, `instant`, `format` and
datasource. Per dashboard: title, description, tags and every templating variable
(`variable <name>`: type, datasource, query, regex, multi, include all, custom all value, hide,
refresh). Current (fieldConfig) and legacy (graph `yaxes`, singlestat `format`/`thresholds`,
schema < 16 `rows`) panels are both read. The dashboard features (legend, stacking, overrides,
mappings, links, repeat, transformations, a legacy graph's series overrides and colours, collapsed
and repeated rows, time range, refresh, time zone) are
fields too (`dashboard_features`), and annotations are items of their own, like panels.
"""
from __future__ import annotations

import re

from generator.diff import dashboard_features as features
from generator.diff.annotations import annotation_query, annotation_settings, annotations
from generator.diff.changes import ADDED, CHANGED, REMOVED, FieldChange, ItemChange, field_changes
from generator.diff.documents import DashboardDoc
from generator.diff.rows import repeat_copy
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


def text_value(text) -> str:
    """Free text (a description, a text panel's markdown) on one line: spaces inside a line folded,
    line breaks kept as `\\n` and indentation kept (in markdown they start a paragraph, a list item,
    a nested list or a code block), blank edges dropped."""
    lines = str(text).strip("\n").rstrip().splitlines()
    return "\\n".join(line[:len(line) - len(line.lstrip())] + " ".join(line.split()) for line in lines)


def _texts(panel: dict) -> dict[str, str]:
    """`description`, and a text panel's `content` (`options.content`; top level before Grafana 7)."""
    out = {}
    content = features.as_dict(panel.get("options")).get("content", panel.get("content"))
    for name, value in (("description", panel.get("description")), ("content", content)):
        if isinstance(value, str) and value.strip():
            out[name] = text_value(value)
    return out


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
        if target.get("instant") is True:
            out[f"instant {ref}"] = "yes"
        if target.get("format") not in (None, "", "time_series"):
            out[f"format {ref}"] = one_line(target["format"])
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
    for bound in ("min", "max"):  # the scale of a gauge, bar gauge or axis
        value = field_defaults(panel).get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[bound] = _number(value)
    out.update(_texts(panel))
    out.update(features.panel_feature_fields(panel))
    out.update(panel_queries(panel))
    return out


def _panels(dashboard: dict) -> list[tuple[dict, str]]:
    """Every non-row panel with the title of the row it sits in, in dashboard order. Copies Grafana
    made of a repeated panel or row (`repeat_copy`) are not panels of their own: neither
    the copied row nor the panels under it count."""
    out: list[tuple[dict, str]] = []
    row, in_copy = "", False
    for panel in features.as_list(dashboard.get("panels")):
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            in_copy = repeat_copy(panel)
            if in_copy:
                continue
            row = str(panel.get("title", ""))
            inner = f"{row} (collapsed)" if panel.get("collapsed") is True else row
            out.extend((p, inner) for p in features.as_list(panel.get("panels")) if isinstance(p, dict))
        elif not in_copy:
            out.append((panel, row))
    for legacy_row in features.as_list(dashboard.get("rows")):
        if isinstance(legacy_row, dict) and not repeat_copy(legacy_row):
            title = str(legacy_row.get("title", ""))
            title = f"{title} (collapsed)" if legacy_row.get("collapse") is True else title
            out.extend((p, title) for p in features.as_list(legacy_row.get("panels")) if isinstance(p, dict))
    return [(p, r) for p, r in out if not repeat_copy(p)]


def keyed_panels(dashboard: dict) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for panel, row in _panels(dashboard):
        title = str(panel.get("title") or f"{panel.get('type', 'untitled')} panel {panel.get('id', '?')}")
        seen[title] = n = seen.get(title, 0) + 1
        out[title if n == 1 else f"{title} #{n}"] = panel_fields(panel, row)
    return out


_VARIABLE_KEYS = ("type", "datasource", "query", "regex", "multi", "includeAll", "allValue", "hide", "refresh",
                  "label", "description", "sort", "auto", "auto_count", "auto_min")


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
        if values["label"] == str(variable.get("name") or ""):  # the name is the label by default
            values["label"] = ""
        if not values["auto"]:  # count and minimum of an auto interval, only when it is on
            values["auto_count"] = values["auto_min"] = ""
        if variable.get("type") == "custom" and values["query"]:  # Grafana trims each value
            values["query"] = ",".join(v.strip() for v in values["query"].split(","))
        out[label] = ", ".join(f"{k}: {v}" if k != "type" else v for k, v in values.items() if v) or "(empty)"
    return out


# the note obsgen appends to a generated dashboard's description (renderers/dashboards.py): it names
# the catalog file, which a moved or renamed catalog changes, and says nothing the author wrote
_PROVENANCE = re.compile(r"\s*Generated by obsgen from .+?; do not edit, change the catalog\.\s*$")


def _dashboard_fields(data: dict) -> dict[str, str]:
    out = {"title": str(data.get("title", ""))}
    description = _PROVENANCE.sub("", data["description"]) if isinstance(data.get("description"), str) else ""
    if description.strip():
        out["description"] = text_value(description)
    tags = data.get("tags")
    if isinstance(tags, list) and tags:
        out["tags"] = ", ".join(sorted(str(t) for t in tags))
    out.update(variable_fields(data))
    out.update(features.dashboard_feature_fields(data))
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
        if (f.field == "query" or f.field.startswith("query ")) and f.before is not None and f.after is not None:
            found = excerpts(f.before, f.after)
        out.append(f if found is None else type(f)(f.field, f.before, f.after, found))
    return tuple(out)


def _same_queries(old: dict[str, str], new: dict[str, str]) -> None:
    """Queries that differ only in layout are equal: drop them from both sides."""
    for key in [k for k in old if (k == "query" or k.startswith("query ")) and k in new]:
        if old[key] == new[key] or normalized(old[key], grafana=True) == normalized(new[key], grafana=True):
            del old[key], new[key]


def _dashboard_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    a, b = _dashboard_fields(old), _dashboard_fields(new)
    rows = features.row_fields(features.row_states(old), features.row_states(new))
    a.update(rows[0])
    b.update(rows[1])
    return features.with_defaults(field_changes(a, b))


def _added_dashboard_fields(data: dict) -> tuple[FieldChange, ...]:
    rows = {k: v for k, v in features.row_states(data).items() if v == "collapsed"}
    return field_changes({}, {**_dashboard_fields(data), **rows})


def annotation_items(data: dict) -> dict[str, dict[str, str]]:
    """Annotation name -> its fields: `query` first, then the settings that are not at their default."""
    out = {}
    for name, annotation in annotations(data):
        fields = {"query": query_line(annotation_query(annotation))} if annotation_query(annotation) else {}
        fields.update(annotation_settings(annotation, datasource))
        out[name] = fields
    return out


def _items(kind: str, file: str, uid: str, old: dict[str, dict[str, str]], new: dict[str, dict[str, str]],
           collapsed_rows: set[str]) -> list[ItemChange]:
    """Panels or annotations of one dashboard added, removed or changed."""
    changes = []
    for title in sorted(set(old) | set(new)):
        if title not in old:
            changes.append(ItemChange(kind, title, ADDED, file, uid, field_changes({}, new[title])))
        elif title not in new:
            changes.append(ItemChange(kind, title, REMOVED, file, uid))
        else:
            a, b = dict(old[title]), dict(new[title])
            _same_queries(a, b)
            order = [k for k in a if k.startswith("transformation ")]
            steps = features.transformation_changes([a.pop(k) for k in order],
                                                    [b.pop(k) for k in [k for k in b if k.startswith("transformation ")]])
            fields = [f for f in features.with_defaults(_excerpts(field_changes(a, b)))
                      if not _collapse_only(f, collapsed_rows)] + steps
            if fields:
                changes.append(ItemChange(kind, title, CHANGED, file, uid, tuple(fields)))
    return changes


def _collapse_only(f: FieldChange, collapsed_rows: set[str]) -> bool:
    """A panel's `row` that changed only because its row was opened or collapsed (the dashboard's
    own `row <title>` field says so, once)."""
    if f.field != "row" or f.before is None or f.after is None:
        return False
    before, after = (v.removesuffix(" (collapsed)") for v in (f.before, f.after))
    return before == after and f"row {after}" in collapsed_rows


def diff_dashboards(before: list[DashboardDoc], after: list[DashboardDoc]) -> list[ItemChange]:
    old_all = {(d.file, d.key): d for d in before}
    new_all = {(d.file, d.key): d for d in after}
    changes: list[ItemChange] = []
    for key in sorted(set(old_all) | set(new_all)):
        file = key[0]
        old, new = old_all.get(key), new_all.get(key)
        uid = label(old, new)
        if old is None:
            changes.append(ItemChange("dashboard", uid, ADDED, file, uid, _added_dashboard_fields(new.data)))
        elif new is None:
            changes.append(ItemChange("dashboard", uid, REMOVED, file, uid))
            continue
        fields = _dashboard_changes(old.data, new.data) if old is not None else ()
        if fields:
            changes.append(ItemChange("dashboard", uid, CHANGED, file, uid, fields))
        collapsed = {f.field for f in fields if f.field.startswith("row ")}
        changes += _items("annotation", file, uid, annotation_items(old.data) if old else {},
                          annotation_items(new.data), collapsed)
        changes += _items("panel", file, uid, keyed_panels(old.data) if old else {}, keyed_panels(new.data), collapsed)
    return changes
