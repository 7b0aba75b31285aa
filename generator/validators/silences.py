"""Per-item silences: a catalog item (metric, alert, recording rule, dashboard, panel) may silence a
rule with a written reason (`silence: [{rule: ..., reason: ...}]`). Findings about the item, or
anything inside it (a dashboard silences its panels), are then dropped.

Objective-derived rules are silenced on the objective's `alert:`.
"""
from __future__ import annotations

import re

from generator.model import Catalog, Silence
from generator.validators.findings import ERROR, Finding

_STEP = re.compile(r"([a-z_]+)\[(\d+)\]")


def silences_at(catalog: Catalog, doc_path: str) -> tuple[Silence, ...]:
    """Silences of the item at doc_path and of every item enclosing it."""
    found: list[Silence] = []
    node: object = catalog
    for name, index in _STEP.findall(doc_path):
        items = {"metrics": "metrics", "alerts": "alerts", "recording_rules": "recording_rules",
                 "objectives": "objectives", "dashboards": "dashboards", "rows": "rows", "panels": "panels"}.get(name)
        sequence = getattr(node, items, None) if items else None
        if sequence is None or int(index) >= len(sequence):
            break
        node = sequence[int(index)]
        holder = getattr(node, "text", None) or getattr(node, "alert", None) or node
        found.extend(getattr(holder, "silences", ()))
    return tuple(found)


class Reporter:
    """Collects findings of one check for one catalog, dropping those silenced on their item."""

    def __init__(self, check: str, catalog: Catalog):
        self.check, self.catalog = check, catalog
        self.findings: list[Finding] = []

    def add(self, rule: str, message: str, doc_path: str, *, item: str = "", group: str = "",
            severity: str = ERROR, also_silenced_by: tuple[Silence, ...] = ()) -> None:
        if any(s.rule == rule for s in silences_at(self.catalog, doc_path) + also_silenced_by):
            return
        self.findings.append(Finding(self.check, rule, message, self.catalog.path.as_posix(),
                                     self.catalog.line_of(doc_path), severity, group, item))
