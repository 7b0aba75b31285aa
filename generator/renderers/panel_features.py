"""A panel's typed features -> its Grafana JSON: overrides, value mappings, legend, stacking,
transformations, links and repeat, applied to the panel its kind's builder made.

Every value is written in the shape Grafana's official dashboard schema accepts: override
properties with object values (a fixed colour, hideFrom, lineStyle), a `byNames` matcher (its
options an object), and links as full DashboardLink objects.
"""
from __future__ import annotations

from generator.catalog.panel_features import CALC_TITLES
from generator.model.dashboard_features import (
    Legend, Limit, Link, Organize, Override, PanelFeatures, SortBy, ValueMapping,
)

_DASHES = {"dash": [10, 10], "dot": [0, 10]}


def link_json(link: Link) -> dict:
    return {"title": link.title, "type": "link", "url": link.url, "icon": "external link", "tooltip": "",
            "tags": [], "asDropdown": False, "targetBlank": link.new_tab, "includeVars": link.include_vars,
            "keepTime": link.keep_time}


def override_json(override: Override) -> dict:
    properties = []
    if override.color:
        properties.append({"id": "color", "value": {"mode": "fixed", "fixedColor": override.color}})
    if override.hidden:
        properties.append({"id": "custom.hideFrom", "value": {"legend": True, "tooltip": True, "viz": True}})
    if override.line_style:
        properties.append({"id": "custom.lineStyle", "value": {"fill": override.line_style,
                                                               "dash": _DASHES[override.line_style]}})
    return {"matcher": {"id": "byNames", "options": {"mode": "include", "names": list(override.fields),
                                                     "prefix": "", "readOnly": False}},
            "properties": properties}


def _result(mapping: ValueMapping, index: int) -> dict:
    out: dict = {"index": index}
    if mapping.text:
        out["text"] = mapping.text
    if mapping.color:
        out["color"] = mapping.color
    return out


def mappings_json(mappings: tuple[ValueMapping, ...]) -> list[dict]:
    """Grafana groups exact values in one `value` mapping; ranges, regexes and specials are one each."""
    out: list[dict] = []
    values: dict = {}
    for index, m in enumerate(mappings):
        if m.kind == "value":
            if not values:
                values = {}
                out.append({"type": "value", "options": values})
            values[m.match] = _result(m, index)
        elif m.kind == "range":
            out.append({"type": "range", "options": {"from": m.low, "to": m.high, "result": _result(m, index)}})
        elif m.kind == "regex":
            out.append({"type": "regex", "options": {"pattern": m.match, "result": _result(m, index)}})
        else:
            out.append({"type": "special", "options": {"match": m.match, "result": _result(m, index)}})
    return out


def legend_json(legend: Legend) -> dict:
    out = {"showLegend": legend.show, "displayMode": legend.mode, "placement": legend.placement,
           "calcs": list(legend.calcs)}
    if legend.sort_by:
        out["sortBy"] = CALC_TITLES[legend.sort_by]
        out["sortDesc"] = legend.sort_desc
    return out


def transformation_json(t) -> dict:
    if isinstance(t, SortBy):
        return {"id": "sortBy", "options": {"fields": {}, "sort": [{"field": t.field, "desc": t.desc}]}}
    if isinstance(t, Limit):
        return {"id": "limit", "options": {"limitField": t.count}}
    assert isinstance(t, Organize)
    return {"id": "organize", "options": {
        "excludeByName": {name: True for name in t.exclude},
        "indexByName": {name: i for i, name in enumerate(t.order)},
        "renameByName": dict(t.rename)}}


def apply_features(panel: dict, features: PanelFeatures) -> dict:
    """`panel` (a kind builder's JSON) with the features set; a feature left unset changes nothing."""
    config = panel.get("fieldConfig")
    if config is not None:
        config.setdefault("overrides", [])
        config["overrides"] = config["overrides"] + [override_json(o) for o in features.overrides]
        if features.mappings:
            config.setdefault("defaults", {})["mappings"] = mappings_json(features.mappings)
    if features.legend is not None:
        panel["options"]["legend"] = legend_json(features.legend)
    if features.transformations:
        panel["transformations"] = panel.get("transformations", []) + [transformation_json(t)
                                                                       for t in features.transformations]
    panel["links"] = [link_json(link) for link in features.links]
    if features.repeat is not None:
        panel["repeat"] = features.repeat.variable
        panel["repeatDirection"] = features.repeat.direction
        if features.repeat.max_per_row is not None:
            panel["maxPerRow"] = features.repeat.max_per_row
    return panel
