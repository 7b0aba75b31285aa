"""The catalog's `alerting:` section -> `Alerting`: typed receivers, routes, inhibition, time intervals.

Semantic checks the JSON Schema cannot express: each receiver has the fields of its type and reads
its secret from a file, matchers parse (regexes as RE2), routes and the default name declared
receivers, routes name declared time intervals, and the old severity-per-receiver format is turned
into routes (it still loads; `severities` and `routes` together is refused with how to migrate).
Durations are checked by the catalog schema's duration pattern before this runs.
"""
from __future__ import annotations

import re
import zoneinfo
from typing import Callable

from generator.catalog.durations import duration_problem
from generator.catalog.fields import pairs
from generator.model import (
    Alerting, EmailReceiver, InhibitRule, Matcher, OpsgenieReceiver, PagerDutyReceiver, Route, Service,
    SlackReceiver, SnsReceiver, TimeInterval, TimeRange, VictorOpsReceiver, WebexReceiver, WebhookReceiver,
)
from generator.promql.regex import RegexError, check as check_regex

Problem = Callable[[str, str], None]

# type -> (class, required fields, optional fields); catalog field names (email's `from` -> from_).
RECEIVER_TYPES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "pagerduty": (PagerDutyReceiver, ("routing_key_file",), ()),
    "slack": (SlackReceiver, ("api_url_file",), ("channel",)),
    "webhook": (WebhookReceiver, ("url",), ("credentials_file", "max_alerts")),
    "email": (EmailReceiver, ("to", "from", "smarthost"), ("auth_username", "auth_password_file", "require_tls")),
    "opsgenie": (OpsgenieReceiver, ("api_key_file",), ("api_url", "priority")),
    "victorops": (VictorOpsReceiver, ("api_key_file", "routing_key"), ()),
    "webex": (WebexReceiver, ("room_id", "credentials_file"), ()),
    "sns": (SnsReceiver, ("topic_arn",), ("region", "role_arn")),
}
# Alertmanager 0.25 accepts these too, but only with the secret inline in its config.
INLINE_ONLY = {"pushover": "user_key and token", "telegram": "bot_token", "wechat": "api_secret",
               "discord": "webhook_url"}
COMMON_FIELDS = ("name", "type", "send_resolved", "severities", "repeat_interval")
# Literal secret fields Alertmanager would accept -> the file field obsgen takes instead.
SECRET_LITERALS = {"pagerduty": {"routing_key": "routing_key_file", "service_key": "routing_key_file"},
                   "slack": {"api_url": "api_url_file"}, "opsgenie": {"api_key": "api_key_file"},
                   "victorops": {"api_key": "api_key_file"}, "email": {"auth_password": "auth_password_file"},
                   "webhook": {"credentials": "credentials_file"}, "webex": {"credentials": "credentials_file"}}
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")  # Alertmanager's order
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_TIMINGS = ("group_wait", "group_interval", "repeat_interval", "resolve_timeout")
_MATCHER_RE = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$')
_TIME_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def parse_matcher(text: str) -> Matcher:
    """`team="backend"`, `severity=~"critical|warning"` -> Matcher; ValueError says what is wrong."""
    found = _MATCHER_RE.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a matcher: write label=\"value\" with =, !=, =~ or !~")
    name, op, quoted, bare = found.groups()
    value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
    if op in ("=~", "!~"):
        try:
            check_regex(value)
        except RegexError as exc:
            raise ValueError(f"invalid regular expression (RE2, as Alertmanager uses): {exc}") from None
    return Matcher(name, op, value)


def matchers(items, at: str, problem: Problem) -> tuple[Matcher, ...]:
    out = []
    for i, text in enumerate(items or ()):
        try:
            out.append(parse_matcher(str(text)))
        except ValueError as exc:
            problem(f"{at}[{i}]", str(exc))
    return tuple(out)


def build_alerting(data: dict | None, service: Service, problem: Problem) -> Alerting | None:
    """`problem(doc_path, message)` collects located problems; returns None when there is no section."""
    if data is None:
        return None
    _check_durations(data, problem)
    built = [_receiver(r, f"alerting.receivers[{i}]", problem) for i, r in enumerate(data["receivers"])]
    receivers = tuple(r for r in built if r is not None)
    names = [r["name"] for r in data["receivers"]]
    for i, name in enumerate(names):
        if name in names[:i]:
            problem(f"alerting.receivers[{i}].name", f"duplicate receiver {name!r}")
    intervals = _time_intervals(data.get("time_intervals", []), problem)
    known = set(names)
    interval_names = {t.name for t in intervals}
    if data["default_receiver"] not in known:
        problem("alerting.default_receiver", f"unknown receiver {data['default_receiver']!r}")
    routes = _legacy_routes(data, service, problem)
    routes += tuple(_route(r, f"alerting.routes[{i}]", known, interval_names, problem)
                    for i, r in enumerate(data.get("routes", [])))
    match = pairs(data["match"]) if "match" in data else _default_match(service)
    inhibit = _inhibit_rules(data.get("inhibit_rules", {}), service, match, problem)
    defaults = Alerting(default_receiver="", receivers=())
    return Alerting(
        default_receiver=data["default_receiver"], receivers=receivers, routes=routes, match=match,
        group_by=tuple(data.get("group_by", defaults.group_by)), inhibit_rules=inhibit, time_intervals=intervals,
        **{key: data.get(key, getattr(defaults, key)) for key in _TIMINGS})


