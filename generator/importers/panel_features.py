"""A Grafana panel's features -> the catalog's panel fields: overrides, value mappings, legend,
stacking, table transformations, links and repeat; and links of either kind.

The reverse of `generator/renderers/panel_features.py`. Each function returns the catalog value
(None or empty when the panel has the generator's default) and reports, located at the panel's
line, what it leaves out: overrides by other matchers or setting other properties, transformations
other than sortBy, limit and organize, links the catalog cannot express.
"""
from __future__ import annotations

import re

from generator.catalog.panel_features import CALC_TITLES
from generator.importers import ImportResult

_CALC_IDS = {title: calc for calc, title in CALC_TITLES.items()}
_DASH_STYLES = ("dash", "dot")
_SPECIAL = ("null", "nan", "null+nan", "empty", "true", "false")
# the generated legend of each kind, as (show, mode, placement, calcs)
DEFAULT_LEGENDS = {"timeseries": (True, "table", "bottom", ("mean", "max", "lastNotNull")),
                   "state-timeline": (True, "list", "bottom", ()), "bargauge": (False, "list", "bottom", ())}
# what the table builder always writes before the catalog's own transformations
GENERATED_TABLE_STEPS = [{"id": "merge", "options": {}}, {"id": "organize", "options": {"excludeByName": {"Time": True}}}]
_DASHBOARD_URL = re.compile(r"^/d/([a-zA-Z0-9_-]{1,40})(?:/[^?#]*)?$")
_URL = re.compile(r"^(https?://\S+|/\S*)$")


