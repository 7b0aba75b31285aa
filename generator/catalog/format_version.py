"""The catalog's format version (`version:` at the top of a catalog).

A catalog without it is read as the current format, so catalogs written before the field existed keep
loading. Any other value is one located error, checked before the schema: a catalog of a newer format
would otherwise be reported field by field as unknown fields.
"""
from __future__ import annotations

from generator.errors import Location, Problem

CURRENT = 1  # the format this obsgen reads and `obsgen init` writes
SUPPORTED = (1,)


def version_problem(data: dict, name: str, lines: dict[str, int]) -> Problem | None:
    """The problem with the catalog's `version:`, or None when it is absent or supported."""
    if "version" not in data:
        return None
    value = data["version"]
    if type(value) is int and value in SUPPORTED:  # noqa: E721 (a YAML `true` is no version)
        return None
    shown = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    supported = ", ".join(map(str, SUPPORTED))
    return Problem(Location(name, lines.get("version", lines.get("")), "version"),
                   f"unknown catalog format version {shown}: this obsgen reads version {supported} "
                   f"(or no `version:`, read as {CURRENT}); upgrade obsgen or write the catalog in format {CURRENT}")
