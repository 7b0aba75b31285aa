"""Diff report -> Markdown for a pull-request comment: one table per rule group or dashboard.

The first line is a hidden marker, so a CI job can find and update its earlier comment instead
of adding a new one on every push. Values are code spans with `|` escaped (PromQL regexes use
it). A report longer than GitHub's comment limit is cut at a table row, with a note saying so.
"""
from __future__ import annotations

from generator.diff.changes import ADDED, SIGN, DiffReport, ItemChange
from generator.diff.formatters.grouping import sections

MARKER = "<!-- obsgen-diff -->"
MAX_CHARS = 60_000  # GitHub rejects comments over 65,536 characters
_SIGN = {**SIGN, "removed": "\u2212"}


def code(value: str | None) -> str:
    if value is None or value == "":
        return ""
    fence = "``" if "`" in value else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{value.replace('|', chr(92) + '|')}{pad}{fence}"


def _rows(change: ItemChange, label: str) -> list[str]:
    sign = _SIGN[change.status]
    if not change.fields:
        return [f"| {sign} | {label} | | | |"]
    rows = []
    for index, f in enumerate(change.fields):
        first = f"| {sign} | {label} " if index == 0 else "| | "
        before = "" if change.status == ADDED else code(f.before)
        rows.append(f"{first}| {f.field} | {before} | {code(f.after)} |")
    return rows


def render(report: DiffReport) -> str:
    head = [MARKER, "### Semantic diff of rules and dashboards", "",
            f"{code(report.before)} \u2192 {code(report.after)}: **{report.summary_line()}**", ""]
    body: list[str] = []
    for section in sections(report.changes):
        body += [f"#### {code(section.file)} \u00b7 {section.container_kind} {code(section.container)}", "",
                 "| | item | field | before | after |", "|---|---|---|---|---|"]
        if section.header is not None:
            body += _rows(section.header, f"{section.container_kind} {code(section.container)}")
        for item in section.items:
            body += _rows(item, f"{item.kind} {code(item.name)}")
        body.append("")
    if report.problems:
        body += ["**Files that could not be read:**", ""] + [f"- {code(p)}" for p in report.problems] + [""]
    text = "\n".join(head + body)
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = text[:cut] + "\n\n_The diff is longer than a comment allows; run `obsgen diff` for all of it._\n"
    return text.rstrip("\n") + "\n"
