"""The one result type of every check: a located finding with a severity and a rule id."""
from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    check: str  # the step that found it: catalog-schema, fresh, dashboard-schema, promtool-check, ...
    rule: str  # stable id of the rule, e.g. unknown-metric, rate-on-gauge; silences name it
    message: str
    file: str = ""
    line: int | None = None
    severity: str = ERROR
    group: str = ""  # rule group, when the finding is about a rule
    item: str = ""  # alert / record / panel title the finding is about

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        subject = f" [{self.item}]" if self.item else ""
        return f"{self.where}: {self.severity}: {self.rule}{subject}: {self.message}"
