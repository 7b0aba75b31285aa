"""Diff report -> Markdown for a pull-request comment: one table per rule group or dashboard.

The first line is a hidden marker, so a CI job can find and update its earlier comment instead
of adding a new one on every push. Values are code spans with `|` escaped (PromQL regexes use
it); a long value that changed shows as excerpts of the tokens that changed, and any value is cut
at `MAX_VALUE` characters. A section of more than `DETAILS_ITEMS` items (or `DETAILS_CHARS`
characters) is folded in `<details>`. The report stays under GitHub's comment limit: whole items
are left out beyond `MAX_CHARS`, and a note says how many.
"""
from __future__ import annotations

from html import escape

from generator.diff.changes import ADDED, SIGN, DiffReport, FieldChange, ItemChange
from generator.diff.formatters.grouping import Section, sections

MARKER = "<!-- obsgen-diff -->"
MAX_CHARS = 60_000  # GitHub rejects comments over 65,536 characters; the rest is margin for notes
MAX_VALUE = 1_000  # characters of one value in a cell
MAX_PROBLEM = 400  # characters of one problem line
PROBLEM_BUDGET = 8_000  # characters for the list of problems, which comes before the changes
DETAILS_ITEMS = 10
DETAILS_CHARS = 4_000
_SIGN = {**SIGN, "removed": "\u2212"}
_TABLE = ["| | item | field | before | after |", "|---|---|---|---|---|"]


def _cut(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return f"{value[:limit]}\u2026 (+{len(value) - limit:,} characters)"


def code(value: str | None) -> str:
    if value is None or value == "":
        return ""
    value = _cut(value, MAX_VALUE)
    fence = "``" if "`" in value else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{value.replace('|', chr(92) + '|')}{pad}{fence}"


def _cell(text: str) -> str:
    """A field name as a table cell: it may hold what a dashboard wrote (a series alias `/a|b/`, a
    mapping's regex, a link title), so `|` is escaped and line breaks folded: the row keeps its columns."""
    return " ".join(text.split()).replace("|", "\\|")


def _values(change: ItemChange, f: FieldChange) -> tuple[str, str]:
    if change.status == ADDED:
        return "", code(f.after)
    if f.excerpt is not None:
        return code(f.excerpt[0]), code(f.excerpt[1])
    return code(f.before), code(f.after)


def _rows(change: ItemChange, label: str) -> list[str]:
    sign = _SIGN[change.status]
    if not change.fields:
        return [f"| {sign} | {label} | | | |"]
    rows = []
    for index, f in enumerate(change.fields):
        first = f"| {sign} | {label} " if index == 0 else "| | "
        before, after = _values(change, f)
        rows.append(f"{first}| {_cell(f.field)} | {before} | {after} |")
    return rows


def _blocks(section: Section) -> list[str]:
    """The rows of each item of a section, one string per item (an item is never split)."""
    out = []
    if section.header is not None:
        out.append("\n".join(_rows(section.header, f"{section.container_kind} {code(section.container)}")))
    out += ["\n".join(_rows(item, f"{item.kind} {code(item.name)}")) for item in section.items]
    return out


def _section(section: Section, blocks: list[str], total: int) -> str:
    title = f"#### {code(section.file)} \u00b7 {section.container_kind} {code(section.container)}"
    table = "\n".join(_TABLE + blocks)
    if total <= DETAILS_ITEMS and len(table) <= DETAILS_CHARS:
        return f"{title}\n\n{table}\n"
    shown = f"{len(blocks)} of {total}" if len(blocks) < total else f"{total}"
    summary = escape(f"{shown} changes in {section.container_kind} {section.container}")
    return f"{title}\n\n<details><summary>{summary}</summary>\n\n{table}\n\n</details>\n"


def _problems(problems: tuple[str, ...]) -> str:
    if not problems:
        return ""
    lines, used = [], 0
    for problem in problems:
        line = f"- {code(_cut(problem, MAX_PROBLEM))}"
        if used + len(line) > PROBLEM_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    if len(lines) < len(problems):
        lines.append(f"- _and {len(problems) - len(lines):,} more; run `obsgen diff` for all of them_")
    body = "\n".join(lines)
    if len(problems) > DETAILS_ITEMS:
        body = f"<details><summary>{len(problems):,} problems</summary>\n\n{body}\n\n</details>"
    return f"**Problems (files not read, items not fully compared):**\n\n{body}\n"


def render(report: DiffReport) -> str:
    head = "\n".join([MARKER, "### Semantic diff of rules and dashboards", "",
                      f"{code(report.before)} \u2192 {code(report.after)}: **{report.summary_line()}**", ""])
    parts = [head]
    problems = _problems(report.problems)
    if problems:
        parts.append(problems)
    used = sum(len(p) + 1 for p in parts)
    left_out = 0
    for section in sections(report.changes):
        blocks = _blocks(section)
        if left_out:
            left_out += len(blocks)
            continue
        fitting: list[str] = []
        size = used + len(_section(section, [], len(blocks))) + 100  # the <summary> may grow a little
        for block in blocks:
            size += len(block) + 1
            if size > MAX_CHARS:
                break
            fitting.append(block)
        if fitting:
            text = _section(section, fitting, len(blocks))
            parts.append(text)
            used += len(text) + 1
        left_out += len(blocks) - len(fitting)
    if left_out:
        parts.append(f"_{left_out:,} more changed items are left out: the comment would pass GitHub's size limit. "
                     "Run `obsgen diff` for all of them._\n")
    return "\n".join(parts).rstrip("\n") + "\n"
