"""The dashboard features a reviewer reads, as one-line fields: panel links, field overrides, value
mappings, legend, stacking, repeat, table transformations, a legacy graph's series overrides and
colours; dashboard links, time range, refresh, time zone, collapsed and repeated rows. Annotations,
items of their own, are read by `generator.diff.annotations`.

Decided per field (docs/review.md, "What is compared"):
- a list whose order means nothing is keyed by what identifies an item (a link by its title, an
  override by its matcher, a mapping by what it matches), so reordering equal items is no change;
  override properties, legend calcs, `byNames` names and annotation tag labels are sets;
- transformations are a pipeline: their order counts (`transformation_changes`);
- a default made explicit is no change: fields at Grafana's default are left out, and a field
  left out on one side shows its default there (`DEFAULTS`), so `legend placement: bottom -> right`;
- odd JSON values (a string where an object or a list belongs) read as absent, never crash.
"""
from __future__ import annotations

from difflib import SequenceMatcher

from generator.diff.changes import FieldChange
from generator.diff.rows import dashboard_rows
from generator.model import format_duration, parse_duration

DEFAULTS = {
    "stacking": "none", "legend": "shown", "legend mode": "list", "legend placement": "bottom",
    "legend calcs": "none", "legend sort": "none", "repeat direction": "h",
    "refresh": "off", "timezone": "browser", "time range": "now-6h to now",
    "enabled": "yes", "hidden": "no",
}


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compact(value) -> str:
    """Any JSON value on one line, object keys sorted: `{dash: [10, 10], fill: dash}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {compact(value[k])}" for k in sorted(value, key=str)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(compact(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return " ".join(number(value).split())


def _keyed(out: dict[str, str], key: str, value: str) -> None:
    """`out[key] = value`; a key already used gets `#2`, `#3`..."""
    name, n = key, 1
    while name in out:
        n += 1
        name = f"{key} #{n}"
    out[name] = value


# --- links (panel and dashboard) -----------------------------------------------------------------

def link_text(link: dict) -> str:
    """`https://x (new tab, keeps time, keeps variables)` or `dashboards tagged a, b (dropdown)`."""
    if link.get("type") == "dashboards":
        tags = ", ".join(sorted(str(t) for t in as_list(link.get("tags"))))
        target = f"dashboards tagged {tags}" if tags else "dashboards"
    else:
        target = str(link.get("url") or "") or "(no url)"
    flags = [name for key, name in (("asDropdown", "dropdown"), ("targetBlank", "new tab"),
                                    ("keepTime", "keeps time"), ("includeVars", "keeps variables"))
             if link.get(key) is True]
    if link.get("tooltip"):
        flags.append(f"tooltip {compact(link['tooltip'])}")
    if link.get("icon") not in (None, "", "external link"):
        flags.append(f"icon {compact(link['icon'])}")
    return target + (f" ({', '.join(flags)})" if flags else "")


def link_fields(links) -> dict[str, str]:
    out: dict[str, str] = {}
    for index, link in enumerate(as_list(links)):
        if isinstance(link, dict):
            _keyed(out, f"link {link.get('title') or f'[{index}]'}", link_text(link))
    return out


# --- panel features --------------------------------------------------------------------------------

def _matcher(matcher: dict) -> str:
    kind = str(matcher.get("id") or "?")
    options = matcher.get("options")
    if kind == "byNames" and isinstance(options, dict):
        names = ", ".join(sorted(str(n) for n in as_list(options.get("names"))))
        return f"{kind} {names}" if options.get("mode", "include") == "include" else f"{kind} all but {names}"
    return kind if options in (None, "") else f"{kind} {compact(options)}"


def _property(prop: dict) -> str:
    name, value = str(prop.get("id") or "?"), prop.get("value")
    if name == "color" and isinstance(value, dict) and value.get("mode") == "fixed":
        return f"color {compact(value.get('fixedColor'))}"
    if name == "custom.hideFrom" and isinstance(value, dict):
        hidden = [k for k in sorted(value) if value[k] is True]
        return f"hidden from {', '.join(hidden) or 'nothing'}"
    return f"{name} {compact(value)}"


def override_fields(config: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for override in as_list(config.get("overrides")):
        if not isinstance(override, dict):
            continue
        properties = sorted(_property(p) for p in as_list(override.get("properties")) if isinstance(p, dict))
        _keyed(out, f"override {_matcher(as_dict(override.get('matcher')))}", "; ".join(properties) or "(nothing)")
    return out


def series_override_fields(panel: dict) -> dict[str, str]:
    """A legacy graph's `seriesOverrides`, one field per item keyed by its `alias` (a series name or a
    `/regex/`), its settings sorted: `color #F2495C; lines false; yaxis 2`."""
    out: dict[str, str] = {}
    for index, override in enumerate(as_list(panel.get("seriesOverrides"))):
        if not isinstance(override, dict):
            continue
        alias = override.get("alias")
        name = compact(alias) if alias not in (None, "") else f"[{index}]"
        settings = sorted(f"{k} {compact(v)}" for k, v in override.items() if k != "alias")
        _keyed(out, f"series override {name}", "; ".join(settings) or "(nothing)")
    return out


def series_color_fields(panel: dict) -> dict[str, str]:
    """A legacy graph's `aliasColors` (series name -> colour), one field per series."""
    colors = as_dict(panel.get("aliasColors"))
    return {f"series color {name}": compact(colors[name]) for name in sorted(colors, key=str)}


