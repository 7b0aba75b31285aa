"""The catalog's `tiers:` and `objectives:` sections -> `Tier`s and one typed variant per objective
(`LatencyObjective`, `ErrorRatioObjective`).

Checks the JSON Schema cannot express: tiers whose critical level is not below their target,
thresholds that name a known tier, a latency threshold that is a bucket boundary of a histogram,
an error ratio between one in a million and 1, counters that exist and are counters, matchers and
exclusions against the metric's labels, quantiles rule names can spell, and names that stay unique.
"""
from __future__ import annotations

from generator.catalog.alert_rules import alert_text
from generator.catalog.located import Duration, Problem, unique
from generator.catalog.matchers import check_matchers, split_matchers
from generator.model import (
    AlertText, ErrorRatioObjective, LatencyObjective, Metric, MetricRef, Objective, Service, Tier,
)

# One failure in a million: below it, an error-ratio objective cannot be tested with whole counts.
MIN_ERROR_RATIO = 1e-6
# The smallest quantile: rule names spell it as a percentile, which must not need an exponent.
MIN_QUANTILE = 0.001


def build_tiers(items: list[dict], problem: Problem) -> tuple[Tier, ...]:
    out = []
    for i, t in enumerate(items):
        if t["critical"] < t["target"]:
            problem(f"tiers[{i}].critical", "critical must not be below target")
        out.append(Tier(t["name"], float(t["target"]), float(t["critical"])))
    unique([t.name for t in out], "tier", [f"tiers[{i}].name" for i in range(len(out))], problem)
    return tuple(out)


def build_objectives(items: list[dict], service: Service, metrics: tuple[Metric, ...], tiers: tuple[Tier, ...],
                     problem: Problem, duration: Duration) -> tuple[tuple[Objective, ...], list[str]]:
    """The objectives built, and the document path of each, in order. An objective whose threshold
    names an unknown tier is reported once and not built: no check runs on a threshold it does not have."""
    out, paths = [], []
    by_name = {m.name: m for m in reversed(metrics)}  # the first of a duplicated name wins
    tier_by_name = {t.name: t for t in reversed(tiers)}  # likewise
    for i, o in enumerate(items):
        at = f"objectives[{i}]"
        threshold = _threshold(o["threshold"], f"{at}.threshold", tier_by_name, problem)
        window = o.get("window", service.rate_window)
        if "window" in o:  # the default, service.rate_window, is checked where it is written
            duration(window, f"{at}.window", positive=True)
        alert = None if o["alert"] is False else alert_text(o["alert"], f"{at}.alert", service, problem, duration)
        objective = (_latency(o, at, threshold, window, alert, by_name, problem) if o["kind"] == "latency"
                     else _error_ratio(o, at, threshold, window, alert, by_name, problem))
        if objective is not None:
            out.append(objective)
            paths.append(at)
    unique([o["name"] for o in items], "objective", [f"objectives[{i}].name" for i in range(len(items))], problem)
    return tuple(out), paths


def check_quantile(value: float, at: str, problem: Problem) -> None:
    """Named as a percentile (p95, p99_9) in rule names and k6 thresholds: from 0.001 (p0.1) up."""
    if value < MIN_QUANTILE:
        problem(at, f"a quantile must be at least {MIN_QUANTILE:g} (p0.1), not {value:g}")


def first_objectives_built(items: list[dict], unbuilt: set[str]) -> bool:
    """Whether the first latency and the first error-ratio objective, whose thresholds load tests
    inherit, were built (a defective one is reported where it is written, not again in every scenario)."""
    firsts = {}
    for o in items:
        firsts.setdefault(o["kind"], o["name"])
    return not (set(firsts.values()) & unbuilt)


def _threshold(value, at: str, tier_by_name: dict[str, Tier], problem: Problem) -> float | None:
    """The objective's threshold; None (after reporting it) when it names an unknown tier."""
    if isinstance(value, (int, float)):
        return float(value)
    tier = tier_by_name.get(value["tier"])
    if tier is None:
        problem(f"{at}.tier", f"unknown tier {value['tier']!r}")
        return None
    return tier.critical if value.get("level") == "critical" else tier.target


