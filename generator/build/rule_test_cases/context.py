"""What every kind of test case is built from: the catalog, its recorded rules, the counter units
whose rates are exact over every window the rules use, and the catalog's own rendering of an alert.

The cases of a plan are collected here as they are built, in order, with the rules left untested.
"""
from __future__ import annotations

import math

from generator.build.catalog_oracle import AlertSample, render_alert
from generator.build.rule_test_cases.cases import ExpectedAlert, TestCase
from generator.build.rules import Rule, RuleGroup
from generator.build.steady_state import Evaluator, InputSeries, RecordedRule
from generator.build.test_series import exact_units
from generator.model import AlertText, Catalog, Objective, parse_duration
from generator.promql import MatrixSelector, Subquery, parse, walk


class Context:
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


def minutes(duration: str) -> int:
    return math.ceil(parse_duration(duration) / 60)


def history(per_minute: float | None) -> float:
    """A counter's value when the test starts: an hour at its first rate, so cumulative buckets stay ordered."""
    return 60 * per_minute if per_minute else 0.0


def longest_range(expr: str) -> int:
    """The longest range (or subquery) window of an expression, in whole minutes; 0 without one."""
    ranges = [n.range.seconds for n in walk(parse(expr)) if isinstance(n, (MatrixSelector, Subquery)) and n.range.seconds]
    return math.ceil(max(ranges) / 60) if ranges else 0
