"""Metrics and their labels."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from generator.model.common import Silence, _first_by_name
from generator.promql.regex import matches as regex_matches


@dataclass(frozen=True)
class Label:
    name: str
    values: tuple[str, ...] = ()
    pattern: str | None = None
    description: str = ""

    def allows(self, value: str) -> bool:
        if self.values:
            return value in self.values
        if self.pattern is not None:
            return regex_matches(self.pattern, value)  # RE2, anchored: as Prometheus matches values
        return True


@dataclass(frozen=True)
class Metric:
    name: str
    type: str  # counter | gauge | histogram
    help: str
    unit: str = ""
    labels: tuple[Label, ...] = ()
    buckets: tuple[float, ...] = ()
    created_series: bool = False
    silences: tuple[Silence, ...] = ()

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def label(self, name: str) -> Label | None:
        return self._labels_by_name.get(name)

    @cached_property
    def _labels_by_name(self) -> dict[str, Label]:
        return _first_by_name(self.labels)

    @property
    def base_name(self) -> str:
        """Name without the counter suffix, as prometheus_client and recording rules use it."""
        if self.type == "counter" and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name

    def series_names(self) -> dict[str, str]:
        """Exposed series name -> role ("value", "bucket", "sum", "count", "created")."""
        if self.type == "histogram":
            names = {f"{self.name}_bucket": "bucket", f"{self.name}_sum": "sum", f"{self.name}_count": "count"}
            if self.created_series:
                names[f"{self.name}_created"] = "created"
            return names
        names = {self.name: "value"}
        if self.type == "counter" and self.created_series:
            names[f"{self.base_name}_created"] = "created"
        return names
