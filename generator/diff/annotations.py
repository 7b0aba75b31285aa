"""A dashboard's annotations as a reviewer reads them: each one an item of its own, named by its
name (numbered when repeated), with its query and its settings as one-line fields; Grafana's
built-in "Annotations & Alerts" counts only when it is switched off."""
from __future__ import annotations

from generator.diff.dashboard_features import as_dict, as_list, compact

_ANNOTATION_QUERY_KEYS = ("expr", "query", "rawQuery", "rawSql", "queryText")


def annotation_query(annotation: dict) -> str:
    text = next((annotation[k] for k in _ANNOTATION_QUERY_KEYS if isinstance(annotation.get(k), str)), None)
    target = as_dict(annotation.get("target"))
    if text is None:
        text = next((target[k] for k in _ANNOTATION_QUERY_KEYS if isinstance(target.get(k), str)), "")
    return text


def annotation_settings(annotation: dict, datasource) -> dict[str, str]:
    """The fields of one annotation but its query, defaults left out. A built-in one (Grafana's
    "Annotations & Alerts", added to every dashboard) counts only when it is switched off."""
    if annotation.get("builtIn") in (1, True):
        return {"enabled": "no"} if annotation.get("enable") is False else {}
    out: dict[str, str] = {}
    source = datasource(annotation.get("datasource"))
    if source:
        out["datasource"] = source
    for key, name in (("iconColor", "colour"), ("titleFormat", "title"), ("textFormat", "text"), ("step", "step")):
        if annotation.get(key) not in (None, ""):
            out[name] = compact(annotation[key])
    tags = annotation.get("tagKeys")
    if isinstance(tags, str) and tags.strip():
        out["tag labels"] = ", ".join(sorted(t.strip() for t in tags.split(",") if t.strip()))
    filters = as_list(annotation.get("tags")) or as_list(as_dict(annotation.get("target")).get("tags"))
    if filters:
        out["tags"] = ", ".join(sorted(str(t) for t in filters))
    if annotation.get("enable") is False:
        out["enabled"] = "no"
    if annotation.get("hide") is True:
        out["hidden"] = "yes"
    if annotation.get("useValueForTime") is True:
        out["value as time"] = "yes"
    return out


def annotations(data: dict) -> list[tuple[str, dict]]:
    """(name, annotation) in dashboard order; a built-in one left at its defaults is left out."""
    out: list[tuple[str, dict]] = []
    seen: dict[str, int] = {}
    for index, annotation in enumerate(as_list(as_dict(data.get("annotations")).get("list"))):
        if not isinstance(annotation, dict):
            continue
        if annotation.get("builtIn") in (1, True) and annotation.get("enable") is not False:
            continue
        name = str(annotation.get("name") or f"[{index}]")
        seen[name] = n = seen.get(name, 0) + 1
        out.append((name if n == 1 else f"{name} #{n}", annotation))
    return out
