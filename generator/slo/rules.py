"""SLOs -> recording rules and burn-rate alerts, in groups of their own (`<service>-slo-recording`,
`<service>-slo-alerts`).

Recording rules stay cheap (docs/slo.md measures it):
  * the base window (the shortest of the SLO's windows, 5m by default) records the bad-event rate
    and the event rate once, from the raw series: `<level>:slo_<name>_errors:rate5m`,
    `<level>:slo_<name>_events:rate5m`, and their ratio `<level>:slo_<name>_errors:ratio_rate5m`;
  * every other window shorter than a day records its ratio from the raw series once
    (`..._errors:ratio_rate30m`, `ratio_rate1h`, ...), shared by the tiers that use it;
  * windows of a day or more (1d, 3d, the period) are the ratio of `sum_over_time` of the two
    recorded base rates: a few thousand recorded samples per window, whatever the raw cardinality,
    instead of `rate(x[30d])` over every raw series;
  * the error budget left over the period: `<level>:slo_<name>_error_budget:remaining_ratio<period>`.
Every rule aggregates by the service's aggregation labels (`job` for a `{job: ...}` selector).

One alert per tier, `<alerting.name><long window>`: both windows' error ratios above factor x budget.
"""
from __future__ import annotations

from generator.build.expressions import format_number, scale_duration, scale_ranges
from generator.build.rules import Rule, RuleGroup
from generator.model import Catalog, MetricRef, format_duration, parse_duration
from generator.slo.model import SLO, BurnTier, LatencySLI

# Windows from a day up are computed from the recorded base rates, not from the raw series.
LONG_WINDOW_SECONDS = 86400
GROUP_SUFFIXES = ("-slo-recording", "-slo-alerts")


def is_slo_group(group: RuleGroup) -> bool:
    return group.name.endswith(GROUP_SUFFIXES)


def level(owner) -> str:
    """The rules' level: the aggregation labels of the service (a Catalog or its Service)."""
    return "_".join(getattr(owner, "service", owner).aggregation_labels)


def windows(slo: SLO) -> list[str]:
    """Every window the SLO uses (tiers' long and short windows, the period), shortest first."""
    found = {w for t in slo.alerting.tiers for w in (t.long, t.short)} | {slo.period}
    return sorted(found, key=lambda w: (parse_duration(w), w))


def base_window(slo: SLO) -> str:
    return windows(slo)[0]


def is_long(window: str, slo: SLO) -> bool:
    return window != base_window(slo) and parse_duration(window) >= LONG_WINDOW_SECONDS


def errors_rate_name(catalog: Catalog, slo: SLO) -> str:
    return f"{level(catalog)}:slo_{slo.name}_errors:rate{base_window(slo)}"


def events_rate_name(catalog: Catalog, slo: SLO) -> str:
    return f"{level(catalog)}:slo_{slo.name}_events:rate{base_window(slo)}"


def ratio_name(catalog: Catalog, slo: SLO, window: str) -> str:
    return f"{level(catalog)}:slo_{slo.name}_errors:ratio_rate{window}"


def budget_name(catalog: Catalog, slo: SLO) -> str:
    return f"{level(catalog)}:slo_{slo.name}_error_budget:remaining_ratio{slo.period}"


def alert_name(slo: SLO, tier: BurnTier) -> str:
    return f"{slo.alerting.name}{tier.long}"


def _string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _selector(catalog: Catalog, ref: MetricRef | None, extra: tuple[str, ...] = ()) -> str:
    parts = [catalog.service.selector_text]
    if ref is not None:
        parts += [f'{k}="{_string(v)}"' for k, v in ref.matchers]
        parts += [f'{k}{op}"{_string(v)}"' for k, op, v in ref.filters]
    return ", ".join(parts + list(extra))


def le_matcher(threshold: float) -> str:
    """The bucket at the threshold, however the client writes `le`: Go writes 1, Python 1.0."""
    if float(threshold).is_integer():
        whole = str(int(threshold))
        return f'le=~"{whole}|{whole}\\\\.0"'
    return f'le="{float(threshold)!r}"'


def _sum_rate(catalog: Catalog, metric: str, selector: str, window: str) -> str:
    by = ", ".join(catalog.service.aggregation_labels)
    return f"sum by ({by}) (rate({metric}{{{selector}}}[{window}]))"


def errors_expr(catalog: Catalog, slo: SLO, window: str) -> str:
    """The rate of bad events over a window, from the raw series."""
    sli = slo.sli
    if isinstance(sli, LatencySLI):
        count = _sum_rate(catalog, f"{sli.metric}_count", _selector(catalog, sli.selection), window)
        fast = _sum_rate(catalog, f"{sli.metric}_bucket", _selector(catalog, sli.selection, (le_matcher(sli.threshold),)),
                         window)
        return f"{count} - {fast}"
    if sli.errors is not None:
        return _sum_rate(catalog, sli.errors.metric, _selector(catalog, sli.errors), window)
    total = _sum_rate(catalog, sli.total.metric, _selector(catalog, sli.total), window)
    return f"{total} - {_sum_rate(catalog, sli.good.metric, _selector(catalog, sli.good), window)}"


