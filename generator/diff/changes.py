"""The result of a semantic diff: items added, removed or changed, each with its field changes.

Every differ (rules, dashboards) produces `ItemChange`s; every formatter (text, markdown, json)
reads a `DiffReport`. Nothing here knows about files on disk or git.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
STATUS_ORDER = {REMOVED: 0, CHANGED: 1, ADDED: 2}
SIGN = {ADDED: "+", REMOVED: "-", CHANGED: "~"}


@dataclass(frozen=True)
class FieldChange:
    """One field of one item: `before` is None when the field is new, `after` when it is gone.

    `excerpt`, for long values, is (before, after) cut to the tokens that changed and a little
    context (`token_diff`); formatters show it instead of the whole values."""
    field: str
    before: str | None
    after: str | None
    excerpt: tuple[str, str] | None = None


@dataclass(frozen=True)
class ItemChange:
    """An alert, recording rule, rule group, dashboard or panel that differs between two sides.

    `kind` is one of: alert, record, group, dashboard, annotation, panel. `container` names what holds the
    item (the rule group, or the dashboard), `file` the file it lives in (the after side's file
    for added and changed items, the before side's for removed ones). `problems` says what could
    not be compared as it should (an expression that does not parse).
    """
    kind: str
    name: str
    status: str
    file: str
    container: str = ""
    fields: tuple[FieldChange, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.container, _KIND_ORDER.get(self.kind, 9), STATUS_ORDER[self.status], self.name)


_KIND_ORDER = {"group": 0, "dashboard": 0, "alert": 1, "record": 2, "annotation": 1, "panel": 2}


@dataclass(frozen=True)
class DiffReport:
    """What changed between `before` and `after` (two labels: refs or directories)."""
    before: str
    after: str
    changes: tuple[ItemChange, ...] = ()
    files_compared: int = 0
    problems: tuple[str, ...] = field(default=())  # unreadable files, items not compared as they should be

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: n}}, sorted, only the kinds and statuses that occur."""
        counter = Counter((c.kind, c.status) for c in self.changes)
        out: dict[str, dict[str, int]] = {}
        for (kind, status), n in sorted(counter.items(), key=lambda kv: (_SUMMARY_ORDER.get(kv[0][0], 9), kv[0][0],
                                                                          STATUS_ORDER[kv[0][1]])):
            out.setdefault(kind, {})[status] = n
        return out

    def summary_line(self) -> str:
        if not self.changes:
            return "no semantic changes"
        parts = []
        for kind, statuses in self.counts().items():
            noun = _PLURAL.get(kind, kind + "s")
            parts.append(f"{noun}: " + ", ".join(f"{n} {status}" for status, n in statuses.items()))
        return "; ".join(parts)


_SUMMARY_ORDER = {"group": 0, "alert": 1, "record": 2, "dashboard": 3, "annotation": 4, "panel": 5}
_PLURAL = {"alert": "alerts", "record": "recording rules", "group": "rule groups", "dashboard": "dashboards",
           "annotation": "annotations", "panel": "panels"}


def sorted_changes(changes: list[ItemChange]) -> tuple[ItemChange, ...]:
    return tuple(sorted(changes, key=lambda c: c.sort_key))


def field_changes(before: dict[str, str], after: dict[str, str]) -> tuple[FieldChange, ...]:
    """Field by field, in a stable order: the fields of `before`, then the new ones of `after`."""
    out = []
    for name in list(before) + [n for n in after if n not in before]:
        old, new = before.get(name), after.get(name)
        if old != new:
            out.append(FieldChange(name, old, new))
    return tuple(out)