def _result(result) -> str:
    result = as_dict(result)
    parts = [str(result["text"])] if result.get("text") not in (None, "") else []
    if result.get("color"):
        parts.append(f"({result['color']})" if parts else f"color {result['color']}")
    return " ".join(parts) or "(nothing)"


def mapping_fields(defaults: dict) -> dict[str, str]:
    """`mapping <match>`: what shows instead; `index` (the editor's order) is not compared."""
    out: dict[str, str] = {}
    for mapping in as_list(defaults.get("mappings")):
        if not isinstance(mapping, dict):
            continue
        kind, options = mapping.get("type"), as_dict(mapping.get("options"))
        if kind == "value":
            for value in sorted(options, key=str):
                _keyed(out, f"mapping {value}", _result(options[value]))
        elif kind == "range":
            low, high = options.get("from"), options.get("to")
            where = (f"{number(low)} to {number(high)}" if low is not None and high is not None
                     else f"from {number(low)}" if low is not None else f"up to {number(high)}")
            _keyed(out, f"mapping {where}", _result(options.get("result")))
        elif kind == "regex":
            _keyed(out, f"mapping regex {compact(options.get('pattern'))}", _result(options.get("result")))
        elif kind == "special":
            _keyed(out, f"mapping special {compact(options.get('match'))}", _result(options.get("result")))
        elif kind in (1, 2):  # before Grafana 7: {type: 1, value, text} or {type: 2, from, to, text}
            where = (str(mapping.get("value")) if kind == 1
                     else f"{number(mapping.get('from'))} to {number(mapping.get('to'))}")
            _keyed(out, f"mapping {where}", _result(mapping))
    return out


def _stacking(panel: dict, custom: dict) -> str:
    stacking = custom.get("stacking")
    if isinstance(stacking, dict):
        mode = str(stacking.get("mode") or "none")
        group = stacking.get("group")
        return mode if mode == "none" or group in (None, "", "A") else f"{mode} (group {group})"
    if panel.get("stack") is True:  # legacy graph
        return "percent" if panel.get("percentage") is True else "normal"
    return "none"


_LEGACY_CALCS = (("avg", "mean"), ("current", "lastNotNull"), ("max", "max"), ("min", "min"), ("total", "sum"))


def _legend(panel: dict) -> dict:
    """The legend in current Grafana's terms; a legacy graph's `legend` translated."""
    legend = as_dict(as_dict(panel.get("options")).get("legend"))
    if legend:
        return legend
    old = as_dict(panel.get("legend"))
    if not old:
        return {}
    return {"showLegend": old.get("show", True) is not False, "displayMode": "table" if old.get("alignAsTable") else "list",
            "placement": "right" if old.get("rightSide") else "bottom",
            "calcs": [new for key, new in _LEGACY_CALCS if old.get(key) is True] if old.get("values") else [],
            "sortBy": old.get("sort"), "sortDesc": old.get("sortDesc")}


def legend_fields(panel: dict) -> dict[str, str]:
    legend = _legend(panel)
    shown = (legend.get("showLegend", True) is not False and legend.get("show", True) is not False  # heatmap: `show`
             and legend.get("displayMode") != "hidden")
    values = {"legend": "shown" if shown else "hidden",
              "legend mode": str(legend.get("displayMode") or "list") if shown else "list",
              "legend placement": str(legend.get("placement") or "bottom"),
              "legend calcs": ", ".join(sorted(str(c) for c in as_list(legend.get("calcs")))) or "none"}
    if legend.get("sortBy"):
        values["legend sort"] = f"{legend['sortBy']}{', descending' if legend.get('sortDesc') is True else ''}"
    if legend.get("width") not in (None, ""):
        values["legend width"] = compact(legend["width"])
    return {k: v for k, v in values.items() if DEFAULTS.get(k) != v}


def repeat_fields(panel: dict) -> dict[str, str]:
    """`repeat` by its variable; direction and max per row only for a panel that repeats (and max
    per row only side by side): Grafana ignores them otherwise."""
    variable = panel.get("repeat")
    if not variable or not isinstance(variable, str):
        return {}
    out = {"repeat": variable}
    direction = str(panel.get("repeatDirection") or "h")
    if direction != "h":
        out["repeat direction"] = direction
    elif panel.get("maxPerRow") not in (None, ""):
        out["max per row"] = compact(panel["maxPerRow"])
    return out


