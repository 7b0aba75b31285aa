"""Errors that carry where they come from: file, line and the path inside the document."""
from __future__ import annotations

from dataclasses import dataclass

# Exit codes of the CLI, documented in the README.
EXIT_OK = 0
EXIT_FINDINGS = 1  # validation found errors, or --check found stale files
EXIT_USAGE = 2  # click's own usage errors
EXIT_CATALOG = 3  # the catalog is unreadable or invalid; nothing was written
EXIT_TOOL = 4  # a required external tool (promtool, k6, amtool) is missing or failed to run
EXIT_IO = 5  # writing artifacts failed; the previous artifacts are intact
EXIT_DRIFT = 6  # deploy grafana: a dashboard changed in Grafana since our last deploy; not overwritten
EXIT_AUTH = 7  # deploy: the server refused the credentials (401) or a permission (403)
EXIT_REJECTED = 8  # deploy: the server refused a change (400, 404, 409, 412)
EXIT_UNREACHABLE = 9  # deploy: no usable answer after every retry (connection, timeout, 5xx)
EXIT_ROLLED_BACK = 10  # deploy prometheus: Prometheus rejected the rules; the previous files are restored
EXIT_INTERNAL = 70  # a bug in obsgen: the exception's type and place are printed, never a traceback (EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT); files are written atomically, none is half-written


# A message longer than this is cut in the middle: an error must never echo megabytes of input.
MAX_MESSAGE = 500
# A catalog error reports at most this many problems, then how many more there are.
MAX_PROBLEMS = 100


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text`, or its start and end around a note of how much was cut."""
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 4
    return f"{text[:head]} …[{len(text) - head - tail:,} characters cut]… {text[-tail:]}"


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    path: str = ""  # e.g. metrics[2].buckets

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", shorten(self.path, 200))  # a key can be megabytes long

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}" if self.path else where


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str

    def __post_init__(self) -> None:
        # cut where it is made, so that every report (generate, validate, JSON, JUnit) gets it short
        object.__setattr__(self, "message", shorten(self.message))

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class CatalogError(Exception):
    """The catalog cannot be used. Carries every problem found, each located."""

    def __init__(self, problems: list[Problem]):
        if len(problems) > MAX_PROBLEMS:  # a generated or corrupted file can hold a million
            rest = problems[MAX_PROBLEMS]
            problems = problems[:MAX_PROBLEMS] + [Problem(
                Location(rest.location.file, rest.location.line),
                f"... and {len(problems) - MAX_PROBLEMS:,} more problem(s) not shown")]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ToolMissing(Exception):
    """An external binary the command needs is not installed."""
