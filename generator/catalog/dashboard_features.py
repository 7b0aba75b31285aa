"""A catalog dashboard's links, annotations and time defaults -> typed `DashboardFeatures`, with
located problems.

The schema has checked each field's shape; here: one target per link, a link to another dashboard
of this catalog, unique annotation names, annotation steps that are durations, a refresh that is a
duration, a time range whose start is before its end, a time zone that exists.
"""
from __future__ import annotations

import re
import zoneinfo
from typing import Callable

from generator.model.dashboard_features import Annotation, DashboardFeatures, DashboardLink

Problem = Callable[[str, str], None]
LINK_TARGETS = ("tags", "url", "dashboard")
# Grafana's relative time: now, now-<n><unit>, each optionally rounded to a unit (now-1d/d)
_RELATIVE = re.compile(r"^now(?:-(?P<n>[1-9][0-9]*)(?P<unit>[smhdwMy]))?(?:/(?P<round>[smhdwMy]))?$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
_GRAFANA_DURATION = re.compile(r"^[1-9][0-9]*[smhd]$")


def dashboard_features(d: dict, at: str, own_uid: str, uids: frozenset[str], problem: Problem,
                       duration: Callable[..., float]) -> DashboardFeatures:
    links = tuple(_link(x, f"{at}.links[{i}]", own_uid, uids, problem) for i, x in enumerate(d.get("links", ())))
    annotations = []
    seen: dict[str, int] = {}
    for i, a in enumerate(d.get("annotations", ())):
        path = f"{at}.annotations[{i}]"
        if a["name"] in seen:
            problem(f"{path}.name", f"duplicate annotation name {a['name']!r} (also {at}.annotations[{seen[a['name']]}])")
        seen.setdefault(a["name"], i)
        if "step" in a:
            duration(a["step"], f"{path}.step", positive=True)
        tags = tuple(a.get("tags", ()))
        for j, tag in enumerate(tags):
            if tag in tags[:j]:
                problem(f"{path}.tags[{j}]", f"duplicate label {tag!r}")
        annotations.append(Annotation(a["name"], a["expr"], a.get("color", "blue"), a.get("title", ""),
                                      a.get("text", ""), tags, a.get("step", "")))
    time_from, time_to = d.get("time_from", "now-6h"), d.get("time_to", "now")
    _check_range(time_from, time_to, at, problem)
    refresh = d.get("refresh", "30s")
    if isinstance(refresh, str) and not _GRAFANA_DURATION.match(refresh):
        problem(f"{at}.refresh", f"refresh {refresh!r} is not a Grafana interval (a whole number of s, m, h or d: "
                                 "30s, 1m, 1h), or false for no auto-refresh")
    timezone = d.get("timezone", "browser")
    if timezone not in ("browser", "utc") and not _known_zone(timezone):
        problem(f"{at}.timezone", f"unknown time zone {timezone!r} (browser, utc or an IANA name such as Europe/Berlin)")
    return DashboardFeatures(links, tuple(annotations), time_to, timezone)


def refresh_text(d: dict) -> str:
    """`refresh` as Grafana stores it: an interval, or "" for no auto-refresh (`refresh: false`)."""
    refresh = d.get("refresh", "30s")
    return "" if refresh is False else str(refresh)


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_range(time_from: str, time_to: str, at: str, problem: Problem) -> None:
    ago = {}
    for field, value in (("time_from", time_from), ("time_to", time_to)):
        match = _RELATIVE.match(value)
        if match is None:
            problem(f"{at}.{field}", f"{value!r} is not a relative Grafana time (now, now-6h, now-1d/d, now/w)")
        elif not match["round"]:
            ago[field] = int(match["n"] or 0) * _SECONDS[match["unit"] or "s"]
    if len(ago) == 2 and not ago["time_from"] > ago["time_to"]:
        problem(f"{at}.time_from", f"the range starts at {time_from} and ends at {time_to}: its start must be "
                                   "before its end")


def _link(x: dict, at: str, own_uid: str, uids: frozenset[str], problem: Problem) -> DashboardLink:
    targets = [k for k in LINK_TARGETS if k in x]
    title = x.get("title", "")
    if len(targets) != 1:
        problem(at, f"a dashboard link goes to exactly one of {', '.join(LINK_TARGETS)}; "
                    f"found {', '.join(targets) or 'none'}")
        return DashboardLink(title)
    if "as_dropdown" in x and targets != ["tags"]:
        problem(f"{at}.as_dropdown", "as_dropdown applies to a link by tags only")
    new_tab = bool(x.get("new_tab", False))
    if targets == ["tags"]:
        tags = tuple(x["tags"])
        for j, tag in enumerate(tags):
            if tag in tags[:j]:
                problem(f"{at}.tags[{j}]", f"duplicate tag {tag!r}")
        return DashboardLink(title or ", ".join(tags), tags=tags, as_dropdown=bool(x.get("as_dropdown", False)),
                             keep_time=True, include_vars=True, new_tab=new_tab)
    if targets == ["dashboard"]:
        uid = x["dashboard"]
        if uid == own_uid:
            problem(f"{at}.dashboard", f"a dashboard does not link to itself ({uid!r})")
        elif uid not in uids:
            problem(f"{at}.dashboard", f"unknown dashboard {uid!r} (this catalog has {', '.join(sorted(uids))}); "
                                       "link others by url")
        if not title:
            problem(f"{at}.title", "a link to one dashboard needs a title")
        return DashboardLink(title, url=f"/d/{uid}", keep_time=True, include_vars=True, new_tab=new_tab)
    if not title:
        problem(f"{at}.title", "a link to a url needs a title")
    return DashboardLink(title, url=x["url"], new_tab=new_tab)
