"""k6 `options` of a script: each scenario's executor options and its thresholds.

Thresholds are derived once by the loader (scenario override, else tier, else objectives); here
they are only spelled as k6 expressions, scoped to the scenario (`{scenario:<name>}`).
"""
from __future__ import annotations

from generator.model import (
    ConstantArrivalRate, ConstantVUs, Executor, PerVUIterations, RampingArrivalRate, RampingVUs, Scenario,
    SharedIterations,
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:g}"


def _stages(stages) -> list[dict]:
    return [{"duration": s.duration, "target": s.target} for s in stages]


def executor_options(executor: Executor) -> dict:
    """The executor's k6 options (camelCase), optional ones only when set."""
    out: dict = {"executor": executor.kind}
    if isinstance(executor, ConstantVUs):
        out.update(vus=executor.vus, duration=executor.duration)
    elif isinstance(executor, RampingVUs):
        out.update(startVUs=executor.start_vus, stages=_stages(executor.stages))
        if executor.graceful_ramp_down:
            out["gracefulRampDown"] = executor.graceful_ramp_down
    elif isinstance(executor, ConstantArrivalRate):
        out.update(rate=executor.rate, timeUnit=executor.time_unit, duration=executor.duration,
                   preAllocatedVUs=executor.pre_allocated_vus)
        if executor.max_vus is not None:
            out["maxVUs"] = executor.max_vus
    elif isinstance(executor, RampingArrivalRate):
        out.update(startRate=executor.start_rate, timeUnit=executor.time_unit, stages=_stages(executor.stages),
                   preAllocatedVUs=executor.pre_allocated_vus)
        if executor.max_vus is not None:
            out["maxVUs"] = executor.max_vus
    elif isinstance(executor, (SharedIterations, PerVUIterations)):
        out.update(vus=executor.vus, iterations=executor.iterations)
        if executor.max_duration:
            out["maxDuration"] = executor.max_duration
    else:  # pragma: no cover - the loader builds only the types above
        raise TypeError(f"unknown executor {executor!r}")
    return out


def scenario_options(scenario: Scenario) -> dict:
    out = executor_options(scenario.executor)
    out["exec"] = f"scenario_{scenario.name}"
    if scenario.start_time:
        out["startTime"] = scenario.start_time
    if scenario.graceful_stop:
        out["gracefulStop"] = scenario.graceful_stop
    if scenario.tier:
        out["tags"] = {"tier": scenario.tier}
    return out


def thresholds(scenario: Scenario) -> dict:
    """Latency target (and critical, which aborts the run), failed-request ratio and checks."""
    name = scenario.name
    out: dict = {f"checks{{scenario:{name}}}": ["rate==1"]}
    latency = scenario.latency
    if latency is not None:
        q = f"p({latency.quantile * 100:g})"
        rules: list = [f"{q}<{_ms(latency.target)}"]
        if latency.critical is not None:
            rules.append({"threshold": f"{q}<{_ms(latency.critical)}", "abortOnFail": True, "delayAbortEval": "5s"})
        out[f"http_req_duration{{scenario:{name}}}"] = rules
    if scenario.error_ratio is not None:
        out[f"http_req_failed{{scenario:{name}}}"] = [f"rate<{scenario.error_ratio:g}"]
    return out
