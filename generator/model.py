"""Typed model of a catalog: plain frozen dataclasses, no behaviour beyond small derived facts.

The loader (`generator.catalog.loader`) builds a `Catalog` from YAML; `generator.build` derives
the rules, dashboards and load tests from it. Renderers only ever see these types.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar
from pathlib import Path

from generator.promql.regex import matches as regex_matches

_DURATION_RE = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """Prometheus duration ("1h30m", "15s") to seconds."""
    parts = _DURATION_RE.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """Seconds to the shortest Prometheus duration ("300" -> "5m", "90" -> "1m30s")."""
    ms = round(seconds * 1000)
    if ms <= 0:
        raise ValueError(f"duration must be positive: {seconds}")
    out = []
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(out)


@dataclass(frozen=True)
class Silence:
    rule: str
    reason: str


@dataclass(frozen=True)
class Label:
    name: str
    values: tuple[str, ...] = ()
    pattern: str | None = None
    description: str = ""

    def allows(self, value: str) -> bool:
        if self.values:
            return value in self.values
        if self.pattern is not None:
            return regex_matches(self.pattern, value)  # RE2, anchored: as Prometheus matches values
        return True


@dataclass(frozen=True)
class Metric:
    name: str
    type: str  # counter | gauge | histogram
    help: str
    unit: str = ""
    labels: tuple[Label, ...] = ()
    buckets: tuple[float, ...] = ()
    created_series: bool = False
    silences: tuple[Silence, ...] = ()

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def label(self, name: str) -> Label | None:
        return self._labels_by_name.get(name)

    @cached_property
    def _labels_by_name(self) -> dict[str, Label]:
        return _first_by_name(self.labels)

    @property
    def base_name(self) -> str:
        """Name without the counter suffix, as prometheus_client and recording rules use it."""
        if self.type == "counter" and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name

    def series_names(self) -> dict[str, str]:
        """Exposed series name -> role ("value", "bucket", "sum", "count", "created")."""
        if self.type == "histogram":
            names = {f"{self.name}_bucket": "bucket", f"{self.name}_sum": "sum", f"{self.name}_count": "count"}
            if self.created_series:
                names[f"{self.name}_created"] = "created"
            return names
        names = {self.name: "value"}
        if self.type == "counter" and self.created_series:
            names[f"{self.base_name}_created"] = "created"
        return names


@dataclass(frozen=True)
class Tier:
    name: str
    target: float
    critical: float
    repos: int | None = None
    prs: int | None = None


@dataclass(frozen=True)
class AlertText:
    """The human part of an alert, shared by objective alerts and free-form alerts."""
    name: str
    for_: str
    severity: str
    summary: str
    description: str
    runbook_url: str
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    group: str = ""
    silences: tuple[Silence, ...] = ()


@dataclass(frozen=True)
class MetricRef:
    """A counter of an objective: `matchers` select label values by equality (and become aggregation
    labels), `filters` are (label, op, value) matchers with op `!=`, `=~` or `!~` (not aggregation
    labels), `exclude` drops label values (label, values) without adding the label to any aggregation."""
    metric: str
    matchers: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()
    filters: tuple[tuple[str, str, str], ...] = ()

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether a series with these labels is counted by this reference."""
        return (all(labels.get(k) == v for k, v in self.matchers)
                and all(filter_selects(op, value, labels.get(k, "")) for k, op, value in self.filters)
                and not any(labels.get(k) in values for k, values in self.exclude))


def filter_selects(op: str, value: str, actual: str) -> bool:
    """Whether a `label<op>"value"` matcher selects a label value, as Prometheus decides it (RE2, anchored)."""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "=~":
        return regex_matches(value, actual)
    if op == "!~":
        return not regex_matches(value, actual)
    raise ValueError(f"unknown matcher operator {op!r}")


@dataclass(frozen=True)
class Objective:
    name: str
    kind: str  # latency | error_ratio
    threshold: float
    window: str
    alert: AlertText | None  # None: `alert: false`, the objective derives recording rules only
    description: str = ""
    metric: str = ""  # latency: the histogram
    selection: MetricRef | None = None  # latency: label matchers on the histogram (`matchers:`), if any
    quantile: float = 0.0  # latency
    errors: MetricRef | None = None  # error_ratio
    total: MetricRef | None = None  # error_ratio
    unit: str = ""  # "s" or "percentunit", for humans and dashboards


@dataclass(frozen=True)
class AlertTest:
    """How to exercise a free-form alert in its generated promtool test: one input series (may use
    $selector) held at `firing` while the condition holds and at `quiet` when healthy.
    A value of None means the series is absent."""
    series: str
    firing: float | None
    quiet: float | None


@dataclass(frozen=True)
class AlertDef:
    """A free-form alert from the catalog's `alerts:` list; expr may use $selector."""
    expr: str
    text: AlertText
    test: AlertTest | None = None


