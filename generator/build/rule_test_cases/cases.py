"""What a generated promtool test case is: input series, and the alerts and expression values
expected at given minutes. The plan is every case of one catalog, and the rules it cannot test."""
from __future__ import annotations

from dataclasses import dataclass, field

from generator.build.test_series import TimedSeries


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
