"""Test cases for the generated promtool unit tests, derived from the catalog.

For every alert (objective alerts and free-form alerts with a `test:` block):
  * it fires once `for` has passed while the condition holds, with its exact labels and annotations,
    and not one evaluation earlier;
  * it resolves once the recovered samples fill the window;
  * it stays quiet just below the threshold (objectives: one unit of traffic below it; free-form
    alerts: the catalog's `quiet` value);
  * error-ratio objectives also fire at twice the objective and stay quiet at half of it.
For every recording rule: its value in a steady state, computed by `generator.build.steady_state`.

Every alert expectation comes from the catalog, never from the rule under test
(`generator.build.catalog_oracle`): `for`, the threshold the series are built around, the
objective's aggregation labels, severity and team, and the annotation text rendered from the
catalog's templates with the catalog's numbers. A rule file that disagrees with its catalog in any of
these fails its test. Recording-rule values are computed by evaluating the rules over the series.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from generator.build import go_template
from generator.build.catalog_oracle import AlertSample, objective_sample, objective_value, render_alert
from generator.build.expressions import expand_selector
from generator.build.rules import Rule, RuleGroup
from generator.derive import count_run
from generator.build.steady_state import NAME, Evaluator, InputSeries, RecordedRule, Unsupported
from generator.build.test_series import (
    STEP, Phase, SeriesUnsupported, TimedSeries, exact_units, filter_keeps, histogram_series, label_sets, nearest_exact,
    other_value, sample_values, split, target_labels,
)
from generator.model import (
    AlertDef, AlertText, Catalog, ErrorRatioObjective, LatencyObjective, Objective, filter_selects, parse_duration,
)
from generator.promql import MatrixSelector, Subquery, VectorSelector, parse, walk


@dataclass(frozen=True)
class ExpectedAlert:
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AlertCheck:
    minute: int
    alert: str
    expected: tuple[ExpectedAlert, ...]  # empty: no firing alert


@dataclass(frozen=True)
class ExprCheck:
    minute: int
    expr: str
    samples: tuple[tuple[str, float], ...]  # (series text, value)


@dataclass
class TestCase:
    name: str
    series: list[TimedSeries]
    alerts: list[AlertCheck] = field(default_factory=list)
    exprs: list[ExprCheck] = field(default_factory=list)


@dataclass
class Plan:
    cases: list[TestCase]
    untested: list[tuple[str, str, str]]  # (catalog doc path, rule name, reason)


# --- levels ------------------------------------------------------------------------------------

def _error_levels(threshold: float) -> tuple[int, dict[str, int]]:
    """Total units and error units per level; one unit is the smallest step above/below."""
    total = 100 * math.ceil(20 / threshold / 100)
    at = threshold * total
    return total, {"just_above": math.floor(at) + 1, "just_below": math.ceil(at) - 1,
                   "double": round(2 * at), "half": round(at / 2), "healthy": 0}


def _latency_levels(obj: LatencyObjective, buckets: tuple[float, ...], exact, total: int = 1600) -> dict[str, list[int]]:
    """Observations per bucket (last one +Inf) putting the quantile just above / below the threshold;
    every cumulative count has an exact rate."""
    k = buckets.index(obj.threshold)
    if k + 1 >= len(buckets):
        raise SeriesUnsupported(f"threshold {obj.threshold:g} is the highest finite bucket: the quantile can never exceed it")
    total = nearest_exact(total, exact, 1)
    rank = obj.quantile * total

    def shape(at_or_below: int) -> list[int]:
        counts = [0] * (len(buckets) + 1)
        low = nearest_exact(min(total // 2, at_or_below), exact, -1) if k > 0 else 0
        counts[0] += low
        counts[k] += at_or_below - low
        counts[k + 1] += total - at_or_below
        return counts

    healthy = [0] * (len(buckets) + 1)
    healthy[0] = total
    return {"just_above": shape(nearest_exact(math.ceil(rank) - 1, exact, -1)),
            "just_below": shape(nearest_exact(math.floor(rank) + 1, exact, 1)), "healthy": healthy}


# --- series per objective ------------------------------------------------------------------------

def _error_series(catalog: Catalog, obj: ErrorRatioObjective, errors: int, total: int, exact, direction: int) -> list[tuple[str, dict, float]]:
    """(name, labels, per-minute step): errors and requests of the service, plus noise that must not count.

    Counted errors and requests take only values the objective does not exclude and its other
    matchers (`!=`, `=~`, `!~`) select; a burst of each excluded value and of a value each such
    matcher does not select (half the requests) is added as noise."""
    err_ref, tot_ref = obj.errors, obj.total
    err_metric, tot_metric = catalog.metric(err_ref.metric), catalog.metric(tot_ref.metric)
    fixed_e, fixed_t = dict(err_ref.matchers), dict(tot_ref.matchers)
    skip_e, skip_t = dict(err_ref.exclude), dict(tot_ref.exclude)
    base, noise = target_labels(catalog), target_labels(catalog, noise=True)
    same = err_metric.name == tot_metric.name
    keep_e, keep_t = filter_keeps(*err_ref.filters), filter_keeps(*tot_ref.filters)
    keep_both = filter_keeps(*err_ref.filters, *tot_ref.filters) if same else keep_e
    out = []

    def spread(metric, fixed, units, labels, toward=1, skip=None, sets=None, keep=None) -> int:
        sets = sets or label_sets(metric, fixed, exclude=skip, keep=keep)
        shares = split(units, len(sets), exact, toward)
        for share, extra in zip(shares, sets):
            out.append((metric.name, {**labels, **extra}, share * STEP))
        return sum(shares)

    def burst(metric, ref, fixed, skip, keep) -> int:
        """Excluded values and values a matcher does not select, at half the requests; units that the total counts."""
        first = label_sets(metric, fixed, exclude=skip, keep=keep)[0]
        sets = [{**first, k: v} for k, values in ref.exclude for v in values]
        for k, op, v in ref.filters:
            rejected = [{**first, k: c} for c in sample_values(metric.label(k), 32) if not filter_selects(op, v, c)]
            # on one counter, an error's rejected value the total counts is plain traffic, already there
            rejected = [r for r in rejected if not (same and ref is err_ref and tot_ref.selects(r))]
            if rejected:
                sets.append(rejected[0])
        if not sets:
            return 0
        if not ref.filters:
            units = spread(metric, fixed, total // 2, base, sets=sets)
            return units if same and all(tot_ref.selects(s) for s in sets) else 0
        shares = split(total // 2, len(sets), exact)
        for share, extra in zip(shares, sets):
            out.append((metric.name, {**base, **extra}, share * STEP))
        return sum(share for share, extra in zip(shares, sets) if same and tot_ref.selects(extra))

    if same:
        # requests that are not errors: flip an errors-only matcher (one the total shares must hold)
        ok_e = {k: other_value(err_metric.label(k), v) for k, v in fixed_e.items() if fixed_t.get(k) != v}
        # without an equality matcher to flip, requests that are not errors fail the errors' first other
        # matcher that the total does not share (failing a shared one would leave the total too)
        own = [f for f in err_ref.filters if f not in tot_ref.filters] or list(err_ref.filters)
        ok_keep = keep_t if ok_e or not err_ref.filters else {
            **keep_t, **_both(keep_t, filter_keeps(own[0], negate=True))}
        counted = spread(err_metric, {**fixed_t, **fixed_e}, errors, base, direction, {**skip_t, **skip_e}, keep=keep_both)
        in_total = burst(err_metric, err_ref, {**fixed_t, **fixed_e}, {**skip_t, **skip_e}, keep_both)
        burst(tot_metric, tot_ref, {**fixed_t, **ok_e}, skip_t, ok_keep)
        spread(tot_metric, {**fixed_t, **ok_e}, total - counted - in_total, base, skip=skip_t, keep=ok_keep)
    else:
        spread(err_metric, fixed_e, errors, base, direction, skip_e, keep=keep_e)
        spread(tot_metric, fixed_t, total, base, skip=skip_t, keep=keep_t)
        burst(err_metric, err_ref, fixed_e, skip_e, keep_e)
        burst(tot_metric, tot_ref, fixed_t, skip_t, keep_t)
        for k, v in fixed_e.items():  # errors outside the objective's matchers
            spread(err_metric, {**fixed_e, k: other_value(err_metric.label(k), v)}, total // 2, base, keep=keep_e)
    for k, v in fixed_t.items():  # traffic outside the objective's matchers (another path)
        spread(tot_metric, {**fixed_t, k: other_value(tot_metric.label(k), v)}, total // 2, base)
    # another service failing half of its requests
    spread(err_metric, {**fixed_t, **fixed_e} if same else fixed_e, total // 2, noise)
    if not same:
        spread(tot_metric, fixed_t, total, noise)
    return out


def _both(first: dict, second: dict) -> dict:
    """Predicates of two `filter_keeps` maps joined per label (a value must pass both)."""
    out = dict(first)
    for name, predicate in second.items():
        out[name] = (lambda a, b: lambda v: a(v) and b(v))(first[name], predicate) if name in first else predicate
    return out


def _latency_series(catalog: Catalog, obj: LatencyObjective, counts: list[int]) -> list[tuple[str, dict, float]]:
    """Every label set (e.g. each provider) observes the same distribution, so each one alone and their
    sum put the quantile at the same place."""
    metric = catalog.metric(obj.metric)
    out = []
    ref = obj.selection
    fixed = dict(ref.matchers) if ref else {}
    sets = label_sets(metric, fixed, keep=filter_keeps(*ref.filters) if ref else None)
    for extra in sets:
        out += histogram_series(metric, {**target_labels(catalog), **extra}, counts)
    slow = [0] * len(counts)
    slow[-1] = sum(counts)  # another service, every request slower than the highest bucket
    out += histogram_series(metric, {**target_labels(catalog, noise=True), **sets[0]}, slow)
    # this service's requests the objective's matchers leave out (another route): all slow, never counted
    rejected = [{**sets[0], k: other_value(metric.label(k), v)} for k, v in fixed.items()]
    for k, op, v in ref.filters if ref else ():
        rejected += [{**sets[0], k: c} for c in sample_values(metric.label(k), 32) if not filter_selects(op, v, c)][:1]
    for extra in rejected:
        out += histogram_series(metric, {**target_labels(catalog), **extra}, slow)
    return out


def _objective_series(catalog: Catalog, obj: Objective, level: str, exact) -> list[tuple[str, dict, float]]:
    if isinstance(obj, LatencyObjective):
        metric = catalog.metric(obj.metric)
        return _latency_series(catalog, obj, _latency_levels(obj, metric.buckets, exact)[level])
    total, levels = _error_levels(obj.threshold)
    return _error_series(catalog, obj, levels[level], total, exact, -1 if level in ("just_below", "half") else 1)


def _timed(phases: list[tuple[list[tuple[str, dict, float]], int]]) -> list[TimedSeries]:
    """Counter series over consecutive phases (same series in every phase, steps may change)."""
    keyed: dict[tuple, list[Phase]] = {}
    for series, samples in phases:
        for name, labels, step in series:
            keyed.setdefault((name, tuple(sorted(labels.items()))), []).append(Phase(samples, per_minute=step))
    return [TimedSeries(name, labels, tuple(p), start=_history(p[0].per_minute)) for (name, labels), p in sorted(keyed.items())]


def _history(per_minute: float | None) -> float:
    """A counter's value when the test starts: an hour at its first rate, so cumulative buckets stay ordered."""
    return 60 * per_minute if per_minute else 0.0


