"""Diff report -> JSON: the whole report, stable key order, for tools and tests."""
from __future__ import annotations

import json
from dataclasses import asdict

from generator.diff.changes import DiffReport


def as_dict(report: DiffReport) -> dict:
    return {
        "before": report.before,
        "after": report.after,
        "changed": report.changed,
        "files_compared": report.files_compared,
        "summary": report.counts(),
        "changes": [asdict(c) for c in report.changes],
        "problems": list(report.problems),
    }


def render(report: DiffReport) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True) + "\n"
