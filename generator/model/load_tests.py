"""Load-test scenarios: executors, requests, checks, thresholds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# Where a catalog's k6 scripts send their requests unless `load_tests.base_url` (or, when k6 runs,
# $BASE_URL) says otherwise. The one place this default is written.
DEFAULT_BASE_URL = "http://localhost:8080"


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
class TemplateUse:
    """How a scenario's request uses a request template (`use:`): its own name and what it overrides
    key by key (query, headers, tags) and the values of the template's {var.NAME} placeholders."""
    template: str
    name: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    vars: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Request:
    """One HTTP request of a scenario; `path` and query values may hold {vu}, {iteration} and
    {env.NAME}; `body` is canonical JSON text or None. A request built from a template holds the
    template's fields with the use's overrides applied, and `use` says how (for the k6 script, which
    writes the template once and calls it)."""
    name: str
    method: str
    path: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    checks: tuple[Check, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    use: TemplateUse | None = None


@dataclass(frozen=True)
class RequestTemplate:
    """A named request (catalog `load_tests.requests.<name>`) that scenarios' requests use by name.
    `request` holds its fields with {var.NAME} left in path and query; `vars` their defaults."""
    name: str
    request: Request
    vars: tuple[tuple[str, str], ...] = ()
    description: str = ""


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
class LoadTestSettings:
    """The catalog's `load_tests` settings shared by all its scenarios."""
    base_url: str = DEFAULT_BASE_URL  # scheme, host, port (and an optional path prefix), no trailing slash