def events_expr(catalog: Catalog, slo: SLO, window: str) -> str:
    sli = slo.sli
    if isinstance(sli, LatencySLI):
        return _sum_rate(catalog, f"{sli.metric}_count", _selector(catalog, sli.selection), window)
    return _sum_rate(catalog, sli.total.metric, _selector(catalog, sli.total), window)


def recording_rules(catalog: Catalog, slo: SLO) -> list[Rule]:
    at, base = slo.source, base_window(slo)
    errors, events = errors_rate_name(catalog, slo), events_rate_name(catalog, slo)
    rules = [Rule(record=errors, expr=errors_expr(catalog, slo, base), objective=slo.name, source=at),
             Rule(record=events, expr=events_expr(catalog, slo, base), objective=slo.name, source=at),
             Rule(record=ratio_name(catalog, slo, base), expr=f"{errors} / {events}", objective=slo.name, source=at)]
    for window in windows(slo)[1:]:
        if is_long(window, slo):
            expr = f"sum_over_time({errors}[{window}]) / sum_over_time({events}[{window}])"
        else:
            expr = f"({errors_expr(catalog, slo, window)}) / {events_expr(catalog, slo, window)}"
        rules.append(Rule(record=ratio_name(catalog, slo, window), expr=expr, objective=slo.name, source=at))
    rules.append(Rule(record=budget_name(catalog, slo), objective=slo.name, source=at,
                      expr=f"1 - {ratio_name(catalog, slo, slo.period)} / {format_number(slo.budget)}"))
    return rules


def exhaustion(slo: SLO, tier: BurnTier) -> str:
    """How long the whole budget lasts at the tier's burn rate: period / factor."""
    return format_duration(max(round(parse_duration(slo.period) / tier.factor), 1))


def alert_labels(catalog: Catalog, slo: SLO, tier: BurnTier) -> dict[str, str]:
    cls = slo.alerting.alert_class(tier)
    labels = dict(cls.labels)
    labels.update(severity=cls.severity, team=catalog.service.team, slo=slo.name, slo_alert=tier.alert,
                  long_window=tier.long, short_window=tier.short, burn_rate=format_number(tier.factor))
    return labels


def alert_annotations(catalog: Catalog, slo: SLO, tier: BurnTier) -> dict[str, str]:
    """Summary, description and runbook; the description names the first aggregation label by template."""
    first = catalog.service.aggregation_labels[0]
    return {
        "summary": f"SLO {slo.name}: error budget burning {format_number(tier.factor)}x too fast ({tier.alert})",
        "description": (f"On {{{{ $labels.{first} }}}}, {slo.name} failed more than {format_number(slo.threshold(tier) * 100)} % "
                        f"of its events over both the last {tier.long} and {tier.short}: {format_number(tier.factor)} times "
                        f"the {format_number(slo.budget * 100)} % error budget of its {format_number(slo.target)} % / "
                        f"{slo.period} objective. At this rate the budget lasts {exhaustion(slo, tier)}."),
        "runbook_url": slo.alerting.runbook_url,
        "burn_rate": format_number(tier.factor),
        "window": f"{tier.long}/{tier.short}",
    }


def alert_rule(catalog: Catalog, slo: SLO, tier: BurnTier, index: int, scale: float = 1.0) -> Rule:
    threshold = format_number(slo.threshold(tier))
    expr = (f"{ratio_name(catalog, slo, tier.long)} > {threshold} and {ratio_name(catalog, slo, tier.short)} > "
            f"{threshold}")
    return Rule(alert=alert_name(slo, tier), expr=expr, for_=scale_duration(tier.for_, scale),
                labels=tuple(sorted(alert_labels(catalog, slo, tier).items())),
                annotations=tuple(sorted(alert_annotations(catalog, slo, tier).items())),
                objective=slo.name, threshold=slo.threshold(tier), source=f"{slo.source}.alerting.tiers[{index}]")


def slo_rule_groups(catalog: Catalog, scale: float = 1.0) -> tuple[RuleGroup, ...]:
    if not catalog.slos:
        return ()
    service = catalog.service.name
    recording = [Rule(**{**r.__dict__, "expr": scale_ranges(r.expr, scale)})
                 for slo in catalog.slos for r in recording_rules(catalog, slo)]
    # pages first: one evaluation sends a page before the ticket it inhibits
    alerts = [alert_rule(catalog, slo, tier, i, scale) for slo in catalog.slos
              for i, tier in sorted(enumerate(slo.alerting.tiers), key=lambda p: p[1].alert != "page")]
    alerts = [Rule(**{**r.__dict__, "expr": scale_ranges(r.expr, scale)}) for r in alerts]
    return (RuleGroup(f"{service}-slo-recording", "recording", tuple(recording)),
            RuleGroup(f"{service}-slo-alerts", "alerts", tuple(alerts)))