# --- the plan ------------------------------------------------------------------------------------

class _Planner:
    def __init__(self, catalog: Catalog, groups: tuple[RuleGroup, ...]):
        self.catalog = catalog
        self.records = {r.record: RecordedRule(r.expr, r.labels) for g in groups for r in g.rules if r.record}
        self.recording = [r for g in groups for r in g.rules if r.record]
        self.recording_of: dict[str, list[Rule]] = {}  # objective name -> its recording rules, in order
        for r in self.recording:
            if r.objective:
                self.recording_of.setdefault(r.objective, []).append(r)
        self.cases: list[TestCase] = []
        windows = {n.range.seconds for g in groups for r in g.rules for n in walk(parse(r.expr))
                   if isinstance(n, (MatrixSelector, Subquery)) and n.range.seconds}
        self.exact = exact_units(tuple(sorted(windows)))
        self.untested: list[tuple[str, str, str]] = []

    def evaluator(self, series: list[InputSeries], given: str = "", now: float | None = None) -> Evaluator:
        """`given`: a recorded name whose samples are input series here, not its rule's output (the
        rule has no input in that test, so promtool records nothing under the name); `now`: what
        time() gives (None: an expression using time() is unsupported)."""
        return Evaluator(series, {k: v for k, v in self.records.items() if k != given}, now)

    def expected(self, text: AlertText, objective: Objective | None,
                 samples: list[AlertSample]) -> tuple[ExpectedAlert, ...]:
        """The firing alerts the catalog describes for these samples of its condition."""
        return tuple(ExpectedAlert(*render_alert(self.catalog, text, objective, s)) for s in samples)

    def expected_objective(self, obj: Objective, series: list[InputSeries]) -> tuple[ExpectedAlert, ...]:
        sample = objective_sample(self.catalog, obj, series)
        return self.expected(obj.alert, obj, [sample] if sample else [])

    def expected_free(self, alert: AlertDef, series: list[InputSeries], minute: int | None = None) -> tuple[ExpectedAlert, ...]:
        """A free-form alert: the catalog's own expression (selector expanded) over the series, evaluated
        at `minute` of the test (what time() gives; None: an expression using time() is unsupported).
        Its test series may be a recorded one (an alert on a recording rule's output): the series is
        then given as it is, and the rule that records it is proven by its own steady-state test."""
        expr = expand_selector(alert.expr, self.catalog.service.selector_text)
        now = None if minute is None else minute * 60.0
        evaluator = self.evaluator(series, given=series[0].name if series else "", now=now)
        samples = [AlertSample(tuple(sorted(s.labels.items())), s.value) for s in evaluator.vector(expr)]
        return self.expected(alert.text, None, samples)

    def objective(self, obj: Objective, at: str) -> None:
        if obj.alert is None:  # `alert: false`: its recording rules are still tested
            return self.objective_records(obj)
        window = _minutes(obj.window)
        fire = 1 + _minutes(obj.alert.for_)  # the first rate needs two samples: the condition holds from 1m
        before = fire - 1

        def steady(level):
            return [InputSeries(n, tuple(sorted(lab.items())), per_minute=s) for n, lab, s in _objective_series(self.catalog, obj, level, self.exact)]

        alert = obj.alert.name
        fired = self.expected_objective(obj, steady("just_above"))
        if not fired:
            raise Unsupported("the alert expression gives no sample just above the threshold")
        above = _objective_series(self.catalog, obj, "just_above", self.exact)
        healthy = _objective_series(self.catalog, obj, "healthy", self.exact)
        phase1 = fire + 1
        series = _timed([(above, phase1), (healthy, window + 2)])
        resolved = phase1 + window
        self.cases.append(TestCase(f"{alert}: fires {obj.alert.for_} after the threshold is crossed, resolves after recovery", series, [
            AlertCheck(before, alert, ()),
            AlertCheck(fire, alert, fired),
            AlertCheck(resolved, alert, ()),
        ]))
        below = _timed([(_objective_series(self.catalog, obj, "just_below", self.exact), fire + window + 2)])
        self.cases.append(TestCase(f"{alert}: stays quiet just below the threshold", below, [
            AlertCheck(fire, alert, ()), AlertCheck(fire + window, alert, ())]))
        if isinstance(obj, ErrorRatioObjective):
            for level, words in (("double", "fires at twice the objective"), ("half", "stays quiet at half the objective")):
                timed = _timed([(_objective_series(self.catalog, obj, level, self.exact), fire + 2)])
                expect = self.expected_objective(obj, steady(level)) if level == "double" else ()
                self.cases.append(TestCase(f"{alert}: {words}", timed, [AlertCheck(fire, alert, expect)]))
            self.window_case(obj, window, fire)
        self.objective_records(obj)

    def objective_records(self, obj: Objective) -> None:
        series = [InputSeries(n, tuple(sorted(lab.items())), per_minute=s)
                  for n, lab, s in _objective_series(self.catalog, obj, "just_above", self.exact)]
        rules = self.recording_of.get(obj.name, [])
        self.recording_case(f"{obj.name}: recording rules in a steady state", series, rules,
                            max(_minutes(obj.window), 1) + 1)

    def window_case(self, obj: Objective, window: int, fire: int) -> None:
        """Many times the objective, then healthy: the alert keeps firing while the catalog's window
        still holds enough of the bad minutes, and stops the minute after; a rule with a shorter or
        longer window than the catalog's resolves at another minute. The two minutes checked are at
        least 5 % away from the threshold (Prometheus sums in no fixed order), else the case is left out."""
        total, _ = _error_levels(obj.threshold)
        healthy_series = _error_series(self.catalog, obj, 0, total, self.exact, 1)
        healthy = {(n, tuple(sorted(lab.items()))): s for n, lab, s in healthy_series}
        for times in (10, 9, 11, 8, 12, 7):
            if times * obj.threshold > 0.5 or window < 2:
                continue
            high = _error_series(self.catalog, obj, round(times * obj.threshold * total), total, self.exact, 1)

            def seen(k: int) -> list[InputSeries]:
                """The series as a window ending k minutes after recovery averages them."""
                return [InputSeries(n, key, per_minute=((window - k) * s + k * healthy[(n, key)]) / window)
                        for n, lab, s in high for key in [tuple(sorted(lab.items()))]]

            values = [objective_value(self.catalog, obj, seen(k)) for k in range(window + 1)]
            above = [k for k, v in enumerate(values) if v > obj.threshold]
            last = max(above, default=0)
            if not 0 < last < window or not (values[last] > 1.05 * obj.threshold and values[last + 1] < 0.95 * obj.threshold):
                continue
            recovery = max(fire, window)  # the last bad sample; every window checked lies inside the data
            series = _timed([(high, recovery + 1), (healthy_series, window + 2)])
            alert = obj.alert.name
            self.cases.append(TestCase(
                f"{alert}: at {times} times the objective, keeps firing {last}m into recovery, its {obj.window} window",
                series, [AlertCheck(recovery + last, alert, self.expected_objective(obj, seen(last))),
                         AlertCheck(recovery + last + 1, alert, ())]))
            return

    def recording_case(self, name: str, series: list[InputSeries], rules: list[Rule], minute: int) -> None:
        evaluator = self.evaluator(series)
        checks = []
        for rule in rules:
            samples = tuple((_series_text(s.labels), s.value) for s in evaluator.vector(rule.record))
            checks.append(ExprCheck(minute, rule.record, samples))
        timed = [TimedSeries(s.name, s.labels, (Phase(minute + 2, s.per_minute, s.value),), start=_history(s.per_minute))
                 for s in series]
        self.cases.append(TestCase(name, timed, exprs=checks))

    def free_alert(self, alert: AlertDef) -> None:
        test = alert.test
        name, expr = alert.text.name, expand_selector(alert.expr, self.catalog.service.selector_text)
        selector = _selector(expand_selector(test.series, self.catalog.service.selector_text))
        labels = tuple(sorted((m.name, m.value) for m in selector.label_matchers if m.op == "="))
        noise_labels = tuple(sorted((k, f"{v}-other" if (k, v) in self.catalog.service.selector else v) for k, v in labels))
        window = _longest_range(expr)
        onset = 1 if window else 0
        fire = onset + _minutes(alert.text.for_)
        phase1 = fire + 1
        noise_value = test.firing if test.firing is not None else test.quiet

        def state(value):
            return [InputSeries(selector.metric_name, labels, value=value),
                    InputSeries(selector.metric_name, noise_labels, value=noise_value)]

        noise = TimedSeries(selector.metric_name, noise_labels, (Phase(phase1 + window + 1, value=noise_value),))
        main = TimedSeries(selector.metric_name, labels, (Phase(phase1, value=test.firing), Phase(window + 1, value=test.quiet)))
        expected = self.expected_free(alert, state(test.firing), fire)
        # the condition must hold at every evaluation from its onset (time() moves with the clock)
        if not expected or not all(self.expected_free(alert, state(test.firing), m) for m in range(onset, fire)):
            raise Unsupported(f"the expression gives no sample when {test.series} is at its firing value")
        if any(self.expected_free(alert, state(test.quiet), m) for m in (fire, phase1 + window)):
            raise Unsupported(f"the expression still gives a sample when {test.series} is at its quiet value")
        self.cases.append(TestCase(f"{name}: fires {alert.text.for_} after its condition holds, resolves after recovery",
                                   [main, noise], [AlertCheck(fire - 1, name, ()), AlertCheck(fire, name, expected),
                                                   AlertCheck(phase1 + window, name, ())]))
        quiet = TimedSeries(selector.metric_name, labels, (Phase(phase1 + window + 1, value=test.quiet),))
        self.cases.append(TestCase(f"{name}: stays quiet at {_value_text(test.quiet)}", [quiet, noise],
                                   [AlertCheck(fire, name, ()), AlertCheck(phase1 + window, name, ())]))

    def free_recording(self, rule: Rule) -> None:
        series = _inputs_for(self.catalog, rule.expr, self.records, self.exact)
        self.recording_case(f"{rule.record}: value in a steady state", series, [rule], _longest_range_all(rule.expr, self.records) + 1)