class PanelReader:
    """Reads one panel's features, warning at its line."""

    def __init__(self, path: str, line: int | None, title: str, result: ImportResult):
        self.path, self.line, self.title, self.result = path, line, title, result

    def warn(self, message: str) -> None:
        self.result.warn(self.path, self.line, f"panel {self.title!r}: {message}")

    def overrides(self, panel: dict, kind: str) -> list[dict]:
        out = []
        for o in as_list(_dict(panel.get("fieldConfig")).get("overrides")):
            matcher = o.get("matcher") if isinstance(o, dict) else None
            options = matcher.get("options") if isinstance(matcher, dict) else None
            names = options.get("names") if isinstance(options, dict) else None
            if not (isinstance(matcher, dict) and matcher.get("id") == "byNames" and isinstance(options, dict)
                    and options.get("mode", "include") == "include"
                    and isinstance(names, list) and names and all(isinstance(n, str) and n for n in names)):
                self.warn(f"an override matched by {matcher.get('id') if isinstance(matcher, dict) else '?'!r} cannot "
                          "be expressed (the catalog matches series by name); left out")
                continue
            entry: dict = {"fields": list(names)}
            for prop in as_list(o.get("properties")):
                pid = prop.get("id") if isinstance(prop, dict) else None
                value = prop.get("value") if isinstance(prop, dict) else None
                if pid == "color" and isinstance(value, dict) and value.get("mode") == "fixed" and value.get("fixedColor"):
                    entry["color"] = str(value["fixedColor"])
                elif pid == "custom.hideFrom" and isinstance(value, dict) and value.get("viz"):
                    entry["hidden"] = True
                elif (pid == "custom.lineStyle" and kind == "timeseries" and isinstance(value, dict)
                      and value.get("fill") in _DASH_STYLES):
                    entry["line_style"] = value["fill"]
                else:
                    self.warn(f"override property {pid!r} of {', '.join(names)} cannot be expressed "
                              "(color, hidden, line_style can); left out")
            if len(entry) > 1:
                out.append(entry)
        return out

    def mappings(self, panel: dict) -> list[dict]:
        found: list[tuple[int, dict]] = []
        seen: set[tuple[str, str]] = set()
        for m in as_list(_dict(_dict(panel.get("fieldConfig")).get("defaults")).get("mappings")):
            kind = m.get("type") if isinstance(m, dict) else None
            options = m.get("options") if isinstance(m, dict) else None
            if not isinstance(options, dict):
                continue
            if kind == "value":
                for value, result in options.items():
                    found.append(self._mapped({"value": value}, result))
            elif kind == "range":
                entry = {k: options[k] for k in ("from", "to") if isinstance(options.get(k), (int, float))}
                if not entry:
                    self.warn("a range value mapping without ends cannot be expressed; left out")
                    continue
                found.append(self._mapped(entry, options.get("result")))
            elif kind == "regex" and isinstance(options.get("pattern"), str) and options["pattern"]:
                found.append(self._mapped({"regex": options["pattern"]}, options.get("result")))
            elif kind == "special" and options.get("match") in _SPECIAL:
                found.append(self._mapped({"special": options["match"]}, options.get("result")))
            else:
                self.warn(f"a {kind!r} value mapping cannot be expressed; left out")
        out = []
        for _, entry in sorted(found, key=lambda item: item[0]):
            key = next(((k, str(entry[k])) for k in ("value", "regex", "special") if k in entry), None)
            if key in seen:
                self.warn(f"{key[0]} {key[1]!r} is mapped twice; the first mapping is kept")
            elif "text" in entry or "color" in entry:
                out.append(entry)
            if key is not None:
                seen.add(key)
        return out

    def _mapped(self, entry: dict, result) -> tuple[int, dict]:
        result = result if isinstance(result, dict) else {}
        for key in ("text", "color"):
            if isinstance(result.get(key), str) and result[key]:
                entry[key] = result[key]
        if "text" not in entry and "color" not in entry:
            self.warn(f"value mapping {entry} shows neither text nor colour; left out")
        if result.get("icon"):
            self.warn("a value mapping's icon cannot be expressed; left out")
        index = result.get("index")
        return (index if isinstance(index, int) else 1_000_000, entry)

    def legend(self, panel: dict, kind: str) -> dict | None:
        legend = _dict(panel.get("options")).get("legend")
        if kind not in DEFAULT_LEGENDS or not isinstance(legend, dict):
            return None
        show = legend.get("showLegend", True) is not False and legend.get("displayMode") != "hidden"
        mode = "table" if legend.get("displayMode") == "table" or legend.get("asTable") else "list"
        placement = legend.get("placement") if legend.get("placement") in ("bottom", "right") else "bottom"
        calcs = []
        for c in as_list(legend.get("calcs")):
            if isinstance(c, str) and c in CALC_TITLES and c not in calcs:
                calcs.append(c)
            else:
                self.warn(f"legend calculation {c!r} cannot be expressed; left out")
        sort_title = legend.get("sortBy") if isinstance(legend.get("sortBy"), str) else None
        sort_by = _CALC_IDS.get(sort_title) if sort_title else None
        if sort_title and (sort_by is None or sort_by not in calcs):
            self.warn(f"legend sorted by {legend['sortBy']!r}, which is not one of its calculations; left unsorted")
            sort_by = None
        if (show, mode, placement, tuple(calcs)) == DEFAULT_LEGENDS[kind] and sort_by is None:
            return None
        out: dict = {"show": show, "mode": mode, "placement": placement, "calcs": calcs}
        if sort_by:
            out["sort_by"] = sort_by
            if legend.get("sortDesc"):
                out["sort_desc"] = True
        return out

    def transformations(self, panel: dict, kind: str) -> list[dict]:
        steps = [t for t in as_list(panel.get("transformations")) if isinstance(t, dict)]
        if kind == "table" and steps[:2] == GENERATED_TABLE_STEPS:
            steps = steps[2:]
        out = []
        for t in steps:
            options = t.get("options") if isinstance(t.get("options"), dict) else {}
            entry = None
            if kind == "table" and not t.get("disabled") and not t.get("filter"):
                entry = _transformation(t.get("id"), options)
            if entry is None:
                self.warn(f"transformation {t.get('id')!r} cannot be expressed "
                          f"({'sort by one field, limit and organize on tables' if kind == 'table' else 'tables only'}); "
                          "left out")
            else:
                out.append(entry)
        return out

    def repeat(self, panel: dict, repeatable: frozenset[str]) -> dict:
        name = panel.get("repeat")
        if not isinstance(name, str) or not name:
            return {}
        if name not in repeatable:
            self.warn(f"repeat by ${name} cannot be expressed: the catalog repeats by an imported multi-value or "
                      "include-All variable only; left out")
            return {}
        out: dict = {"repeat": name}
        if panel.get("repeatDirection") == "v":
            out["repeat_direction"] = "v"
        elif isinstance(panel.get("maxPerRow"), int) and 1 <= panel["maxPerRow"] <= 24:
            out["max_per_row"] = panel["maxPerRow"]
        return out


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def _transformation(kind, options: dict) -> dict | None:
    if kind == "sortBy":
        sort = options.get("sort")
        if isinstance(sort, list) and len(sort) == 1 and isinstance(sort[0], dict) and sort[0].get("field"):
            entry = {"sort_by": str(sort[0]["field"])}
            if sort[0].get("desc"):
                entry["desc"] = True
            return entry
    elif kind == "limit":
        count = options.get("limitField")
        if isinstance(count, int) and count >= 1:
            return {"limit": count}
    elif kind == "organize":
        organize: dict = {}
        exclude = [k for k, v in _dict(options.get("excludeByName")).items() if v is True]
        order = [k for k, _ in sorted(((k, v) for k, v in _dict(options.get("indexByName")).items()
                                       if isinstance(v, int) and not isinstance(v, bool)), key=lambda kv: kv[1])]
        rename = {k: v for k, v in _dict(options.get("renameByName")).items()
                  if isinstance(v, str) and v and k not in exclude}  # an excluded column shows under no name
        order = [k for k in order if k not in exclude]
        if exclude:
            organize["exclude"] = exclude
        if rename:
            organize["rename"] = rename
        if order:
            organize["order"] = order
        return {"organize": organize} if organize else None
    return None