def _latency(o: dict, at: str, threshold: float | None, window: str, alert: AlertText | None,
             metrics: dict[str, Metric], problem: Problem) -> LatencyObjective | None:
    metric = metrics.get(o["metric"])
    if metric is None:
        problem(f"{at}.metric", f"unknown metric {o['metric']!r}")
    elif metric.type != "histogram":
        problem(f"{at}.metric", f"{o['metric']!r} is a {metric.type}; a latency objective needs a histogram")
    elif threshold is not None and metric.buckets and threshold not in metric.buckets:
        # (no buckets at all is the metric's own problem, reported there)
        problem(f"{at}.threshold", f"threshold {threshold:g} is not a bucket boundary of "
                f"{metric.name}; the quantile would be interpolated across it")
    check_quantile(o["quantile"], f"{at}.quantile", problem)
    selection = None
    if o.get("matchers"):
        if metric is not None and metric.type == "histogram":
            check_matchers(o["matchers"], at, metric, problem)
        equal, filters = split_matchers(o["matchers"])
        selection = MetricRef(o["metric"], equal, (), filters)
    if threshold is None:
        return None
    return LatencyObjective(o["name"], threshold, window, alert, o["metric"], float(o["quantile"]), selection,
                            o.get("description", ""))


def _error_ratio(o: dict, at: str, threshold: float | None, window: str, alert: AlertText | None,
                 metrics: dict[str, Metric], problem: Problem) -> ErrorRatioObjective | None:
    if threshold is not None and not MIN_ERROR_RATIO <= threshold < 1:
        problem(f"{at}.threshold", f"an error ratio threshold must be at least {MIN_ERROR_RATIO:g} "
                f"and below 1, not {threshold:g}")
    errors = _metric_ref(o["errors"], f"{at}.errors", metrics, problem)
    total = _metric_ref(o["total"], f"{at}.total", metrics, problem)
    if threshold is None:
        return None
    return ErrorRatioObjective(o["name"], threshold, window, alert, errors, total, o.get("description", ""))


def _metric_ref(ref: dict, at: str, metrics: dict[str, Metric], problem: Problem) -> MetricRef:
    metric = metrics.get(ref["metric"])
    if metric is None:
        problem(f"{at}.metric", f"unknown metric {ref['metric']!r}")
    elif metric.type != "counter":
        problem(f"{at}.metric", f"{ref['metric']!r} is a {metric.type}; an error ratio needs counters")
    else:
        check_matchers(ref.get("matchers"), at, metric, problem)
        _exclusions(ref, at, metric, problem)
    exclude = tuple(sorted((str(k), tuple(str(v) for v in values)) for k, values in (ref.get("exclude") or {}).items()))
    equal, filters = split_matchers(ref.get("matchers"))
    return MetricRef(ref["metric"], equal, exclude, filters)


def _exclusions(ref: dict, at: str, metric: Metric, problem: Problem) -> None:
    """`exclude: {label: [values]}`: known label, allowed values, not also a matcher, something left."""
    for key, values in (ref.get("exclude") or {}).items():
        label = metric.label(key)
        if label is None:
            problem(f"{at}.exclude.{key}", f"{metric.name} has no label {key!r}")
            continue
        if key in (ref.get("matchers") or {}):
            problem(f"{at}.exclude.{key}", f"{key!r} is both matched and excluded; give one of them")
        for j, value in enumerate(values):
            if not label.allows(str(value)):
                problem(f"{at}.exclude.{key}[{j}]", f"value {value!r} is not allowed for {metric.name}{{{key}}}")
        if label.values and set(label.values) <= {str(v) for v in values}:
            problem(f"{at}.exclude.{key}", f"excludes every allowed value of {metric.name}{{{key}}}; nothing would count")
