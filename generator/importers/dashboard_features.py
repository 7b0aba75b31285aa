"""A Grafana dashboard's links, annotations and time defaults -> the catalog's dashboard fields.

The reverse of the dashboard-level part of `generator/renderers/dashboards.py`: refresh (`""` is
`refresh: false`), the time range, the time zone, links (by tag, to an imported dashboard, to a
URL) and PromQL annotations. Grafana's built-in annotation is added by the generator and skipped;
other annotations (another data source, no query) are reported and left out.
"""
from __future__ import annotations

import re

from generator.importers import ImportResult
from generator.importers.located_json import line_of
from generator.importers.panel_features import as_list, import_link

_COLOR = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-z]+(-[a-z]+)*|rgba?\([0-9., ]+\))$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DURATION = re.compile(r"^(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$")


class DashboardReader:
    def __init__(self, path: str, dashboard: dict, result: ImportResult):
        self.path, self.dashboard, self.result = path, dashboard, result

    def warn(self, line, message: str) -> None:
        self.result.warn(self.path, line if line is not None else line_of(self.dashboard), message)

    def defaults(self, out: dict, other_uids: set[str]) -> None:
        d = self.dashboard
        refresh = d.get("refresh")
        if refresh == "" or refresh is False:
            out["refresh"] = False
        elif isinstance(refresh, str) and refresh != "30s":
            out["refresh"] = refresh
        time = d.get("time") if isinstance(d.get("time"), dict) else {}
        for key, field, default in (("from", "time_from", "now-6h"), ("to", "time_to", "now")):
            if isinstance(time.get(key), str) and time[key] and time[key] != default:
                out[field] = time[key]
        if isinstance(d.get("timezone"), str) and d["timezone"] not in ("", "browser"):
            out["timezone"] = d["timezone"]
        links = [x for x in (import_link(x, other_uids, lambda m, x=x: self.warn(line_of(x, None), f"dashboard {m}"),
                                         dashboard_level=True) for x in as_list(d.get("links"))) if x]
        if links:
            out["links"] = links
        annotations = self.annotations()
        if annotations:
            out["annotations"] = annotations

    def annotations(self) -> list[dict]:
        container = self.dashboard.get("annotations")
        items = container.get("list") if isinstance(container, dict) else None
        out, names = [], set()
        for a in items if isinstance(items, list) else []:
            if not isinstance(a, dict) or a.get("builtIn") == 1:
                continue
            line = line_of(a, None)
            name = str(a.get("name") or "")
            source = a.get("datasource") if isinstance(a.get("datasource"), dict) else {}
            expr = a.get("expr")
            if source.get("type", "prometheus") != "prometheus" or not isinstance(expr, str) or not expr.strip():
                self.warn(line, f"annotation {name!r} is not a PromQL query; left out")
                continue
            if not name or name in names:
                self.warn(line, f"annotation {name!r}: an annotation needs a name of its own; left out")
                continue
            names.add(name)
            entry: dict = {"name": name, "expr": expr.strip()}
            color = a.get("iconColor")
            if isinstance(color, str) and _COLOR.match(color):
                if color != "blue":
                    entry["color"] = color
            else:
                self.warn(line, f"annotation {name!r}: colour {color!r} becomes blue")
            for key, field in (("titleFormat", "title"), ("textFormat", "text")):
                if isinstance(a.get(key), str) and a[key]:
                    entry[field] = a[key]
            tags = [t.strip() for t in str(a.get("tagKeys") or "").split(",") if t.strip()]
            if tags:
                entry["tags"] = [t for t in dict.fromkeys(tags) if _LABEL.match(t)]
            if isinstance(a.get("step"), str) and _DURATION.match(a["step"]):
                entry["step"] = a["step"]
            if a.get("enable") is False or a.get("hide") is True or a.get("useValueForTime"):
                self.warn(line, f"annotation {name!r}: disabled, hidden or value-as-time annotations cannot be "
                                "expressed; it is imported enabled and shown")
            out.append(entry)
        return out
