"""Every catalog's `alerting:` section -> ONE Alertmanager config, `alertmanager/alertmanager.yml`.

One Alertmanager loads one config, so the catalogs of a repository share it: the root route holds one
subtree per catalog (matched by the catalog's `match` labels: its team and selector by default),
and the catalog's routes sit below it. Receivers and time intervals are shared by name; two
catalogs declaring one name differently is a located error, as are disagreeing `resolve_timeout`s
and two subtrees with the same match (the second could never be reached).

Receivers name the files their secrets are read from, so the file can be committed and reviewed.
Notification text comes from the alert's own annotations (summary, description, runbook_url).
`scale` divides grouping and repeat timings, for the time-scaled profile of the closed-loop test.
"""
from __future__ import annotations

from collections.abc import Iterable

from generator.build.expressions import scale_duration
from generator.errors import CatalogError, Location, Problem
from generator.model import (
    Alerting, Catalog, EmailReceiver, InhibitRule, OpsgenieReceiver, PagerDutyReceiver, Receiver, Route,
    SlackReceiver, SnsReceiver, TimeInterval, VictorOpsReceiver, WebexReceiver, WebhookReceiver,
)
from generator.slo.alerting import slo_inhibit_rules
from generator.renderers.header import comment_header
from generator.renderers.rules import dump_yaml

FOLDERS = ("alertmanager",)
CONFIG_PATH = "alertmanager/alertmanager.yml"
SHARED_PATHS = (CONFIG_PATH,)  # built from every catalog of the project, even under --catalog

SLACK_TITLE = "[{{ .Status | toUpper }}{{ if eq .Status \"firing\" }}:{{ .Alerts.Firing | len }}{{ end }}] " \
              "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"
SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}"
SUMMARY = "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"
RUNBOOK = "{{ .CommonAnnotations.runbook_url }}"


def config_path(catalog: Catalog | None = None) -> str:
    """The one config every catalog renders into (the argument is kept for callers that pass one)."""
    return CONFIG_PATH


def _with_alerting(catalogs: Catalog | Iterable[Catalog]) -> list[Catalog]:
    items = [catalogs] if isinstance(catalogs, Catalog) else list(catalogs)
    return sorted((c for c in items if c.alerting is not None), key=lambda c: c.path.as_posix())


def _timings(node, scale: float, out: dict) -> dict:
    for key in ("group_wait", "group_interval", "repeat_interval"):
        value = getattr(node, key)
        if value:
            out[key] = scale_duration(value, scale)
    return out


def route_config(route: Route, scale: float = 1.0) -> dict:
    out: dict = {"receiver": route.receiver}
    if route.matchers:
        out["matchers"] = [m.text for m in route.matchers]
    if route.continue_:
        out["continue"] = True
    if route.group_by:
        out["group_by"] = list(route.group_by)
    _timings(route, scale, out)
    if route.mute_time_intervals:
        out["mute_time_intervals"] = list(route.mute_time_intervals)
    if route.active_time_intervals:
        out["active_time_intervals"] = list(route.active_time_intervals)
    if route.routes:
        out["routes"] = [route_config(r, scale) for r in route.routes]
    return out


def subtree(alerting: Alerting, scale: float = 1.0) -> dict:
    """The catalog's part of the routing tree."""
    out: dict = {"receiver": alerting.default_receiver,
                 "matchers": [f'{k}="{v}"' for k, v in alerting.match],
                 "group_by": list(alerting.group_by)}
    _timings(alerting, scale, out)
    if alerting.routes:
        out["routes"] = [route_config(r, scale) for r in alerting.routes]
    return out


def route(alerting: Alerting, scale: float = 1.0) -> dict:
    """A root route whose defaults are this catalog's (the root of a one-catalog config)."""
    return _timings(alerting, scale, {"receiver": alerting.default_receiver, "group_by": list(alerting.group_by)})


def _bearer(credentials_file: str) -> dict:
    return {"authorization": {"type": "Bearer", "credentials_file": credentials_file}}


def receiver_config(receiver: Receiver) -> dict:
    """One typed receiver -> its Alertmanager `<kind>_configs` entry, secrets as file paths."""
    r = receiver
    if isinstance(r, PagerDutyReceiver):
        config: dict = {"routing_key_file": r.routing_key_file, "send_resolved": r.send_resolved,
                        "severity": "{{ .CommonLabels.severity }}", "description": SUMMARY,
                        "links": [{"href": RUNBOOK, "text": "Runbook"}]}
    elif isinstance(r, SlackReceiver):
        config = {"api_url_file": r.api_url_file, "send_resolved": r.send_resolved}
        if r.channel:
            config["channel"] = r.channel
        config.update(title=SLACK_TITLE, title_link=RUNBOOK, text=SLACK_TEXT)
    elif isinstance(r, WebhookReceiver):
        config = {"url": r.url, "send_resolved": r.send_resolved}
        if r.max_alerts:
            config["max_alerts"] = r.max_alerts
        if r.credentials_file:
            config["http_config"] = _bearer(r.credentials_file)
    elif isinstance(r, EmailReceiver):
        config = {"to": r.to, "from": r.from_, "smarthost": r.smarthost, "send_resolved": r.send_resolved,
                  "require_tls": r.require_tls, "headers": {"Subject": SUMMARY}}
        if r.auth_username:
            config["auth_username"] = r.auth_username
        if r.auth_password_file:
            config["auth_password_file"] = r.auth_password_file
    elif isinstance(r, OpsgenieReceiver):
        config = {"api_key_file": r.api_key_file, "send_resolved": r.send_resolved, "message": SUMMARY,
                  "description": SLACK_TEXT, "source": RUNBOOK}
        if r.api_url:
            config["api_url"] = r.api_url
        if r.priority:
            config["priority"] = r.priority
    elif isinstance(r, VictorOpsReceiver):
        config = {"api_key_file": r.api_key_file, "routing_key": r.routing_key, "send_resolved": r.send_resolved,
                  "entity_display_name": SUMMARY}
    elif isinstance(r, WebexReceiver):
        config = {"room_id": r.room_id, "send_resolved": r.send_resolved, "http_config": _bearer(r.credentials_file)}
    elif isinstance(r, SnsReceiver):
        config = {"topic_arn": r.topic_arn, "send_resolved": r.send_resolved, "subject": SUMMARY}
        sigv4 = {k: v for k, v in (("region", r.region), ("role_arn", r.role_arn)) if v}
        if sigv4:
            config["sigv4"] = sigv4
    else:  # pragma: no cover - the model's Receiver union is closed
        raise TypeError(f"unknown receiver type {type(r).__name__}")
    return {"name": r.name, f"{r.kind}_configs": [config]}


