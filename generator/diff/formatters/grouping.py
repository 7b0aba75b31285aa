"""Changes grouped the way every format shows them: by file, then by rule group or dashboard."""
from __future__ import annotations

from dataclasses import dataclass

from generator.diff.changes import ItemChange

CONTAINER_KINDS = ("group", "dashboard")


@dataclass(frozen=True)
class Section:
    file: str
    container_kind: str  # group | dashboard
    container: str
    header: ItemChange | None  # the change of the group or dashboard itself, if any
    items: tuple[ItemChange, ...]


def sections(changes: tuple[ItemChange, ...]) -> list[Section]:
    """Sections in report order (changes are already sorted by file and container)."""
    order: list[tuple[str, str]] = []
    grouped: dict[tuple[str, str], list[ItemChange]] = {}
    for change in changes:
        key = (change.file, change.container)
        if key not in grouped:
            order.append(key)
            grouped[key] = []
        grouped[key].append(change)
    out = []
    for key in order:
        items = grouped[key]
        header = next((c for c in items if c.kind in CONTAINER_KINDS), None)
        kind = "dashboard" if any(c.kind in ("dashboard", "annotation", "panel") for c in items) else "group"
        out.append(Section(key[0], kind, key[1], header, tuple(c for c in items if c is not header)))
    return out