def import_link(link, uids: set[str], warn, dashboard_level: bool = False) -> dict | None:
    """One DashboardLink -> a catalog link: `dashboard:` for a /d/<uid> link of the import that keeps
    time and variables, `tags:` (dashboard links) for a dashboards link, else `url:`."""
    if not isinstance(link, dict):
        return None
    title = str(link.get("title") or "")
    keeps = bool(link.get("keepTime")) and bool(link.get("includeVars"))
    entry: dict = {"title": title} if title else {}
    if link.get("type") == "dashboards":
        tags = [t for t in as_list(link.get("tags")) if isinstance(t, str) and t]
        if not dashboard_level or not tags:
            warn(f"link {title!r} to dashboards by tag cannot be expressed here "
                 f"({'a tags link needs tags' if dashboard_level else 'panel links go to one place'}); left out")
            return None
        entry["tags"] = list(dict.fromkeys(tags))
        if link.get("asDropdown"):
            entry["as_dropdown"] = True
        if not keeps:
            warn(f"link {title!r}: a link by tags always keeps the time range and variables")
    else:
        url = str(link.get("url") or "")
        match = _DASHBOARD_URL.match(url)
        if match and match.group(1) in uids and keeps:
            entry["dashboard"] = match.group(1)
        elif _URL.match(url):
            entry["url"] = url
            if link.get("keepTime") or link.get("includeVars"):
                warn(f"link {title!r}: keeping the time range or variables can be expressed for links to "
                     "imported dashboards only; the link is imported without")
        else:
            warn(f"link {title!r}: {url!r} is not an http(s) URL or a path on the Grafana server; left out")
            return None
        if not title:
            warn("a link without a title cannot be expressed; left out")
            return None
    if link.get("targetBlank"):
        entry["new_tab"] = True
    return entry
