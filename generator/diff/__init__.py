"""Semantic diff of Prometheus rule files and Grafana dashboards, for reviews.

`compare(before, after)` takes two {path: text} trees (from `sources`) and returns a `DiffReport`
of alerts, recording rules, rule groups, dashboards and panels added, removed or changed, field
by field. Formatters in `generator.diff.formatters` turn a report into text, Markdown or JSON.
A file that cannot be read on either side is left out of the comparison on both sides and named
in the report's problems, so that a syntax error never shows up as "every rule removed"; so is
an expression that does not parse. A file with the same text on both sides is not read at all:
nothing in it can have changed (an unreadable one is `obsgen validate`'s to report).
"""
from __future__ import annotations

from generator.diff.changes import DiffReport, FieldChange, ItemChange, sorted_changes
from generator.diff.dashboards import diff_dashboards
from generator.diff.documents import Parsed, parse
from generator.diff.rules import diff_rules

__all__ = ["DiffReport", "FieldChange", "ItemChange", "compare"]


def compare(before: dict[str, str], after: dict[str, str], before_label: str = "before",
            after_label: str = "after") -> DiffReport:
    same = {path for path, text in before.items() if after.get(path) == text}  # nothing in them can differ
    sides: list[dict[str, Parsed]] = [{p: parse(p, t) for p, t in sorted(files.items()) if p not in same}
                                      for files in (before, after)]
    problems = [f"{path} ({label}): {parsed.problem}"
                for side, label in zip(sides, (before_label, after_label))
                for path, parsed in side.items() if parsed.problem]
    unreadable = {path for side in sides for path, parsed in side.items() if parsed.problem}
    old, new = ([p for path, p in side.items() if path not in unreadable] for side in sides)
    changes = (diff_rules([g for p in old for g in p.groups], [g for p in new for g in p.groups])
               + diff_dashboards([d for p in old for d in p.dashboards], [d for p in new for d in p.dashboards]))
    ordered = sorted_changes(changes)
    problems += [f"{c.file}: {c.container}: {c.kind} {c.name}: {p}" for c in ordered for p in c.problems]
    return DiffReport(before_label, after_label, ordered, len(set(before) | set(after)), tuple(problems))
