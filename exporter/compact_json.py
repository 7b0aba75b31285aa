"""Compact JSON, exactly the bytes of `json.dumps(value, separators=(",", ":")).encode()`, written
by orjson where its bytes are known to be the same.

Every response and log line of the exporter is such a dump; the standard library's encoder costs
about 5-20 µs for a summary (several per request), orjson about one. orjson is used only for
values built of dicts with string keys, lists, tuples, strings, booleans, None, integers and floats
in [1e-4, 1e15) (or zero), and only when its text is ASCII without DEL. Anything else (non-ASCII
text and DEL, which the standard library escapes; small, huge or non-finite floats, which the two
write differently; integers beyond 64 bits, other types) is written by the standard library, so
the bytes never depend on which encoder ran. `tests/exporter/test_compact_json.py` proves them identical.
"""
from __future__ import annotations

import json

try:
    import orjson
except ImportError:  # the standard library gives the same bytes, only slower
    orjson = None

_FLOAT_LOW, _FLOAT_HIGH = 1e-4, 1e15  # between them both encoders write Python's repr()
_INT_LOW, _INT_HIGH = -(2**63), 2**64  # orjson's integer range


def _plain(value) -> bool:
    """Whether orjson writes `value` as the standard library does (given ASCII output)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return _INT_LOW <= value < _INT_HIGH
    if kind is float:
        magnitude = abs(value)
        return magnitude == 0.0 or _FLOAT_LOW <= magnitude < _FLOAT_HIGH  # NaN is neither
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False  # other types and subclasses (IntEnum, str subclasses, ...)


def dumps(value) -> bytes:
    """`json.dumps(value, separators=(",", ":")).encode()`, the same bytes, faster."""
    if orjson is not None and _plain(value):
        data = orjson.dumps(value)
        if data.isascii() and b"\x7f" not in data:  # the standard library escapes DEL too
            return data
    return json.dumps(value, separators=(",", ":")).encode()
