"""Test cases of an objective's alert: it fires once `for` has passed while the condition holds just
above the threshold (not one evaluation earlier) and resolves once recovered samples fill the window;
it stays quiet just below the threshold; an error ratio also fires at twice the objective, stays quiet
at half of it, and keeps firing exactly as long as the catalog's window holds enough bad minutes.

The expected alerts come from the catalog (`generator.build.catalog_oracle`), never from the rule.
"""
from __future__ import annotations

from generator.build.catalog_oracle import objective_sample, objective_value
from generator.build.rule_test_cases.cases import AlertCheck, ExpectedAlert, TestCase
from generator.build.rule_test_cases.context import Context, history, minutes
from generator.build.rule_test_cases.objective_series import error_levels, error_series, objective_series, steady_series
from generator.build.steady_state import InputSeries, Unsupported
from generator.build.test_series import Phase, TimedSeries
from generator.model import ErrorRatioObjective, Objective


def objective_alert_cases(ctx: Context, obj: Objective) -> None:
    window = minutes(obj.window)
    fire = 1 + minutes(obj.alert.for_)  # the first rate needs two samples: the condition holds from 1m
    before = fire - 1

    def steady(level):
        return steady_series(ctx.catalog, obj, level, ctx.exact)

    alert = obj.alert.name
    fired = _expected(ctx, obj, steady("just_above"))
    if not fired:
        raise Unsupported("the alert expression gives no sample just above the threshold")
    above = objective_series(ctx.catalog, obj, "just_above", ctx.exact)
    healthy = objective_series(ctx.catalog, obj, "healthy", ctx.exact)
    phase1 = fire + 1
    series = _timed([(above, phase1), (healthy, window + 2)])
    resolved = phase1 + window
    ctx.cases.append(TestCase(f"{alert}: fires {obj.alert.for_} after the threshold is crossed, resolves after recovery", series, [
        AlertCheck(before, alert, ()),
        AlertCheck(fire, alert, fired),
        AlertCheck(resolved, alert, ()),
    ]))
    below = _timed([(objective_series(ctx.catalog, obj, "just_below", ctx.exact), fire + window + 2)])
    ctx.cases.append(TestCase(f"{alert}: stays quiet just below the threshold", below, [
        AlertCheck(fire, alert, ()), AlertCheck(fire + window, alert, ())]))
    if isinstance(obj, ErrorRatioObjective):
        for level, words in (("double", "fires at twice the objective"), ("half", "stays quiet at half the objective")):
            timed = _timed([(objective_series(ctx.catalog, obj, level, ctx.exact), fire + 2)])
            expect = _expected(ctx, obj, steady(level)) if level == "double" else ()
            ctx.cases.append(TestCase(f"{alert}: {words}", timed, [AlertCheck(fire, alert, expect)]))
        _window_case(ctx, obj, window, fire)


def _expected(ctx: Context, obj: Objective, series: list[InputSeries]) -> tuple[ExpectedAlert, ...]:
    sample = objective_sample(ctx.catalog, obj, series)
    return ctx.expected(obj.alert, obj, [sample] if sample else [])


def _window_case(ctx: Context, obj: ErrorRatioObjective, window: int, fire: int) -> None:
    """Many times the objective, then healthy: the alert keeps firing while the catalog's window
    still holds enough of the bad minutes, and stops the minute after; a rule with a shorter or
    longer window than the catalog's resolves at another minute. The two minutes checked are at
    least 5 % away from the threshold (Prometheus sums in no fixed order), else the case is left out."""
    total, _ = error_levels(obj.threshold)
    healthy_series = error_series(ctx.catalog, obj, 0, total, ctx.exact, 1)
    healthy = {(n, tuple(sorted(lab.items()))): s for n, lab, s in healthy_series}
    for times in (10, 9, 11, 8, 12, 7):
        if times * obj.threshold > 0.5 or window < 2:
            continue
        high = error_series(ctx.catalog, obj, round(times * obj.threshold * total), total, ctx.exact, 1)

        def seen(k: int) -> list[InputSeries]:
            """The series as a window ending k minutes after recovery averages them."""
            return [InputSeries(n, key, per_minute=((window - k) * s + k * healthy[(n, key)]) / window)
                    for n, lab, s in high for key in [tuple(sorted(lab.items()))]]

        values = [objective_value(ctx.catalog, obj, seen(k)) for k in range(window + 1)]
        above = [k for k, v in enumerate(values) if v > obj.threshold]
        last = max(above, default=0)
        if not 0 < last < window or not (values[last] > 1.05 * obj.threshold and values[last + 1] < 0.95 * obj.threshold):
            continue
        recovery = max(fire, window)  # the last bad sample; every window checked lies inside the data
        series = _timed([(high, recovery + 1), (healthy_series, window + 2)])
        alert = obj.alert.name
        ctx.cases.append(TestCase(
            f"{alert}: at {times} times the objective, keeps firing {last}m into recovery, its {obj.window} window",
            series, [AlertCheck(recovery + last, alert, _expected(ctx, obj, seen(last))),
                     AlertCheck(recovery + last + 1, alert, ())]))
        return


def _timed(phases: list[tuple[list[tuple[str, dict, float]], int]]) -> list[TimedSeries]:
    """Counter series over consecutive phases (same series in every phase, steps may change)."""
    keyed: dict[tuple, list[Phase]] = {}
    for series, samples in phases:
        for name, labels, step in series:
            keyed.setdefault((name, tuple(sorted(labels.items()))), []).append(Phase(samples, per_minute=step))
    return [TimedSeries(name, labels, tuple(p), start=history(p[0].per_minute)) for (name, labels), p in sorted(keyed.items())]