def _check_durations(data: dict, problem: Problem) -> None:
    """Every duration of the section within the range Alertmanager parses (syntax is the schema's)."""
    found = [(f"alerting.{key}", data.get(key)) for key in _TIMINGS]
    found += [(f"alerting.receivers[{i}].repeat_interval", r.get("repeat_interval"))
              for i, r in enumerate(data["receivers"])]

    def walk(routes, at):
        for i, r in enumerate(routes):
            found.extend((f"{at}[{i}].{key}", r.get(key)) for key in _TIMINGS[:3])
            walk(r.get("routes", []), f"{at}[{i}].routes")
    walk(data.get("routes", []), "alerting.routes")
    for doc_path, value in found:
        message = duration_problem(value)
        if message:
            problem(doc_path, message)


def _default_match(service: Service) -> tuple[tuple[str, str], ...]:
    """The labels every alert of the service carries: its team and its selector's labels."""
    return tuple(sorted({"team": service.team, **dict(service.selector)}.items()))


def _receiver(r: dict, at: str, problem: Problem):
    kind = r["type"]
    if kind in INLINE_ONLY:
        problem(f"{at}.type", f"Alertmanager 0.25 reads the {INLINE_ONLY[kind]} of {kind} only inline, and obsgen "
                              f"keeps secrets out of generated files; use a webhook receiver (e.g. a relay) instead")
        return None
    cls, required, optional = RECEIVER_TYPES[kind]
    ok = True
    for key, file_key in SECRET_LITERALS.get(kind, {}).items():
        if key in r:
            problem(f"{at}.{key}", f"{key} would put the secret into the catalog and the generated config; "
                                   f"write it to a file and give {file_key} (its path) instead")
            ok = False
    for key in required:
        if key not in r:
            hint = ": the path of the file holding its secret" if key.endswith("_file") else ""
            problem(at, f"a {kind} receiver needs {key}{hint}")
            ok = False
    for key in sorted(set(r) - set(required) - set(optional) - set(COMMON_FIELDS) - set(SECRET_LITERALS.get(kind, {}))):
        problem(f"{at}.{key}", f"{key} belongs to another receiver type, not {kind}")
        ok = False
    if not ok:
        return None
    fields = {("from_" if k == "from" else k): r[k] for k in required + optional if k in r}
    if "send_resolved" in r:
        fields["send_resolved"] = bool(r["send_resolved"])
    return cls(name=r["name"], **fields)


def _legacy_routes(data: dict, service: Service, problem: Problem) -> tuple[Route, ...]:
    """The old format's `severities:` (and `repeat_interval:`) on receivers, as routes by severity."""
    legacy = [(i, r) for i, r in enumerate(data["receivers"]) if "severities" in r or "repeat_interval" in r]
    if legacy and "routes" in data:
        i = legacy[0][0]
        problem(f"alerting.receivers[{i}].severities", "receivers[].severities is the old format and cannot be "
                "mixed with routes: move it to a route (routes: [{receiver: NAME, matchers: ['severity=\"critical\"']}])")
        return ()
    routed: dict[str, str] = {}
    out = []
    for i, r in legacy:
        at = f"alerting.receivers[{i}]"
        severities = []
        for j, severity in enumerate(r.get("severities", [])):
            if severity not in service.severities:
                problem(f"{at}.severities[{j}]", f"unknown severity {severity!r} (service.severities: "
                                                 f"{', '.join(service.severities)})")
            elif severity in routed:
                problem(f"{at}.severities[{j}]", f"severity {severity!r} is already routed to {routed[severity]}")
            else:
                routed[severity] = r["name"]
                severities.append(severity)
        if not severities:
            if "repeat_interval" in r:
                problem(f"{at}.repeat_interval", "repeat_interval on a receiver applies to its severities; "
                                                 "give severities or move it to a route")
            continue
        text = severities[0] if len(severities) == 1 else "|".join(severities)
        op = "=" if len(severities) == 1 else "=~"
        out.append(Route(receiver=r["name"], matchers=(Matcher("severity", op, text),),
                         repeat_interval=r.get("repeat_interval", ""), doc_path=at))
    return tuple(out)


