"""Shared pieces of the model: Prometheus durations, silences, the by-name index helper."""
from __future__ import annotations

import re
from dataclasses import dataclass


_DURATION_RE = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """Prometheus duration ("1h30m", "15s") to seconds."""
    parts = _DURATION_RE.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """Seconds to the shortest Prometheus duration ("300" -> "5m", "90" -> "1m30s")."""
    ms = round(seconds * 1000)
    if ms <= 0:
        raise ValueError(f"duration must be positive: {seconds}")
    out = []
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(out)


@dataclass(frozen=True)
class Silence:
    rule: str
    reason: str


def _first_by_name(items) -> dict:
    """name -> the first item of that name (what a scan in order would find)."""
    out: dict = {}
    for item in items:
        out.setdefault(item.name, item)
    return out