def build_plan(catalog: Catalog, groups: tuple[RuleGroup, ...]) -> Plan:
    from generator.slo.rules import is_slo_group  # SLO groups have their own plan (generator.slo.tests)

    count_run(catalog, "test_plan")
    planner = _Planner(catalog, tuple(g for g in groups if not is_slo_group(g)))
    for i, obj in enumerate(catalog.objectives):
        try:
            planner.objective(obj, f"objectives[{i}]")
        except (Unsupported, SeriesUnsupported) as exc:
            planner.untested.append((f"objectives[{i}]", obj.alert.name if obj.alert else obj.name, str(exc)))
    for i, alert in enumerate(catalog.alerts):
        if alert.test is None:
            planner.untested.append((f"alerts[{i}]", alert.text.name, "no test: block gives its firing and quiet series"))
            continue
        try:
            planner.free_alert(alert)
        except (Unsupported, SeriesUnsupported, go_template.TemplateUnsupported) as exc:
            planner.untested.append((f"alerts[{i}].test", alert.text.name, str(exc)))
    for rule in planner.recording:
        if rule.objective:
            continue
        try:
            planner.free_recording(rule)
        except (Unsupported, SeriesUnsupported) as exc:
            planner.untested.append((rule.source, rule.record, str(exc)))
    return Plan(planner.cases, planner.untested)


# --- helpers -------------------------------------------------------------------------------------

def _minutes(duration: str) -> int:
    return math.ceil(parse_duration(duration) / 60)


def _value_text(value: float | None) -> str:
    return "absent" if value is None else f"{value:g}"


def _series_text(labels: dict[str, str]) -> str:
    name = labels.get(NAME, "")
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != NAME)
    return f"{name}{{{inner}}}"


def _selector(text: str) -> VectorSelector:
    node = parse(text)
    if not isinstance(node, VectorSelector):
        raise Unsupported(f"test series {text!r} is not a series selector")
    return node


def _longest_range(expr: str) -> int:
    ranges = [n.range.seconds for n in walk(parse(expr)) if isinstance(n, (MatrixSelector, Subquery)) and n.range.seconds]
    return math.ceil(max(ranges) / 60) if ranges else 0


def _longest_range_all(expr: str, records: dict[str, RecordedRule]) -> int:
    longest = _longest_range(expr)
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