def _route(r: dict, at: str, receivers: set[str], intervals: set[str], problem: Problem) -> Route:
    if r["receiver"] not in receivers:
        problem(f"{at}.receiver", f"unknown receiver {r['receiver']!r}")
    for key in ("mute_time_intervals", "active_time_intervals"):
        for j, name in enumerate(r.get(key, [])):
            if name not in intervals:
                problem(f"{at}.{key}[{j}]", f"unknown time interval {name!r} (declare it under alerting.time_intervals)")
    return Route(
        receiver=r["receiver"], matchers=matchers(r.get("matchers"), f"{at}.matchers", problem),
        continue_=bool(r.get("continue", False)), group_by=tuple(r.get("group_by", ())),
        group_wait=r.get("group_wait", ""), group_interval=r.get("group_interval", ""),
        repeat_interval=r.get("repeat_interval", ""), mute_time_intervals=tuple(r.get("mute_time_intervals", ())),
        active_time_intervals=tuple(r.get("active_time_intervals", ())),
        routes=tuple(_route(c, f"{at}.routes[{i}]", receivers, intervals, problem)
                     for i, c in enumerate(r.get("routes", []))),
        doc_path=at)


def _inhibit_rules(data: dict, service: Service, match, problem: Problem) -> tuple[InhibitRule, ...]:
    out = []
    if data.get("default", True) and {"critical", "warning"} <= set(service.severities):
        equal = tuple(dict.fromkeys(("alertname", *(k for k, _ in match))))
        out.append(InhibitRule((Matcher("severity", "=", "critical"),), (Matcher("severity", "=", "warning"),), equal))
    for i, rule in enumerate(data.get("rules", [])):
        at = f"alerting.inhibit_rules.rules[{i}]"
        source = matchers(rule["source_matchers"], f"{at}.source_matchers", problem)
        target = matchers(rule["target_matchers"], f"{at}.target_matchers", problem)
        out.append(InhibitRule(source, target, tuple(rule.get("equal", ()))))
    return tuple(out)


def _ordered(text: str, names: tuple[str, ...] | None) -> bool:
    """Whether a `start:end` range runs forwards (a single value always does)."""
    if ":" not in text:
        return True
    start, end = text.split(":", 1)
    rank = lambda v: names.index(v) if names and v in names else int(v) - (1 if names else 0)  # noqa: E731
    try:
        a, b = rank(start), rank(end)
    except ValueError:
        return True  # the schema's pattern reports a malformed value
    return a <= b if (a < 0) == (b < 0) else True


def _known_zone(name: str) -> bool:
    if name in ("UTC", "Local"):
        return True
    try:
        zoneinfo.ZoneInfo(name)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


def _time_intervals(items: list[dict], problem: Problem) -> tuple[TimeInterval, ...]:
    out = []
    for i, item in enumerate(items):
        ranges = []
        for j, spec in enumerate(item["time_intervals"]):
            at = f"alerting.time_intervals[{i}].time_intervals[{j}]"
            times = []
            for k, t in enumerate(spec.get("times", [])):
                start, end = t["start_time"], t["end_time"]
                for key, value in (("start_time", start), ("end_time", end)):
                    if not _TIME_RE.match(value):
                        problem(f"{at}.times[{k}].{key}", f"{value!r} is not a time of day HH:MM (00:00 to 24:00)")
                if _TIME_RE.match(start) and _TIME_RE.match(end) and start >= end:
                    problem(f"{at}.times[{k}]", f"start_time {start} must be before end_time {end}")
                times.append((start, end))
            for key, order in (("weekdays", WEEKDAYS), ("months", MONTHS), ("days_of_month", None),
                               ("years", None)):
                for k, text in enumerate(spec.get(key, [])):
                    if not _ordered(str(text), order):
                        problem(f"{at}.{key}[{k}]", f"range {text} runs backwards (Alertmanager counts "
                                                    f"{'sunday first' if key == 'weekdays' else 'upwards'})")
            if spec.get("location") and not _known_zone(spec["location"]):
                problem(f"{at}.location", f"unknown time zone {spec['location']!r} (an IANA name like Europe/Berlin)")
            ranges.append(TimeRange(tuple(times), tuple(spec.get("weekdays", ())),
                                    tuple(str(d) for d in spec.get("days_of_month", ())),
                                    tuple(str(m) for m in spec.get("months", ())),
                                    tuple(str(y) for y in spec.get("years", ())), spec.get("location", "")))
        out.append(TimeInterval(item["name"], tuple(ranges)))
    names = [t.name for t in out]
    for i, name in enumerate(names):
        if name in names[:i]:
            problem(f"alerting.time_intervals[{i}].name", f"duplicate time interval {name!r}")
    return tuple(out)
