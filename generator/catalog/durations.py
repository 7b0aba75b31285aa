"""Durations as Prometheus (and Alertmanager) parse them.

The catalog schema's pattern already holds the syntax Prometheus' `model.ParseDuration` accepts:
units from the largest to the smallest (y, w, d, h, m, s, ms), each at most once. The range is
checked here: the total must fit Go's time.Duration (an int64 of nanoseconds, about 292 years),
or Prometheus refuses the rule file with "duration out of range".
"""
from __future__ import annotations

import re

_PART_RE = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000,
            "y": 31_536_000_000}
MAX_NANOSECONDS = 2**63 - 1


def duration_problem(text: object) -> str | None:
    """Why Prometheus would refuse this duration, or None. Syntax is the schema's job: text that
    is not made of duration parts is left to it."""
    if not isinstance(text, str):
        return None
    total_ms = sum(int(n) * _UNIT_MS[u] for n, u in _PART_RE.findall(text))
    if total_ms * 1_000_000 > MAX_NANOSECONDS:
        shown = text if len(text) <= 40 else text[:40] + "…"
        return f"duration {shown!r} is out of range (Prometheus allows up to 292y)"
    return None
