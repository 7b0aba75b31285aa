"""Alerting (Alertmanager 0.25): typed receivers, a route tree, inhibition, time intervals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from generator.promql.regex import matches as regex_matches


@dataclass(frozen=True)
class Matcher:
    """An Alertmanager label matcher: `name op "value"` with op one of = != =~ !~ (RE2, anchored)."""
    name: str
    op: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        hit = regex_matches(self.value, got)
        return hit if self.op == "=~" else not hit

    @property
    def text(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


@dataclass(frozen=True)
class PagerDutyReceiver:
    name: str
    routing_key_file: str
    send_resolved: bool = True
    kind: ClassVar[str] = "pagerduty"


@dataclass(frozen=True)
class SlackReceiver:
    name: str
    api_url_file: str
    channel: str = ""
    send_resolved: bool = True
    kind: ClassVar[str] = "slack"


@dataclass(frozen=True)
class WebhookReceiver:
    name: str
    url: str
    credentials_file: str = ""  # bearer token, sent as `Authorization: Bearer <file content>`
    max_alerts: int = 0
    send_resolved: bool = True
    kind: ClassVar[str] = "webhook"


@dataclass(frozen=True)
class EmailReceiver:
    name: str
    to: str
    from_: str
    smarthost: str
    auth_username: str = ""
    auth_password_file: str = ""
    require_tls: bool = True
    send_resolved: bool = False
    kind: ClassVar[str] = "email"


@dataclass(frozen=True)
class OpsgenieReceiver:
    name: str
    api_key_file: str
    api_url: str = ""
    priority: str = ""
    send_resolved: bool = True
    kind: ClassVar[str] = "opsgenie"


@dataclass(frozen=True)
class VictorOpsReceiver:
    name: str
    api_key_file: str
    routing_key: str
    send_resolved: bool = True
    kind: ClassVar[str] = "victorops"


@dataclass(frozen=True)
class WebexReceiver:
    name: str
    room_id: str
    credentials_file: str
    send_resolved: bool = True
    kind: ClassVar[str] = "webex"


@dataclass(frozen=True)
class SnsReceiver:
    """AWS SNS; credentials come from the environment or instance role, never the catalog."""
    name: str
    topic_arn: str
    region: str = ""
    role_arn: str = ""
    send_resolved: bool = True
    kind: ClassVar[str] = "sns"


Receiver = (PagerDutyReceiver | SlackReceiver | WebhookReceiver | EmailReceiver | OpsgenieReceiver
            | VictorOpsReceiver | WebexReceiver | SnsReceiver)


@dataclass(frozen=True)
class Route:
    receiver: str
    matchers: tuple[Matcher, ...] = ()
    continue_: bool = False
    group_by: tuple[str, ...] = ()
    group_wait: str = ""
    group_interval: str = ""
    repeat_interval: str = ""
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple["Route", ...] = ()
    doc_path: str = field(default="", compare=False)  # where the catalog declares it, for findings


@dataclass(frozen=True)
class InhibitRule:
    source_matchers: tuple[Matcher, ...]
    target_matchers: tuple[Matcher, ...]
    equal: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeRange:
    """One entry of a time interval; every field empty means "always"."""
    times: tuple[tuple[str, str], ...] = ()
    weekdays: tuple[str, ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    location: str = ""


@dataclass(frozen=True)
class TimeInterval:
    name: str
    ranges: tuple[TimeRange, ...]


@dataclass(frozen=True)
class Alerting:
    """The catalog's subtree of the repository's Alertmanager routing tree.

    `match` selects the catalog's alerts (default: the service's team and selector labels);
    `routes` are tried in order below it, `default_receiver` takes what none of them matches."""
    default_receiver: str
    receivers: tuple[Receiver, ...]
    routes: tuple[Route, ...] = ()
    match: tuple[tuple[str, str], ...] = ()
    group_by: tuple[str, ...] = ("alertname", "job")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    resolve_timeout: str = "5m"
    inhibit_rules: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[TimeInterval, ...] = ()

    def receivers_for(self, labels: dict[str, str]) -> tuple[str, ...]:
        """Receivers an alert with these labels reaches inside this subtree, as Alertmanager routes."""
        return _route_receivers(self.routes, labels, self.default_receiver)

    def first_route(self, labels: dict[str, str]) -> Route | None:
        """The first of the subtree's own routes an alert with these labels matches."""
        return next((r for r in self.routes if all(m.matches(labels) for m in r.matchers)), None)

    def receiver_for(self, severity: str, labels: dict[str, str] | None = None) -> str:
        """The receivers (comma-separated, as `amtool config routes test` prints them) of an alert of
        this severity carrying the subtree's own labels."""
        merged = {**dict(self.match), **(labels or {}), "severity": severity}
        return ",".join(self.receivers_for(merged))


def _route_receivers(routes: tuple[Route, ...], labels: dict[str, str], fallback: str) -> tuple[str, ...]:
    out: list[str] = []
    for route in routes:
        if all(m.matches(labels) for m in route.matchers):
            out.extend(_route_receivers(route.routes, labels, route.receiver))
            if not route.continue_:
                break
    return tuple(out) or (fallback,)
