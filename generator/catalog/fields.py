"""Catalog field values as the model holds them: a map as sorted (key, value) text pairs, a
`silence:` list as `Silence`s."""
from __future__ import annotations

from generator.model import Silence


def pairs(mapping: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (mapping or {}).items()))


def silences(items) -> tuple[Silence, ...]:
    return tuple(Silence(s["rule"], s["reason"]) for s in items or ())