def inhibit_config(rule: InhibitRule) -> dict:
    out: dict = {"source_matchers": [m.text for m in rule.source_matchers],
                 "target_matchers": [m.text for m in rule.target_matchers]}
    if rule.equal:
        out["equal"] = list(rule.equal)
    return out


def interval_config(interval: TimeInterval) -> dict:
    ranges = []
    for r in interval.ranges:
        entry: dict = {}
        if r.times:
            entry["times"] = [{"start_time": s, "end_time": e} for s, e in r.times]
        for key in ("weekdays", "days_of_month", "months", "years"):
            if getattr(r, key):
                entry[key] = list(getattr(r, key))
        if r.location:
            entry["location"] = r.location
        ranges.append(entry)
    return {"name": interval.name, "time_intervals": ranges}


class _Shared:
    """Name -> rendered entry, shared by catalogs; a different entry under one name is a located problem."""

    def __init__(self, what: str, problems: list[Problem]):
        self.what, self.problems = what, problems
        self.items: dict[str, tuple[dict, Catalog]] = {}

    def add(self, name: str, entry: dict, catalog: Catalog, doc_path: str) -> None:
        seen = self.items.get(name)
        if seen is None:
            self.items[name] = (entry, catalog)
        elif seen[0] != entry:
            self.problems.append(_problem(catalog, doc_path, f"{self.what} {name!r} is also declared, differently, "
                                          f"in {seen[1].path.as_posix()}; rename one or make them identical"))

    def values(self) -> list[dict]:
        return [entry for entry, _ in self.items.values()]


def _problem(catalog: Catalog, doc_path: str, message: str) -> Problem:
    return Problem(Location(catalog.path.as_posix(), catalog.line_of(doc_path), doc_path), message)


def config_document(catalogs: Catalog | Iterable[Catalog], scale: float = 1.0) -> dict:
    """The one config of these catalogs; CatalogError (located) when they contradict each other."""
    catalogs = _with_alerting(catalogs)
    if not catalogs:
        raise ValueError("no catalog has an alerting section")
    problems: list[Problem] = []
    receivers, intervals = _Shared("receiver", problems), _Shared("time interval", problems)
    first = catalogs[0].alerting
    subtrees, inhibit, matches = [], [], {}
    for catalog in catalogs:
        alerting = catalog.alerting
        if alerting.resolve_timeout != first.resolve_timeout:
            problems.append(_problem(catalog, "alerting.resolve_timeout", f"resolve_timeout {alerting.resolve_timeout} "
                                     f"differs from {first.resolve_timeout} in {catalogs[0].path.as_posix()}; "
                                     f"one Alertmanager has one resolve_timeout"))
        if alerting.match in matches:
            problems.append(_problem(catalog, "alerting.match", f"the subtree matches the same labels as the one of "
                                     f"{matches[alerting.match]}, so it would never be reached; set alerting.match"))
        matches.setdefault(alerting.match, catalog.path.as_posix())
        for i, receiver in enumerate(alerting.receivers):
            receivers.add(receiver.name, receiver_config(receiver), catalog, f"alerting.receivers[{i}].name")
        for i, interval in enumerate(alerting.time_intervals):
            intervals.add(interval.name, interval_config(interval), catalog, f"alerting.time_intervals[{i}].name")
        subtrees.append(subtree(alerting, scale))
        for rule in alerting.inhibit_rules + slo_inhibit_rules(catalog):
            entry = inhibit_config(rule)
            if entry not in inhibit:
                inhibit.append(entry)
    if problems:
        raise CatalogError(problems)
    root = route(first, scale)
    root["routes"] = subtrees
    document: dict = {"global": {"resolve_timeout": scale_duration(first.resolve_timeout, scale)}, "route": root}
    if inhibit:
        document["inhibit_rules"] = inhibit
    document["receivers"] = receivers.values()
    if intervals.items:
        document["time_intervals"] = intervals.values()
    return document


def _header(catalogs: list[Catalog]) -> str:
    return comment_header(catalogs[0]) + "".join(f"# and from {c.path.as_posix()}\n" for c in catalogs[1:])


def render_many(catalogs: Iterable[Catalog]) -> dict[str, str]:
    catalogs = _with_alerting(catalogs)
    if not catalogs:
        return {}
    return {CONFIG_PATH: _header(catalogs) + dump_yaml(config_document(catalogs))}


def render(catalog: Catalog) -> dict[str, str]:
    return render_many([catalog])
