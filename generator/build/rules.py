"""Objectives and catalog rules -> Prometheus rule groups.

One number per objective flows from here into the recording rule, the alert expression and the
alert text; dashboards and k6 read the same `Objective.threshold`.

`scale` gives the time-scaled profile of the closed-loop test: every window and `for` is divided by
it, the expressions and rule names stay the same.
"""
from __future__ import annotations

from dataclasses import dataclass

from generator.build.expressions import (
    expand_selector, fill_text, format_number, human_threshold, scale_duration, scale_ranges,
)
from generator.derive import count_run
from generator.errors import CatalogError, Location, Problem
from generator.model import AlertText, Catalog, ErrorRatioObjective, LatencyObjective, MetricRef, Objective


@dataclass(frozen=True)
class Rule:
    """One Prometheus rule. `record` rules have no for/annotations; `alert` rules have no record."""
    expr: str
    record: str = ""
    alert: str = ""
    for_: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    objective: str = ""  # name of the objective it was derived from, if any
    threshold: float | None = None  # the objective's number, for tests and diffs
    source: str = ""  # catalog document path it comes from

    @property
    def name(self) -> str:
        return self.record or self.alert


@dataclass(frozen=True)
class RuleGroup:
    name: str
    kind: str  # "alerts" | "recording"
    rules: tuple[Rule, ...]


def quantile_name(q: float) -> str:
    """0.95 -> "p95", 0.999 -> "p99_9"."""
    return "p" + f"{q * 100:g}".replace(".", "_")


def window_name(window: str) -> str:
    return f"rate{window}"


def _by(catalog: Catalog, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return catalog.service.aggregation_labels + extra


def _matchers(catalog: Catalog, ref: MetricRef | None = None) -> str:
    """The service's selector, then the reference's equality matchers, its other matchers, then its exclusions
    (`label!="v"` for one value, `label!~"v1|v2"` for several)."""
    parts = [catalog.service.selector_text]
    if ref is not None:
        parts += [f'{k}="{_string(v)}"' for k, v in ref.matchers]
        parts += [f'{k}{op}"{_string(v)}"' for k, op, v in ref.filters]
        parts += [f'{k}!="{_string(vs[0])}"' if len(vs) == 1 else f'{k}!~"{_string("|".join(map(_regex, vs)))}"'
                  for k, vs in ref.exclude]
    return ", ".join(parts)


_REGEX_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _regex(value: str) -> str:
    """A label value as a literal inside a Prometheus (RE2) regular expression."""
    return "".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in value)


