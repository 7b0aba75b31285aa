"""Load-test scenarios: executors, requests, checks, thresholds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


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
