"""Test cases of recording rules: each rule's value in a steady state, computed by evaluating the
rules over the input series (`generator.build.steady_state`). An objective's rules are tested
together over its series just above the threshold; every other rule alone, over realistic series
for each of its selectors (values its matchers select, one they reject, another service's copy).
"""
from __future__ import annotations

from generator.build.rule_test_cases.cases import ExprCheck, TestCase
from generator.build.rule_test_cases.context import Context, history, longest_range, minutes
from generator.build.rule_test_cases.objective_series import steady_series
from generator.build.rules import Rule
from generator.build.steady_state import NAME, InputSeries, RecordedRule
from generator.build.test_series import (
    STEP, Phase, SeriesUnsupported, TimedSeries, histogram_series, label_sets, nearest_exact, other_value, target_labels,
)
from generator.model import Catalog, Objective
from generator.promql import VectorSelector, parse, walk


def objective_recording_case(ctx: Context, obj: Objective) -> None:
    series = steady_series(ctx.catalog, obj, "just_above", ctx.exact)
    rules = ctx.recording_of.get(obj.name, [])
    _recording_case(ctx, f"{obj.name}: recording rules in a steady state", series, rules, max(minutes(obj.window), 1) + 1)


def free_recording_case(ctx: Context, rule: Rule) -> None:
    series = _inputs_for(ctx.catalog, rule.expr, ctx.records, ctx.exact)
    _recording_case(ctx, f"{rule.record}: value in a steady state", series, [rule], _longest_range_all(rule.expr, ctx.records) + 1)


def _recording_case(ctx: Context, name: str, series: list[InputSeries], rules: list[Rule], minute: int) -> None:
    evaluator = ctx.evaluator(series)
    checks = []
    for rule in rules:
        samples = tuple((_series_text(s.labels), s.value) for s in evaluator.vector(rule.record))
        checks.append(ExprCheck(minute, rule.record, samples))
    timed = [TimedSeries(s.name, s.labels, (Phase(minute + 2, s.per_minute, s.value),), start=history(s.per_minute))
             for s in series]
    ctx.cases.append(TestCase(name, timed, exprs=checks))


def _series_text(labels: dict[str, str]) -> str:
    name = labels.get(NAME, "")
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != NAME)
    return f"{name}{{{inner}}}"


def _longest_range_all(expr: str, records: dict[str, RecordedRule]) -> int:
    longest = longest_range(expr)
    for node in walk(parse(expr)):
        if isinstance(node, VectorSelector) and node.metric_name in records:
            longest = max(longest, _longest_range_all(records[node.metric_name].expr, records))
    return longest


def _inputs_for(catalog: Catalog, expr: str, records: dict[str, RecordedRule], exact) -> list[InputSeries]:
    """Realistic series for every selector of an expression: label values its matchers select, one
    value they reject, and another service's copy that must not count."""
    out: dict[tuple, InputSeries] = {}
    for node in walk(parse(expr)):
        if not isinstance(node, VectorSelector):
            continue
        name = node.metric_name
        if name in records:
            for s in _inputs_for(catalog, records[name].expr, records, exact):
                out[(s.name, s.labels)] = s
            continue
        metric = catalog.series_owner(name)
        if metric is None:
            raise SeriesUnsupported(f"{name} is not a metric of the catalog")
        fixed = {m.name: m.value for m in node.label_matchers if m.op == "=" and metric.label(m.name)}
        sets = label_sets(metric, fixed) + [
            {**label_sets(metric, fixed)[0], k: other_value(metric.label(k), v)} for k, v in fixed.items()]
        for n, (labels, noise) in enumerate((lab, noise) for noise in (False, True) for lab in sets):
            base = {**target_labels(catalog, noise=noise), **labels}
            if metric.type == "histogram":
                cumulative = [0]
                for i in range(len(metric.buckets) + 1):
                    cumulative.append(nearest_exact(cumulative[-1] + (n + 1) * (i + 1), exact, 1))
                counts = [b - a for a, b in zip(cumulative, cumulative[1:])]
                for sname, slabels, step in histogram_series(metric, base, counts):
                    out[(sname, tuple(sorted(slabels.items())))] = InputSeries(sname, tuple(sorted(slabels.items())), per_minute=step)
            elif metric.type == "counter":
                out[(name, tuple(sorted(base.items())))] = InputSeries(name, tuple(sorted(base.items())), per_minute=nearest_exact(n + 1, exact, 1) * STEP)
            else:
                out[(name, tuple(sorted(base.items())))] = InputSeries(name, tuple(sorted(base.items())), value=float(10 * (n + 1)))
    return sorted(out.values(), key=lambda s: (s.name, s.labels))