def _string(value: str) -> str:
    """Escaped for a double-quoted PromQL string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def latency_rules(catalog: Catalog, obj: LatencyObjective, at: str) -> list[Rule]:
    """Bucket rate and quantile; `matchers:` narrow the histogram (equality ones aggregate, others
    name the rules after the objective, as a narrowed rate is not the histogram's plain one)."""
    selection = obj.selection
    by = _by(catalog, tuple(k for k, _ in selection.matchers) if selection else ())
    window = obj.window
    rate = f"{obj.name}_{window_name(window)}" if selection and selection.filters else window_name(window)
    bucket = f"{'_'.join(by + ('le',))}:{obj.metric}_bucket:{rate}"
    quantile = f"{'_'.join(by)}:{obj.metric}:{quantile_name(obj.quantile)}_{rate}"
    return [
        Rule(record=bucket, objective=obj.name, source=at,
             expr=f"sum by ({', '.join(by + ('le',))}) (rate({obj.metric}_bucket{{{_matchers(catalog, selection)}}}[{window}]))"),
        Rule(record=quantile, objective=obj.name, source=at,
             expr=f"histogram_quantile({format_number(obj.quantile)}, {bucket})"),
    ]


def _rate_rule(catalog: Catalog, ref: MetricRef, window: str, obj: Objective, at: str) -> Rule:
    by = _by(catalog, tuple(k for k, _ in ref.matchers))
    metric = catalog.metric(ref.metric)
    # a rate narrowed by != / =~ / !~ is not the counter's plain rate: the objective names it
    operation = f"{obj.name}_{at.rsplit('.', 1)[-1]}_{window_name(window)}" if ref.filters else window_name(window)
    record = f"{'_'.join(by)}:{metric.base_name}:{operation}"
    expr = f"sum by ({', '.join(by)}) (rate({ref.metric}{{{_matchers(catalog, ref)}}}[{window}]))"
    return Rule(record=record, expr=expr, objective=obj.name, source=at)


def error_ratio_rules(catalog: Catalog, obj: ErrorRatioObjective, at: str) -> list[Rule]:
    errors = _rate_rule(catalog, obj.errors, obj.window, obj, f"{at}.errors")
    total = _rate_rule(catalog, obj.total, obj.window, obj, f"{at}.total")
    extra = sorted({k for k, _ in obj.errors.matchers} | {k for k, _ in obj.total.matchers})
    match = f" ignoring ({', '.join(extra)})" if extra else ""
    errors_base = catalog.metric(obj.errors.metric).base_name
    ratio = f"{'_'.join(_by(catalog))}:{errors_base}:ratio_{window_name(obj.window)}"
    return [errors, total, Rule(record=ratio, expr=f"{errors.record} /{match} {total.record}",
                                objective=obj.name, source=at)]


def objective_rules(catalog: Catalog, obj: Objective, at: str) -> list[Rule]:
    match obj:
        case LatencyObjective():
            return latency_rules(catalog, obj, at)
        case ErrorRatioObjective():
            return error_ratio_rules(catalog, obj, at)
    raise TypeError(f"no rules for objective type {type(obj).__name__}")


def _alert_rule(catalog: Catalog, text: AlertText, expr: str, at: str, scale: float,
                objective: Objective | None = None) -> Rule:
    values = {"for": text.for_}
    if objective is not None:
        values["threshold"] = human_threshold(objective.threshold, objective.unit)
    labels = dict(text.labels)
    labels.setdefault("severity", text.severity)
    labels.setdefault("team", catalog.service.team)
    annotations = dict(text.annotations)
    annotations.update(summary=fill_text(text.summary, values), description=fill_text(text.description, values),
                       runbook_url=text.runbook_url)
    return Rule(alert=text.name, expr=scale_ranges(expr, scale), for_=scale_duration(text.for_, scale),
                labels=tuple(sorted(labels.items())), annotations=tuple(sorted(annotations.items())),
                objective=objective.name if objective else "",
                threshold=objective.threshold if objective else None, source=at)


def build_rule_groups(catalog: Catalog, scale: float = 1.0) -> tuple[RuleGroup, ...]:
    """All recording and alert groups of a catalog, in a stable order."""
    count_run(catalog, "rule_groups")
    service = catalog.service.name
    recording: dict[str, dict[str, Rule]] = {}  # group -> record -> rule, in the order first derived
    alerts: dict[str, list[Rule]] = {}
    for i, obj in enumerate(catalog.objectives):
        at = f"objectives[{i}]"
        group = (obj.alert.group if obj.alert else "") or service
        derived = objective_rules(catalog, obj, at)
        for rule in derived:
            _add_unique(catalog, recording.setdefault(f"{group}-recording", {}), rule, scale)
        if obj.alert is None:  # `alert: false`: recording rules only
            continue
        slo_rule = derived[-1].record
        expr = f"{slo_rule} > {format_number(obj.threshold)}"
        alerts.setdefault(f"{group}-alerts", []).append(_alert_rule(catalog, obj.alert, expr, f"{at}.alert", scale, obj))
    selector = catalog.service.selector_text
    for i, rec in enumerate(catalog.recording_rules):
        rule = Rule(record=rec.record, expr=expand_selector(rec.expr, selector), labels=rec.labels,
                    source=f"recording_rules[{i}]")
        _add_unique(catalog, recording.setdefault(f"{rec.group or service}-recording", {}), rule, scale)
    for i, alert in enumerate(catalog.alerts):
        rule = _alert_rule(catalog, alert.text, expand_selector(alert.expr, selector), f"alerts[{i}]", scale)
        alerts.setdefault(f"{alert.text.group or service}-alerts", []).append(rule)
    from generator.slo.rules import slo_rule_groups  # SLO groups of their own (docs/slo.md)

    slo = slo_rule_groups(catalog, scale)
    groups = [RuleGroup(name, "recording", tuple(rules.values())) for name, rules in sorted(recording.items())]
    groups += [g for g in slo if g.kind == "recording"]
    groups += [RuleGroup(name, "alerts", tuple(rules)) for name, rules in sorted(alerts.items())]
    groups += [g for g in slo if g.kind == "alerts"]
    return tuple(groups)


def _add_unique(catalog: Catalog, rules: dict[str, Rule], rule: Rule, scale: float) -> None:
    """Objectives sharing a metric derive the same rule once; a clash of names is a catalog error."""
    rule = Rule(**{**rule.__dict__, "expr": scale_ranges(rule.expr, scale)})
    existing = rules.get(rule.record)
    if existing is None:
        rules[rule.record] = rule
    elif existing.expr != rule.expr:
        where = Location(str(catalog.path), catalog.line_of(rule.source), rule.source)
        raise CatalogError([Problem(where, f"recording rule {rule.record} is already defined by "
                                           f"{existing.source} with a different expression")])
