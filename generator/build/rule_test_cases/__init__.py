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

This module holds the plan: which cases each rule gets, in order, and which rules are left untested
and why. Each kind of case is built by a module of its own: `objective_cases` (an objective's alert,
over series from `objective_series`), `free_alert_cases`, `recording_cases`; what a case is, is
`cases`, and what they share, `context`.
"""
from __future__ import annotations

from generator.build import go_template
from generator.build.rule_test_cases.cases import AlertCheck, ExpectedAlert, ExprCheck, Plan, TestCase
from generator.build.rule_test_cases.context import Context
from generator.build.rule_test_cases.free_alert_cases import free_alert_cases
from generator.build.rule_test_cases.objective_cases import objective_alert_cases
from generator.build.rule_test_cases.recording_cases import free_recording_case, objective_recording_case
from generator.build.rules import RuleGroup
from generator.build.steady_state import Unsupported
from generator.build.test_series import SeriesUnsupported
from generator.derive import count_run
from generator.model import Catalog

__all__ = ["AlertCheck", "ExpectedAlert", "ExprCheck", "Plan", "TestCase", "build_plan"]


def build_plan(catalog: Catalog, groups: tuple[RuleGroup, ...]) -> Plan:
    from generator.slo.rules import is_slo_group  # SLO groups have their own plan (generator.slo.tests)

    count_run(catalog, "test_plan")
    ctx = Context(catalog, tuple(g for g in groups if not is_slo_group(g)))
    for i, obj in enumerate(catalog.objectives):
        try:
            if obj.alert is not None:  # `alert: false`: its recording rules are still tested
                objective_alert_cases(ctx, obj)
            objective_recording_case(ctx, obj)
        except (Unsupported, SeriesUnsupported) as exc:
            ctx.untested.append((f"objectives[{i}]", obj.alert.name if obj.alert else obj.name, str(exc)))
    for i, alert in enumerate(catalog.alerts):
        if alert.test is None:
            ctx.untested.append((f"alerts[{i}]", alert.text.name, "no test: block gives its firing and quiet series"))
            continue
        try:
            free_alert_cases(ctx, alert)
        except (Unsupported, SeriesUnsupported, go_template.TemplateUnsupported) as exc:
            ctx.untested.append((f"alerts[{i}].test", alert.text.name, str(exc)))
    for rule in ctx.recording:
        if rule.objective:
            continue
        try:
            free_recording_case(ctx, rule)
        except (Unsupported, SeriesUnsupported) as exc:
            ctx.untested.append((rule.source, rule.record, str(exc)))
    return Plan(ctx.cases, ctx.untested)
