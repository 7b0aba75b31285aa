"""Objectives and the counters they reference."""
from __future__ import annotations

from dataclasses import dataclass

from generator.model.alerts import AlertText
from generator.promql.regex import matches as regex_matches


@dataclass(frozen=True)
class MetricRef:
    """A counter of an objective: `matchers` select label values by equality (and become aggregation
    labels), `filters` are (label, op, value) matchers with op `!=`, `=~` or `!~` (not aggregation
    labels), `exclude` drops label values (label, values) without adding the label to any aggregation."""
    metric: str
    matchers: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()
    filters: tuple[tuple[str, str, str], ...] = ()

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether a series with these labels is counted by this reference."""
        return (all(labels.get(k) == v for k, v in self.matchers)
                and all(filter_selects(op, value, labels.get(k, "")) for k, op, value in self.filters)
                and not any(labels.get(k) in values for k, values in self.exclude))


def filter_selects(op: str, value: str, actual: str) -> bool:
    """Whether a `label<op>"value"` matcher selects a label value, as Prometheus decides it (RE2, anchored)."""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "=~":
        return regex_matches(value, actual)
    if op == "!~":
        return not regex_matches(value, actual)
    raise ValueError(f"unknown matcher operator {op!r}")


@dataclass(frozen=True)
class Objective:
    name: str
    kind: str  # latency | error_ratio
    threshold: float
    window: str
    alert: AlertText | None  # None: `alert: false`, the objective derives recording rules only
    description: str = ""
    metric: str = ""  # latency: the histogram
    selection: MetricRef | None = None  # latency: label matchers on the histogram (`matchers:`), if any
    quantile: float = 0.0  # latency
    errors: MetricRef | None = None  # error_ratio
    total: MetricRef | None = None  # error_ratio
    unit: str = ""  # "s" or "percentunit", for humans and dashboards
