"""Cross-check: a load-test scenario's threshold override against the objectives.

A scenario's thresholds come from its tier or the catalog's objectives; `thresholds:` overrides
them. An override looser than the objective it replaces lets a load test pass while the service
breaks that objective, so it is reported (`load-threshold-looser`, a warning) at the override's
catalog line:
- `thresholds.latency` above the threshold of the latency objective at the scenario's quantile
  (the first such objective, as the defaults take the first);
- `thresholds.error_ratio` above the first error-ratio objective's threshold.
A stricter or equal override agrees with the objective. A scenario whose quantile no latency
objective has is compared with none: a p99 bound says nothing about a p95 objective.
"""
from __future__ import annotations

from generator.model import Catalog, ErrorRatioObjective, LatencyObjective
from generator.validators.findings import WARNING, Finding

CHECK = "crosscheck"
RULE = "load-threshold-looser"


def _first(catalog: Catalog, kind: type, quantile: float | None = None):
    return next((o for o in catalog.objectives if isinstance(o, kind)
                 and (quantile is None or abs(o.quantile - quantile) < 1e-9)), None)


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def check_load_thresholds(catalog: Catalog) -> list[Finding]:
    findings = []
    file = catalog.path.as_posix()
    for i, scenario in enumerate(catalog.scenarios):
        at = f"load_tests.scenarios[{i}].thresholds"
        latency = scenario.latency
        if latency is not None and f"{at}.latency" in catalog.lines:
            objective = _first(catalog, LatencyObjective, latency.quantile)
            if objective is not None and latency.target > objective.threshold:
                findings.append(Finding(CHECK, RULE, f"the p{latency.quantile * 100:g} threshold "
                                        f"{_seconds(latency.target)} is looser than the {objective.name} objective's "
                                        f"{_seconds(objective.threshold)}: the load test passes while the service "
                                        f"misses its objective; lower it to {_seconds(objective.threshold)} or less",
                                        file, catalog.lines[f"{at}.latency"], WARNING, "", scenario.name))
        if scenario.error_ratio is not None and f"{at}.error_ratio" in catalog.lines:
            objective = _first(catalog, ErrorRatioObjective)
            if objective is not None and scenario.error_ratio > objective.threshold:
                findings.append(Finding(CHECK, RULE, f"the error-rate threshold {_percent(scenario.error_ratio)} is "
                                        f"above the {objective.name} objective's {_percent(objective.threshold)}: the "
                                        f"load test passes while the service misses its objective; lower it to "
                                        f"{_percent(objective.threshold)} or less",
                                        file, catalog.lines[f"{at}.error_ratio"], WARNING, "", scenario.name))
    return findings