def _organize(options: dict) -> str:
    parts = []
    excluded = sorted(str(k) for k, v in as_dict(options.get("excludeByName")).items() if v is True)
    if excluded:
        parts.append("exclude " + ", ".join(excluded))
    order = as_dict(options.get("indexByName"))
    if order and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in order.values()):
        parts.append("order " + ", ".join(sorted(order, key=lambda k: (order[k], str(k)))))
    elif order:
        parts.append("order " + compact(order))
    renamed = as_dict(options.get("renameByName"))
    if renamed:
        parts.append("rename " + ", ".join(f"{k} as {renamed[k]}" for k in sorted(renamed, key=str)))
    return "organize: " + ("; ".join(parts) or "nothing")


def transformation_text(t: dict) -> str:
    kind, options = str(t.get("id") or "?"), as_dict(t.get("options"))
    if kind == "organize":
        text = _organize(options)
    elif kind == "sortBy":
        text = "sort by " + ", ".join(f"{as_dict(s).get('field')}{' desc' if as_dict(s).get('desc') is True else ''}"
                                       for s in as_list(options.get("sort")))
    elif kind == "limit":
        text = f"limit {compact(options.get('limitField'))}"
    elif kind == "merge" and not options:
        text = "merge"
    else:
        text = f"{kind} {compact(t.get('options'))}" if t.get("options") not in (None, {}) else kind
    return text + (" (disabled)" if t.get("disabled") is True else "")


def transformations(panel: dict) -> list[str]:
    return [transformation_text(t) for t in as_list(panel.get("transformations")) if isinstance(t, dict)]


def transformation_fields(panel: dict) -> dict[str, str]:
    return {f"transformation {n}": text for n, text in enumerate(transformations(panel), 1)}


def transformation_changes(old: list[str], new: list[str]) -> list[FieldChange]:
    """Transformations are a pipeline, so their order counts; one inserted is one added, not every
    later one changed. Named by position after the change (before it for a removed one)."""
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1)
        for k in range(pairs):
            i, j = i1 + k, j1 + k
            before = old[i] if i < i2 else None
            after = new[j] if j < j2 else None
            out.append(FieldChange(f"transformation {(j if after is not None else i) + 1}", before, after))
    return out


def panel_feature_fields(panel: dict) -> dict[str, str]:
    """Every feature field of one panel, in review order; transformations last."""
    config = as_dict(panel.get("fieldConfig"))
    defaults = as_dict(config.get("defaults"))
    out: dict[str, str] = {}
    stacking = _stacking(panel, as_dict(defaults.get("custom")))
    if stacking != "none":
        out["stacking"] = stacking
    out.update(legend_fields(panel))
    out.update(override_fields(config))
    out.update(series_override_fields(panel))
    out.update(series_color_fields(panel))
    out.update(mapping_fields(defaults))
    out.update(link_fields(panel.get("links")))
    out.update(repeat_fields(panel))
    out.update(transformation_fields(panel))
    return out


# --- dashboard features ----------------------------------------------------------------------------

def _refresh(value) -> str:
    if value in (None, False, "") or not isinstance(value, str):
        return "off"
    try:
        seconds = parse_duration(value.strip())
    except (ValueError, OverflowError):
        return value.strip()
    return format_duration(seconds) if seconds > 0 else "off"


def dashboard_feature_fields(data: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    time = as_dict(data.get("time"))
    if time:
        span = f"{time.get('from') or 'now-6h'} to {time.get('to') or 'now'}"
        if span != DEFAULTS["time range"]:
            out["time range"] = span
    if _refresh(data.get("refresh")) != "off":
        out["refresh"] = _refresh(data.get("refresh"))
    zone = data.get("timezone")
    if isinstance(zone, str) and zone not in ("", "browser"):
        out["timezone"] = zone
    out.update(link_fields(data.get("links")))
    out.update(row_repeat_fields(data))
    return out


def row_states(data: dict) -> dict[str, str]:
    """`row <title>`: `collapsed` or `open`, for every row (current `row` panels and legacy `rows`)."""
    out: dict[str, str] = {}
    for name, _, collapsed in dashboard_rows(data):
        _keyed(out, f"row {name}", "collapsed" if collapsed else "open")
    return out


def row_repeat_fields(data: dict) -> dict[str, str]:
    """`repeat row <title>`: the variable a row is repeated for (one copy of the row and its panels
    per selected value); rows that do not repeat have none."""
    out: dict[str, str] = {}
    for name, row, _ in dashboard_rows(data):
        if isinstance(row.get("repeat"), str) and row["repeat"]:
            _keyed(out, f"repeat row {name}", row["repeat"])
    return out


def row_fields(old: dict[str, str], new: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Only rows collapsed on a side count: a row that is open on both sides (or exists on one
    side only, open) says nothing that the panels' `row` fields do not."""
    keys = {k for side in (old, new) for k, v in side.items() if v == "collapsed"}
    return ({k: v for k, v in old.items() if k in keys}, {k: v for k, v in new.items() if k in keys})


def with_defaults(changes) -> tuple[FieldChange, ...]:
    """A field left out on one side (at its default) shows that default there."""
    out = []
    for f in changes:
        default = DEFAULTS.get(f.field)
        if default is not None and (f.before is None) != (f.after is None):
            f = FieldChange(f.field, f.before if f.before is not None else default,
                            f.after if f.after is not None else default, f.excerpt)
        out.append(f)
    return tuple(out)
