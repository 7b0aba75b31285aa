"""Bootstrapping a catalog from what a team already has: a `/metrics` page, rule files, dashboards.

Each source kind has its own module; every one returns an `ImportResult` (catalog data plus the
located warnings about what the catalog cannot express) or raises `ImportFailure` with a located
problem. `emit` writes the catalog as readable, sorted YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from generator.errors import Location, Problem


class ImportFailure(Exception):
    """The input cannot be imported: unreadable, of the wrong kind, or malformed. Nothing is written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def fail(file: str, line: int | None, message: str, path: str = "") -> ImportFailure:
    return ImportFailure([Problem(Location(file, line, path), message)])


@dataclass
class ImportResult:
    catalog: dict
    warnings: list[Problem] = field(default_factory=list)

    def warn(self, file: str, line: int | None, message: str, path: str = "") -> None:
        self.warnings.append(Problem(Location(file, line, path), message))


def read_text(path: str) -> str:
    """A file's text; unreadable or undecodable input is a located failure."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise fail(path, None, f"cannot read: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise fail(path, None, f"cannot read: {exc.strerror or exc}") from exc


def service_block(name: str, team: str = "unknown", runbook_base_url: str = "https://runbooks.example.com",
                  selector: dict[str, str] | None = None) -> dict:
    """The `service:` section every imported catalog needs (the schema requires each key)."""
    return {
        "name": name,
        "team": team,
        "runbook_base_url": runbook_base_url,
        "grafana": {"folder": {"uid": name[:40], "title": name}},
        "selector": dict(selector or {"job": name}),
    }
