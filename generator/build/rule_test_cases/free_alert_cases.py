"""Test cases of a free-form alert with a `test:` block: it fires once `for` has passed while its test
series is at the `firing` value (and not one evaluation earlier), resolves once the series is back at
`quiet`, and stays quiet at `quiet`; beside it, another service's copy of the series must not count.

The expected alerts are the catalog's own expression (selector expanded) evaluated over the series,
rendered with the catalog's templates.
"""
from __future__ import annotations

from generator.build.catalog_oracle import AlertSample
from generator.build.expressions import expand_selector
from generator.build.rule_test_cases.cases import AlertCheck, ExpectedAlert, TestCase
from generator.build.rule_test_cases.context import Context, longest_range, minutes
from generator.build.steady_state import InputSeries, Unsupported
from generator.build.test_series import Phase, TimedSeries
from generator.model import AlertDef
from generator.promql import VectorSelector, parse


def free_alert_cases(ctx: Context, alert: AlertDef) -> None:
    test = alert.test
    name, expr = alert.text.name, expand_selector(alert.expr, ctx.catalog.service.selector_text)
    selector = _selector(expand_selector(test.series, ctx.catalog.service.selector_text))
    labels = tuple(sorted((m.name, m.value) for m in selector.label_matchers if m.op == "="))
    noise_labels = tuple(sorted((k, f"{v}-other" if (k, v) in ctx.catalog.service.selector else v) for k, v in labels))
    window = longest_range(expr)
    onset = 1 if window else 0
    fire = onset + minutes(alert.text.for_)
    phase1 = fire + 1
    noise_value = test.firing if test.firing is not None else test.quiet

    def state(value):
        return [InputSeries(selector.metric_name, labels, value=value),
                InputSeries(selector.metric_name, noise_labels, value=noise_value)]

    noise = TimedSeries(selector.metric_name, noise_labels, (Phase(phase1 + window + 1, value=noise_value),))
    main = TimedSeries(selector.metric_name, labels, (Phase(phase1, value=test.firing), Phase(window + 1, value=test.quiet)))
    expected = _expected(ctx, alert, state(test.firing), fire)
    # the condition must hold at every evaluation from its onset (time() moves with the clock)
    if not expected or not all(_expected(ctx, alert, state(test.firing), m) for m in range(onset, fire)):
        raise Unsupported(f"the expression gives no sample when {test.series} is at its firing value")
    if any(_expected(ctx, alert, state(test.quiet), m) for m in (fire, phase1 + window)):
        raise Unsupported(f"the expression still gives a sample when {test.series} is at its quiet value")
    ctx.cases.append(TestCase(f"{name}: fires {alert.text.for_} after its condition holds, resolves after recovery",
                              [main, noise], [AlertCheck(fire - 1, name, ()), AlertCheck(fire, name, expected),
                                              AlertCheck(phase1 + window, name, ())]))
    quiet = TimedSeries(selector.metric_name, labels, (Phase(phase1 + window + 1, value=test.quiet),))
    ctx.cases.append(TestCase(f"{name}: stays quiet at {_value_text(test.quiet)}", [quiet, noise],
                              [AlertCheck(fire, name, ()), AlertCheck(phase1 + window, name, ())]))


def _expected(ctx: Context, alert: AlertDef, series: list[InputSeries], minute: int | None = None) -> tuple[ExpectedAlert, ...]:
    """The catalog's own expression (selector expanded) over the series, evaluated at `minute` of the
    test (what time() gives; None: an expression using time() is unsupported). Its test series may be
    a recorded one (an alert on a recording rule's output): the series is then given as it is, and the
    rule that records it is proven by its own steady-state test."""
    expr = expand_selector(alert.expr, ctx.catalog.service.selector_text)
    now = None if minute is None else minute * 60.0
    evaluator = ctx.evaluator(series, given=series[0].name if series else "", now=now)
    samples = [AlertSample(tuple(sorted(s.labels.items())), s.value) for s in evaluator.vector(expr)]
    return ctx.expected(alert.text, None, samples)


def _selector(text: str) -> VectorSelector:
    node = parse(text)
    if not isinstance(node, VectorSelector):
        raise Unsupported(f"test series {text!r} is not a series selector")
    return node


def _value_text(value: float | None) -> str:
    return "absent" if value is None else f"{value:g}"
