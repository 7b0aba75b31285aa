"""Typed model of a catalog: plain frozen dataclasses, no behaviour beyond small derived facts.

The loader (`generator.catalog.loader`) builds a `Catalog` from YAML; `generator.build` derives
the rules, dashboards and load tests from it. Renderers only ever see these types.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from functools import cached_property
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
    """A counter of an objective: `matchers` select label values (and become aggregation labels),
    `exclude` drops label values (label, values) without adding the label to any aggregation."""
    metric: str
    matchers: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether a series with these labels is counted by this reference."""
        return (all(labels.get(k) == v for k, v in self.matchers)
                and not any(labels.get(k) in values for k, values in self.exclude))


@dataclass(frozen=True)
class Objective:
    name: str
    kind: str  # latency | error_ratio
    threshold: float
    window: str
    alert: AlertText
    description: str = ""
    metric: str = ""  # latency: the histogram
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
class Panel:
    title: str
    type: str  # timeseries | stat
    unit: str
    description: str
    targets: tuple[Target, ...]
    objective: str | None = None
    stack: bool = False
    width: int | None = None
    height: int | None = None
    silences: tuple[Silence, ...] = ()


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


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


@dataclass(frozen=True)
class Receiver:
    """An Alertmanager receiver; its secret is a file path (routing_key_file / api_url_file)."""
    name: str
    type: str  # pagerduty | slack
    severities: tuple[str, ...] = ()
    secret_file: str = ""
    channel: str = ""
    repeat_interval: str = ""
    send_resolved: bool = True


@dataclass(frozen=True)
class Alerting:
    """Routing of the catalog's alerts: severity -> receiver, grouping and repeat timing."""
    default_receiver: str
    receivers: tuple[Receiver, ...]
    group_by: tuple[str, ...] = ("alertname", "job")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    resolve_timeout: str = "5m"

    def receiver_for(self, severity: str) -> str:
        return next((r.name for r in self.receivers if severity in r.severities), self.default_receiver)


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
