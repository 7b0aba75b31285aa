"""The SLO dashboard of a service (uid `<service>-slo`): one row per SLO.

Per SLO: the SLI over the period against the objective; the error budget left, as a number and as
a burn-down; the burn rate over every window with the tiers' factors drawn as thresholds; and which
tier alerts would fire now (both windows above the tier's threshold, `for` not counted). It is an
ordinary catalog dashboard (`Catalog.dashboards`), so it is rendered, schema-checked, linted and
cross-checked like the others; it takes the variables of the catalog's first dashboard that has any.
"""
from __future__ import annotations

from typing import Callable

from generator.build.expressions import format_number
from generator.catalog.dashboard_variables import selected_labels
from generator.model import Dashboard, Panel, Row, Service, StateTimelineKind, StatKind, Target, TimeseriesKind, parse_duration
from generator.slo.model import PAGE, SLO
from generator.slo.rules import base_window, budget_name, ratio_name


def dashboard_uid(service: Service) -> str:
    return f"{service.name}-slo"


def _sel(record: str) -> str:
    return f"{record}{{$selector}}"


def burn_rate_steps(slo: SLO) -> tuple[tuple[str, float | None], ...]:
    """Green below every tier; each tier's factor a step, orange for tickets and red for pages."""
    colours: dict[float, str] = {}
    for tier in slo.alerting.tiers:
        if colours.get(tier.factor) != "red":
            colours[tier.factor] = "red" if tier.alert == PAGE else "orange"
    return (("green", None),) + tuple((colours[f], f) for f in sorted(colours))


def slo_row(service: Service, slo: SLO) -> Row:
    period, base = ratio_name(service, slo, slo.period), ratio_name(service, slo, base_window(slo))
    objective = (("red", None), ("green", slo.objective))
    budget = format_number(slo.budget)
    what = f"{format_number(slo.target)} % over {slo.period}"
    tiers = slo.alerting.tiers
    windows = sorted({w for t in tiers for w in (t.long, t.short)}, key=parse_duration)
    panels = (
        Panel(f"{slo.name}: SLI over {slo.period}", "stat", "percentunit",
              f"Share of good events over the last {slo.period}; green at or above the {what} objective. "
              f"{slo.description}".strip(),
              (Target(f"1 - {_sel(period)}", "SLI"),), width=4, kind=StatKind(), thresholds=objective),
        Panel(f"{slo.name}: error budget left", "stat", "percentunit",
              f"Share of the {format_number(slo.budget * 100)} % error budget of the last {slo.period} still unspent; "
              "below 0 the objective is missed.",
              (Target(_sel(budget_name(service, slo)), "budget left"),), width=4, kind=StatKind(),
              thresholds=(("red", None), ("orange", 0.0), ("green", 0.25))),
        Panel(f"{slo.name}: SLI against the objective", "timeseries", "percentunit",
              f"Good events over the last {base_window(slo)} and over the period; the line is the {what} objective.",
              (Target(f"1 - {_sel(base)}", f"SLI {base_window(slo)}"), Target(f"1 - {_sel(period)}", f"SLI {slo.period}")),
              width=16, kind=TimeseriesKind(), thresholds=objective),
        Panel(f"{slo.name}: error budget burn-down", "timeseries", "percentunit",
              f"Error budget left over the rolling {slo.period} period; it reaches 0 when the objective is missed.",
              (Target(_sel(budget_name(service, slo)), "budget left"),), width=8, kind=TimeseriesKind(),
              thresholds=(("red", None), ("green", 0.0))),
        Panel(f"{slo.name}: burn rate per window", "timeseries", "short",
              "Error ratio over each window divided by the error budget (1 = the budget lasts exactly the period); "
              "the lines are the tiers' factors (red: page, orange: ticket).",
              tuple(Target(f"{_sel(ratio_name(service, slo, w))} / {budget}", w) for w in windows),
              width=8, kind=TimeseriesKind(), thresholds=burn_rate_steps(slo)),
        Panel(f"{slo.name}: alerts that would fire", "state-timeline", "short",
              "1 while both windows of a tier burn above its factor (its `for` not counted), else 0.",
              tuple(Target(f"({_sel(ratio_name(service, slo, t.long))} > bool {format_number(slo.threshold(t))}) * "
                           f"({_sel(ratio_name(service, slo, t.short))} > bool {format_number(slo.threshold(t))})",
                           f"{t.alert} {t.long}/{t.short} at {format_number(t.factor)}x") for t in tiers),
              width=8, kind=StateTimelineKind(), thresholds=(("green", None), ("red", 1.0))),
    )
    return Row(f"SLO {slo.name}: {what}", panels)


def slo_dashboards(service: Service, slos: tuple[SLO, ...], dashboards: tuple[Dashboard, ...],
                   problem: Callable[[str, str], None]) -> tuple[Dashboard, ...]:
    if not slos:
        return ()
    uid = dashboard_uid(service)
    for i, d in enumerate(dashboards):
        if d.uid == uid:
            problem(f"dashboards[{i}].uid", f"uid {uid!r} is the generated SLO dashboard's; choose another")
    variables = _kept_variables(next((d.variables for d in dashboards if d.variables), ()), service)
    longest = max(slos, key=lambda s: parse_duration(s.period)).period
    return (Dashboard(uid, f"{service.title or service.name} / SLOs", tuple(slo_row(service, s) for s in slos),
                      f"Error budgets and burn rates of {service.title or service.name}'s SLOs.",
                      ("generated", "slo"), time_from=f"now-{longest}", variables=variables),)


def _kept_variables(variables: tuple, service: Service) -> tuple:
    """The variables that can narrow the SLO series: those selecting a label the SLO rules keep
    (the service's aggregation labels) or none. An `instance` variable would match no recorded
    SLO series, which aggregate it away."""
    kept = set(service.aggregation_labels)
    selecting = {name: label for label, name in selected_labels(variables)}
    return tuple(v for v in variables if v.name not in selecting or selecting[v.name] in kept)