@dataclass(frozen=True)
class RecordingDef:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...] = ()
    group: str = ""
    silences: tuple[Silence, ...] = ()


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class TimeseriesKind:
    """A line chart; `stack` on the panel stacks its series."""


@dataclass(frozen=True)
class StatKind:
    """One big number, red above the panel's objective."""


@dataclass(frozen=True)
class GaugeKind:
    """A dial from `min` to `max` (Grafana's own range when unset)."""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class BarGaugeKind:
    """One bar per series, from `min` to `max`."""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class TableKind:
    """Instant queries as a table: one row per series, one column per label, the value last."""


@dataclass(frozen=True)
class HeatmapKind:
    """Histogram buckets over time: targets are `sum by (le) (rate(<metric>_bucket...))`, `format: heatmap`."""


@dataclass(frozen=True)
class TextKind:
    """Markdown, e.g. a runbook link; no queries."""
    content: str


@dataclass(frozen=True)
class StateTimelineKind:
    """The value of each series as coloured bands over time (up/down, a state label)."""


PanelKind = (TimeseriesKind | StatKind | GaugeKind | BarGaugeKind | TableKind | HeatmapKind | TextKind
             | StateTimelineKind)


@dataclass(frozen=True)
class Panel:
    title: str
    type: str  # the catalog's type name; how the panel renders is told by `kind`
    unit: str
    description: str
    targets: tuple[Target, ...]
    objective: str | None = None
    stack: bool = False
    width: int | None = None
    height: int | None = None
    silences: tuple[Silence, ...] = ()
    kind: PanelKind = TimeseriesKind()
    thresholds: tuple[tuple[str, float | None], ...] = ()  # (colour, value) steps, base first (None); else the objective's


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class DatasourceVariable:
    """Pick a data source of the service's type; panels query through it."""
    name: str
    title: str = ""
    regex: str = ""


@dataclass(frozen=True)
class QueryVariable:
    """`label_values(<metric>{selector}, <label>)`; with `selects`, it narrows the dashboard's selector."""
    name: str
    label: str
    metric: str = "up"
    title: str = ""
    multi: bool = False
    include_all: bool = False
    selects: bool = True


@dataclass(frozen=True)
class CustomVariable:
    """A fixed list of values; with `label`, it narrows the dashboard's selector on that label."""
    name: str
    values: tuple[str, ...]
    title: str = ""
    label: str = ""
    multi: bool = False
    include_all: bool = False


@dataclass(frozen=True)
class IntervalVariable:
    """A list of durations, for range selectors such as `[$window]`."""
    name: str
    values: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class ConstantVariable:
    """A hidden fixed value."""
    name: str
    value: str


Variable = DatasourceVariable | QueryVariable | CustomVariable | IntervalVariable | ConstantVariable


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    rows: tuple[Row, ...]
    description: str = ""
    tags: tuple[str, ...] = ()
    refresh: str = "30s"
    time_from: str = "now-6h"
    silences: tuple[Silence, ...] = ()
    variables: tuple[Variable, ...] = ()

    @property
    def variable_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.variables)


@dataclass(frozen=True)
class Stage:
    """One step of a ramping executor: reach `target` (VUs or iterations per time unit) over `duration`."""
    duration: str
    target: int


@dataclass(frozen=True)
class ConstantVUs:
    vus: int
    duration: str
    kind: ClassVar[str] = "constant-vus"


@dataclass(frozen=True)
class RampingVUs:
    stages: tuple[Stage, ...]
    start_vus: int = 1
    graceful_ramp_down: str | None = None
    kind: ClassVar[str] = "ramping-vus"


@dataclass(frozen=True)
class ConstantArrivalRate:
    rate: int
    duration: str
    pre_allocated_vus: int
    time_unit: str = "1s"
    max_vus: int | None = None
    kind: ClassVar[str] = "constant-arrival-rate"


@dataclass(frozen=True)
class RampingArrivalRate:
    stages: tuple[Stage, ...]
    pre_allocated_vus: int
    start_rate: int = 0
    time_unit: str = "1s"
    max_vus: int | None = None
    kind: ClassVar[str] = "ramping-arrival-rate"


@dataclass(frozen=True)
class SharedIterations:
    vus: int
    iterations: int
    max_duration: str | None = None
    kind: ClassVar[str] = "shared-iterations"


@dataclass(frozen=True)
class PerVUIterations:
    vus: int
    iterations: int
    max_duration: str | None = None
    kind: ClassVar[str] = "per-vu-iterations"


Executor = ConstantVUs | RampingVUs | ConstantArrivalRate | RampingArrivalRate | SharedIterations | PerVUIterations


@dataclass(frozen=True)
class Check:
    """A check on a JSON response field (dotted path): `kind` is count | integer | number | string |
    boolean | present, or equals (then `value`, canonical JSON, is the expected value)."""
    field: str
    kind: str
    value: str | None = None


