"""The catalog's `alerting:` section -> `Alerting`: severity routes, receivers and their secret files.

Semantic checks the JSON Schema cannot express: every routed severity is one the service declares
and is routed once, the default receiver exists, each receiver names the file its secret lives in.
"""
from __future__ import annotations

from typing import Callable

from generator.catalog.durations import duration_problem
from generator.model import Alerting, Receiver, Service

SECRET_FIELD = {"pagerduty": "routing_key_file", "slack": "api_url_file"}
_TIMINGS = ("group_wait", "group_interval", "repeat_interval", "resolve_timeout")


def build_alerting(data: dict | None, service: Service, problem: Callable[[str, str], None]) -> Alerting | None:
    """`problem(doc_path, message)` collects located problems; returns None when there is no section.
    Duration syntax is checked by the catalog schema's duration pattern before this runs; their
    range here."""
    if data is None:
        return None
    for doc_path, value in [(f"alerting.{key}", data.get(key)) for key in _TIMINGS] + [
            (f"alerting.receivers[{i}].repeat_interval", r.get("repeat_interval")) for i, r in enumerate(data["receivers"])]:
        message = duration_problem(value)
        if message:
            problem(doc_path, message)
    receivers = []
    routed: dict[str, str] = {}
    for i, r in enumerate(data["receivers"]):
        at = f"alerting.receivers[{i}]"
        secret_key = SECRET_FIELD[r["type"]]
        if secret_key not in r:
            problem(at, f"a {r['type']} receiver needs {secret_key}: the path of the file holding its secret")
        for key in set(SECRET_FIELD.values()) - {secret_key}:
            if key in r:
                problem(f"{at}.{key}", f"{key} belongs to another receiver type, not {r['type']}")
        if "channel" in r and r["type"] != "slack":
            problem(f"{at}.channel", "only slack receivers have a channel")
        for j, severity in enumerate(r["severities"]):
            if severity not in service.severities:
                problem(f"{at}.severities[{j}]", f"unknown severity {severity!r} (service.severities: "
                                                 f"{', '.join(service.severities)})")
            elif severity in routed:
                problem(f"{at}.severities[{j}]", f"severity {severity!r} is already routed to {routed[severity]}")
            else:
                routed[severity] = r["name"]
        receivers.append(Receiver(
            name=r["name"], type=r["type"], severities=tuple(r["severities"]), secret_file=r.get(secret_key, ""),
            channel=r.get("channel", ""), repeat_interval=r.get("repeat_interval", ""),
            send_resolved=bool(r.get("send_resolved", True))))
    names = [r.name for r in receivers]
    for i, name in enumerate(names):
        if name in names[:i]:
            problem(f"alerting.receivers[{i}].name", f"duplicate receiver {name!r}")
    if data["default_receiver"] not in names:
        problem("alerting.default_receiver", f"unknown receiver {data['default_receiver']!r}")
    defaults = Alerting(default_receiver="", receivers=())
    return Alerting(
        default_receiver=data["default_receiver"], receivers=tuple(receivers),
        group_by=tuple(data.get("group_by", defaults.group_by)),
        **{key: data.get(key, getattr(defaults, key)) for key in _TIMINGS})
