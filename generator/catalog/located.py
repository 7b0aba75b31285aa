"""Located problems of one catalog: the line of a document path, the list every section of the
catalog reports into while it is built, and the checks all sections share (unique names, durations).

Sections receive `problem(doc_path, message)` and `duration(text, doc_path, positive=False)` as
callbacks, so each one can be built and tested on its own.
"""
from __future__ import annotations

from typing import Callable

from generator.catalog.durations import duration_problem
from generator.errors import Location, Problem as LocatedProblem
from generator.model import parse_duration

Problem = Callable[[str, str], None]
Duration = Callable[..., float]


def line_of(lines: dict[str, int], doc_path: str) -> int | None:
    """The line of `doc_path`, else of the nearest enclosing path the document has."""
    while doc_path:
        if doc_path in lines:
            return lines[doc_path]
        cut = max(doc_path.rfind("."), doc_path.rfind("["))
        doc_path = doc_path[:cut] if cut > 0 else ""
    return lines.get("")


def unique(names: list[str], what: str, paths: list[str], problem: Problem) -> None:
    """Reports every repeat of a name at its own document path (the first one is kept)."""
    seen: set[str] = set()
    for name, doc_path in zip(names, paths):
        if name in seen:
            problem(doc_path, f"duplicate {what} {name!r}")
        seen.add(name)


class Problems:
    """The problems found in one catalog file, in the order they were found, each located."""

    def __init__(self, name: str, lines: dict[str, int]):
        self.name, self.lines = name, lines
        self.found: list[LocatedProblem] = []

    def problem(self, doc_path: str, message: str) -> None:
        self.found.append(LocatedProblem(Location(self.name, line_of(self.lines, doc_path), doc_path), message))

    def duration(self, text: str, doc_path: str, positive: bool = False) -> float:
        """Seconds; `positive` for windows and intervals, where Prometheus refuses 0s."""
        out_of_range = duration_problem(text)
        if out_of_range:
            self.problem(doc_path, out_of_range)
            return 0.0
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            self.problem(doc_path, str(exc))
            return 0.0
        if positive and seconds <= 0:
            self.problem(doc_path, f"must be longer than 0s, not {text!r}")
        return seconds
