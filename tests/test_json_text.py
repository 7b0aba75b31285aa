"""Dashboard JSON is written by orjson with exactly the bytes of json.dumps(indent=2, sort_keys=True)."""
from __future__ import annotations

import json
import random

import pytest

from generator import json_text, pipeline
from generator.renderers import dashboards
from tests.support.paths import AMPEL, CHECKOUT

orjson = pytest.importorskip("orjson")

EDGE_CASES = [
    {}, [], {"b": {}, "a": [1, {}, []]}, {"z": None, "y": True, "x": False},
    {"é": "naïve ✓ 😀 \x7f \x01 \t \n \" \\ / \u2028"},
    {"ключ": 1, "a": 2, "Z": 3, "é": 4},
    [1e-05, 2.5e-07, -3e-9, 0.0001, 1e16, 1e22, 1.5, -0.0, 0.1, 123456789.125, 5e-324, 1.7976931348623157e308],
    {"value": float("nan")}, [float("inf"), float("-inf")],
    {"big": 2 ** 70, "small": -(2 ** 64)},
    {"text": "value 1e-7 inside a string"},
    [[[[{"deep": [1, 2, [3, {"x": "y"}]]}]]]],
    (1, 2, ("a", "b")),
]


@pytest.mark.parametrize("data", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases_give_the_standard_librarys_bytes(data):
    assert json_text.dumps(data) == json.dumps(data, indent=2, sort_keys=True)


def test_non_string_keys_give_the_standard_librarys_bytes():
    data = {"a": {"1": "one", "2": "two"}}
    assert json_text.dumps(data) == json.dumps(data, indent=2, sort_keys=True)
    with pytest.raises(TypeError):  # mixed key types: refused by both
        json.dumps({1: "x", "a": "y"}, indent=2, sort_keys=True)
    with pytest.raises(TypeError):
        json_text.dumps({1: "x", "a": "y"})


def test_random_documents_give_the_standard_librarys_bytes():
    rng = random.Random(13)
    alphabet = "abcXYZ019 _-:/\"\\\n\t\x00\x1f\x7fé€😀\u2028"

    def value(depth: int):
        pick = rng.random()
        if depth > 3 or pick < 0.35:
            return rng.choice([
                None, True, False, rng.randint(-10 ** 6, 10 ** 6), rng.random() * 10 ** rng.randint(-12, 20),
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))])
        if pick < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))): value(depth + 1)
                for _ in range(rng.randint(0, 5))}

    for _ in range(500):
        data = value(0)
        assert json_text.dumps(data) == json.dumps(data, indent=2, sort_keys=True)


def test_generated_dashboards_take_the_fast_path_and_keep_their_bytes(monkeypatch):
    catalogs = pipeline.load_all([AMPEL, CHECKOUT])
    documents = [dashboards.dashboard_json(c, d) for c in catalogs for d in c.dashboards]
    assert len(documents) >= 2
    calls = []
    monkeypatch.setattr(json_text, "stdlib_dumps", lambda data: calls.append(data) or "")
    fast = [json_text.dumps(d) for d in documents]
    assert calls == []  # no fallback: orjson wrote every one
    assert fast == [json.dumps(d, indent=2, sort_keys=True) for d in documents]
