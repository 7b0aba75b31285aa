"""Diff report -> JSON: the whole report, stable key order, for tools and tests."""
from __future__ import annotations

import json
from dataclasses import asdict

from generator.diff.changes import DiffReport, ItemChange


def _change(change: ItemChange) -> dict:
    """The change as a dict; `excerpt` and `problems` only when there are some."""
    out = asdict(change)
    out["fields"] = [{k: v for k, v in f.items() if k != "excerpt" or v is not None} for f in out["fields"]]
    if not out["problems"]:
        del out["problems"]
    return out


def as_dict(report: DiffReport) -> dict:
    return {
        "before": report.before,
        "after": report.after,
        "changed": report.changed,
        "files_compared": report.files_compared,
        "summary": report.counts(),
        "changes": [_change(c) for c in report.changes],
        "problems": list(report.problems),
    }


def render(report: DiffReport) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True) + "\n"