@dataclass(frozen=True)
class Request:
    """One HTTP request of a scenario; `path` and query values may hold {vu}, {iteration} and
    {env.NAME}; `body` is canonical JSON text or None."""
    name: str
    method: str
    path: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    checks: tuple[Check, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Auth:
    """A request header whose value is `prefix` + the environment variable `env`."""
    header: str
    env: str
    prefix: str = ""


@dataclass(frozen=True)
class LatencyThreshold:
    """Thresholds on the scenario's response-time quantile, in seconds (critical aborts the run)."""
    quantile: float
    target: float
    critical: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    executor: Executor
    requests: tuple[Request, ...]
    latency: LatencyThreshold | None = None
    error_ratio: float | None = None
    description: str = ""
    tier: str | None = None
    auth: Auth | None = None
    script: str = ""  # the k6 script (k6/<script>.js) holding it; default its own name
    start_time: str | None = None
    graceful_stop: str | None = None

    @property
    def script_name(self) -> str:
        return self.script or self.name


# --- Alerting (Alertmanager 0.25): typed receivers, a route tree, inhibition, time intervals ---

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


@dataclass(frozen=True)
class Service:
    name: str
    team: str
    runbook_base_url: str
    folder_uid: str
    folder_title: str
    selector: tuple[tuple[str, str], ...]
    title: str = ""
    datasource_type: str = "prometheus"
    datasource_uid: str = "prometheus"
    scrape_interval: str = "15s"
    rate_window: str = "5m"
    endpoint: str = ""
    severities: tuple[str, ...] = ("critical", "warning", "info")
    aggregate_by: tuple[str, ...] = ()  # as written; empty: the selector's labels

    @property
    def aggregation_labels(self) -> tuple[str, ...]:
        """Labels every objective's rules keep (`sum by (...)`), in order; they name the rules' level."""
        return self.aggregate_by or tuple(k for k, _ in self.selector)

    @property
    def selector_text(self) -> str:
        """The service's matchers as PromQL text: `job="ampel-api"`."""
        return ", ".join(f'{k}="{v}"' for k, v in self.selector)


@dataclass(frozen=True)
class KubernetesOutput:
    """Settings of the opt-in `kubernetes` output (catalog `kubernetes:`)."""
    namespace: str = "monitoring"
    dashboard_labels: tuple[tuple[str, str], ...] = (("grafana_dashboard", "1"),)  # the sidecar's selector
    folder_annotation: str = "k8s-sidecar-target-directory"  # the sidecar's default folder annotation
    rule_labels: tuple[tuple[str, str], ...] = ()  # what the Prometheus ruleSelector matches


@dataclass(frozen=True)
class MimirOutput:
    """Settings of the opt-in `mimir` output (catalog `mimir:`); namespace "" means the service name."""
    namespace: str = ""


# Log fields that describe the request itself; every other log field is a count the summary returns.
REQUEST_LOG_FIELDS = ("user_id", "duration_ms")


@dataclass(frozen=True)
class Catalog:
    path: Path
    service: Service
    metrics: tuple[Metric, ...]
    tiers: tuple[Tier, ...] = ()
    objectives: tuple[Objective, ...] = ()
    alerts: tuple[AlertDef, ...] = ()
    recording_rules: tuple[RecordingDef, ...] = ()
    dashboards: tuple[Dashboard, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    log_fields: tuple[str, ...] = ()
    alerting: Alerting | None = None
    kubernetes: KubernetesOutput = KubernetesOutput()
    mimir: MimirOutput = MimirOutput()
    slos: tuple = ()  # generator.slo.model.SLO, from the catalog's `slos:` section
    # YAML positions of document paths ("metrics[2].buckets" -> line), for located findings.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def response_fields(self) -> tuple[str, ...]:
        """The log fields the summary endpoint returns as counts (log fields less the request's own)."""
        return tuple(f for f in self.log_fields if f not in REQUEST_LOG_FIELDS)

    def metric(self, name: str) -> Metric | None:
        return self._metrics_by_name.get(name)

    def tier(self, name: str) -> Tier | None:
        return self._tiers_by_name.get(name)

    def objective(self, name: str) -> Objective | None:
        return self._objectives_by_name.get(name)

    # Indexes by name, built on first use (a frozen instance never changes, so they never go stale).
    @cached_property
    def _metrics_by_name(self) -> dict[str, Metric]:
        return _first_by_name(self.metrics)

    @cached_property
    def _tiers_by_name(self) -> dict[str, Tier]:
        return _first_by_name(self.tiers)

    @cached_property
    def _objectives_by_name(self) -> dict[str, Objective]:
        return _first_by_name(self.objectives)

    def line_of(self, path: str) -> int | None:
        """Line of a document path, or of its nearest located parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def _first_by_name(items) -> dict:
    """name -> the first item of that name (what a scan in order would find)."""
    out: dict = {}
    for item in items:
        out.setdefault(item.name, item)
    return out
