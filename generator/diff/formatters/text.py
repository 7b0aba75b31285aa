"""Diff report -> plain text for a terminal: one line per item, one indented line per field.

A long value that changed shows as excerpts of the tokens that changed (`[-old-]`, `{+new+}`)."""
from __future__ import annotations

from generator.diff.changes import ADDED, SIGN, DiffReport, ItemChange
from generator.diff.formatters.grouping import sections


def _fields(change: ItemChange, indent: str) -> list[str]:
    if change.status == ADDED:
        return [f"{indent}{f.field}: {f.after}" for f in change.fields]
    out = []
    for f in change.fields:
        before, after = f.excerpt or (_value(f.before), _value(f.after))
        out.append(f"{indent}{f.field}: {before} -> {after}")
    return out


def _value(value: str | None) -> str:
    return "(none)" if value is None else value


def render(report: DiffReport) -> str:
    lines = [f"diff {report.before} -> {report.after}"]
    current_file = None
    for section in sections(report.changes):
        if section.file != current_file:
            lines.append(section.file)
            current_file = section.file
        if section.header is not None:
            lines.append(f"  {SIGN[section.header.status]} {section.container_kind} {section.container}")
            lines.extend(_fields(section.header, "      "))
        else:
            lines.append(f"  {section.container_kind} {section.container}")
        for item in section.items:
            lines.append(f"    {SIGN[item.status]} {item.kind} {item.name}")
            lines.extend(_fields(item, "        "))
    for problem in report.problems:
        lines.append(f"warning: {problem}")
    lines.append(f"summary: {report.summary_line()}")
    return "\n".join(lines) + "\n"
