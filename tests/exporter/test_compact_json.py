"""exporter.compact_json writes exactly the standard library's compact bytes, whichever encoder runs."""
from __future__ import annotations

import json
import random
from enum import IntEnum

import pytest

from exporter import compact_json


def stdlib(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class Level(IntEnum):
    HIGH = 3


EDGES = [
    {"total_repos": 200, "green_count": 1000, "red_count": 0},
    {"user_id": "5b7c2a7e", "duration_ms": 1.234, "dropped": True, "error": None, "allowed": ["GET", "HEAD"]},
    0.0, -0.0, 1e-4, 9.5e-5, 1e-5, 5e-324, 999999999999999.9, 1e15, 1e16, 1.5e300,
    float("nan"), float("inf"), float("-inf"),
    2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40,
    "é", "naïve ☃", "\U0001f600", "\x7f", "a\x7fb", "\x00\x1f\"\\/\t\n", "\u2028\u2029",
    {"nested": {"list": [1, (2, 3.25), {"deep": "\x7f"}]}},
    {1: "int key"}, {"level": Level.HIGH}, [Level.HIGH], (),
    {"path": "/api/dashboard/summary?x=%C3%A9", "message": "not found"},
]


@pytest.mark.parametrize("value", EDGES, ids=[repr(v)[:40] for v in EDGES])
def test_same_bytes_as_the_standard_library(value):
    assert compact_json.dumps(value) == stdlib(value)


def test_literal_bytes():
    assert compact_json.dumps({"a": 1, "b": [True, None], "c": "x"}) == b'{"a":1,"b":[true,null],"c":"x"}'
    assert compact_json.dumps({"m": "é\x7f"}) == b'{"m":"\\u00e9\\u007f"}'
    assert compact_json.dumps({"d": 1e-5, "e": 1e16}) == b'{"d":1e-05,"e":1e+16}'
    assert compact_json.dumps({"n": float("nan")}) == b'{"n":NaN}'


def test_random_floats_of_every_magnitude():
    rng = random.Random(14)
    for _ in range(20_000):
        value = rng.choice((1, -1)) * 10 ** rng.uniform(-8, 20)
        value = rng.choice((value, round(value, 3), round(value, 1), float(int(value))))
        assert compact_json.dumps({"duration_ms": value}) == stdlib({"duration_ms": value}), value


def test_unserialisable_values_fail_as_in_the_standard_library():
    with pytest.raises(TypeError):
        compact_json.dumps({"when": object()})
