"""The catalog's `slos:` section -> typed SLOs, every problem located (`slos[i].field`).

The JSON Schema has checked shapes and types; this checks what it cannot: metrics that exist and
have the right type, matchers, a latency threshold that is a bucket boundary, durations, tier
overrides against the defaults, severities the service knows, and names that stay unique.
"""
from __future__ import annotations

import re
from typing import Callable

from generator.catalog.fields import pairs
from generator.catalog.located import unique
from generator.catalog.matchers import check_matchers, split_matchers
from generator.model import Metric, MetricRef, Service, format_duration, parse_duration
from generator.slo.model import (
    DEFAULT_TIERS, PAGE, SLO, TICKET, AlertClass, BurnTier, LatencySLI, RatioSLI, SLOAlerting,
)

Problem = Callable[[str, str], None]
Duration = Callable[..., float]
DEFAULT_PERIOD = "30d"
DEFAULT_SEVERITY = {PAGE: "critical", TICKET: "warning"}


def slo_alert_names(slo: SLO) -> list[str]:
    from generator.slo.rules import alert_name
    return [alert_name(slo, tier) for tier in slo.alerting.tiers]


def camel(name: str) -> str:
    """summary_availability -> SummaryAvailability."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", name) if part)


def build_slos(items: list[dict], service: Service, metrics: tuple[Metric, ...], scenario_names: set[str],
               problem: Problem, duration: Duration) -> tuple[SLO, ...]:
    by_name = {m.name: m for m in reversed(metrics)}
    out = []
    for i, item in enumerate(items or ()):
        slo = _slo(item, f"slos[{i}]", service, by_name, scenario_names, problem, duration)
        if slo is not None:
            out.append(slo)
    unique([s.name for s in out], "SLO", [s.source + ".name" for s in out], problem)
    unique([s.alerting.name for s in out], "SLO alert name", [s.source + ".alerting.name" for s in out], problem)
    return tuple(out)


def _slo(item: dict, at: str, service: Service, metrics: dict[str, Metric], scenario_names: set[str],
         problem: Problem, duration: Duration) -> SLO | None:
    period = item.get("period", DEFAULT_PERIOD)
    period_seconds = duration(period, f"{at}.period", positive=True)
    target = float(item["target"])
    has_ratio, has_latency = "ratio" in item, "latency" in item
    if has_ratio == has_latency:
        problem(at, "give exactly one SLI: ratio: (errors or good over total) or latency: (histogram and threshold)")
        return None
    sli = (_ratio(item["ratio"], f"{at}.ratio", metrics, problem) if has_ratio
           else _latency(item["latency"], f"{at}.latency", metrics, problem))
    for j, name in enumerate(item.get("scenarios", ())):
        if name not in scenario_names:
            problem(f"{at}.scenarios[{j}]", f"unknown load-test scenario {name!r}")
    alerting = _alerting(item.get("alerting") or {}, f"{at}.alerting", item["name"], target, period_seconds,
                         service, problem, duration)
    scenarios = tuple(item["scenarios"]) if "scenarios" in item else None
    return SLO(item["name"], target, period, sli, alerting, item.get("description", ""), at, scenarios)


def _ref(ref: dict, at: str, metrics: dict[str, Metric], problem: Problem) -> MetricRef:
    metric = metrics.get(ref["metric"])
    if metric is None:
        problem(f"{at}.metric", f"unknown metric {ref['metric']!r}")
    elif metric.type != "counter":
        problem(f"{at}.metric", f"{ref['metric']!r} is a {metric.type}; a ratio SLI counts events with counters")
    else:
        check_matchers(ref.get("matchers"), at, metric, problem)
    equal, filters = split_matchers(ref.get("matchers"))
    return MetricRef(ref["metric"], equal, (), filters)


def _ratio(data: dict, at: str, metrics: dict[str, Metric], problem: Problem) -> RatioSLI:
    if ("errors" in data) == ("good" in data):
        problem(at, "give exactly one of errors: (bad events) and good: (good events), beside total:")
    total = _ref(data["total"], f"{at}.total", metrics, problem)
    errors = _ref(data["errors"], f"{at}.errors", metrics, problem) if "errors" in data else None
    good = _ref(data["good"], f"{at}.good", metrics, problem) if "good" in data else None
    return RatioSLI(total, errors, good)


def _latency(data: dict, at: str, metrics: dict[str, Metric], problem: Problem) -> LatencySLI:
    metric = metrics.get(data["metric"])
    threshold = float(data["threshold"])
    if metric is None:
        problem(f"{at}.metric", f"unknown metric {data['metric']!r}")
    elif metric.type != "histogram":
        problem(f"{at}.metric", f"{data['metric']!r} is a {metric.type}; a latency SLI needs a histogram")
    else:
        if threshold not in metric.buckets:
            problem(f"{at}.threshold", f"threshold {threshold:g} is not a bucket boundary of {metric.name} "
                                       f"(buckets: {', '.join(f'{b:g}' for b in metric.buckets)}); the share of "
                                       f"faster requests is only known at a bucket's le")
        check_matchers(data.get("matchers"), at, metric, problem)
    selection = None
    if data.get("matchers"):
        equal, filters = split_matchers(data["matchers"])
        selection = MetricRef(data["metric"], equal, (), filters)
    return LatencySLI(data["metric"], threshold, selection)


def _alert_class(data: dict | None, at: str, kind: str, service: Service, problem: Problem) -> AlertClass:
    data = data or {}
    severity = str(data.get("severity", DEFAULT_SEVERITY[kind]))
    if severity not in service.severities:
        problem(f"{at}.severity" if "severity" in data else at,
                f"severity {severity!r} is not one of {', '.join(service.severities)} (service.severities)")
    labels = pairs(data.get("labels"))
    for key, _ in labels:
        if key in RESERVED_LABELS:
            problem(f"{at}.labels.{key}", f"label {key!r} is set by the SLO's alerts themselves")
    return AlertClass(severity, labels)


# Labels every burn-rate alert carries (generator.slo.rules); a page or ticket class may not set them.
RESERVED_LABELS = ("severity", "team", "slo", "slo_alert", "long_window", "short_window", "burn_rate")


def _alerting(data: dict, at: str, slo_name: str, target: float, period: float, service: Service,
              problem: Problem, duration: Duration) -> SLOAlerting:
    name = data.get("name", camel(slo_name) + "BudgetBurn")
    runbook = data.get("runbook", f"{service.runbook_base_url}/{name}")
    page = _alert_class(data.get("page"), f"{at}.page", PAGE, service, problem)
    ticket = _alert_class(data.get("ticket"), f"{at}.ticket", TICKET, service, problem)
    tiers = _tiers(data.get("tiers") or [], f"{at}.tiers", problem, duration)
    budget = (100 - target) / 100
    for j, tier in tiers:
        where = f"{at}.tiers[{j}]" if j is not None else at
        long, short = _seconds(tier.long), _seconds(tier.short)
        if long and short and short >= long:
            problem(f"{where}.short" if j is not None else where,
                    f"tier {tier.long}: the short window {tier.short} must be shorter than the long window {tier.long}")
        if long and period and long > period:
            problem(f"{where}.long" if j is not None else where,
                    f"tier {tier.long}: the long window is longer than the SLO's period ({format_duration(period)})")
        if tier.factor * budget >= 1:
            problem(f"{where}.factor" if j is not None else where,
                    f"tier {tier.long}: a burn rate of {tier.factor:g} at a target of {target:g} % needs an error "
                    f"ratio of {tier.factor * budget:g}, which no error ratio reaches; lower the factor")
    if not tiers:
        problem(f"{at}.tiers" if "tiers" in data else at, "every burn-rate tier is disabled; the SLO would never alert")
    return SLOAlerting(name, runbook, page, ticket, tuple(t for _, t in tiers))


def _seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        return 0.0


def _tiers(overrides: list[dict], at: str, problem: Problem, duration: Duration) -> list[tuple[int | None, BurnTier]]:
    """The default tiers with the overrides applied, in order of their long window; (override index, tier)."""
    tiers: dict[str, tuple[int | None, BurnTier]] = {t.long: (None, t) for t in DEFAULT_TIERS}
    seen: set[str] = set()
    for j, o in enumerate(overrides):
        where = f"{at}[{j}]"
        for key in ("long", "short", "for"):
            if key in o:
                duration(o[key], f"{where}.{key}", positive=True)
        long = o["long"]
        if long in seen:
            problem(f"{where}.long", f"tier {long} is given twice")
            continue
        seen.add(long)
        base = tiers.get(long)
        if o.get("disable"):
            if base is None:
                problem(f"{where}.disable", f"there is no default tier {long} to disable "
                                            f"(defaults: {', '.join(t.long for t in DEFAULT_TIERS)})")
            else:
                del tiers[long]
            continue
        if base is None:
            missing = [k for k in ("short", "factor", "alert") if k not in o]
            if missing:
                problem(where, f"a new tier {long} needs {', '.join(missing)} (it overrides no default tier: "
                               f"{', '.join(t.long for t in DEFAULT_TIERS)})")
                continue
            base = (j, BurnTier(long, o["short"], float(o["factor"]), o["alert"]))
        tier = base[1]
        tiers[long] = (j, BurnTier(long, o.get("short", tier.short), float(o.get("factor", tier.factor)),
                                   o.get("alert", tier.alert), o.get("for", tier.for_)))
    return sorted(tiers.values(), key=lambda pair: (_seconds(pair[1].long), pair[1].long))
