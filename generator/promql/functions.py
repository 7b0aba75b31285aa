"""Signatures of PromQL functions and aggregations (Prometheus 2.42 and 3.x), by version.

A signature lists argument types and the return type; `variadic` says how many trailing
arguments may be left out (-1: the last one repeats any number of times, including none).
`since` and `until` give the Prometheus versions that have it (until: the first without it), so
that a target version selects the table: `functions_for("2.42")`, `aggregations_for("2.42")`.
`FUNCTIONS` and `AGGREGATIONS` hold every version's names, for typing a tree already parsed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from generator.promql.ast import MATRIX, SCALAR, STRING, VECTOR


@dataclass(frozen=True)
class Signature:
    args: tuple[str, ...]
    returns: str
    variadic: int = 0
    since: str = "2.0"
    until: str = ""  # "" while still there

    def arity_ok(self, count: int) -> bool:
        if self.variadic < 0:
            return count >= len(self.args) - 1
        return len(self.args) - self.variadic <= count <= len(self.args)

    def arity_text(self) -> str:
        if self.variadic < 0:
            return f"at least {len(self.args) - 1}"
        low = len(self.args) - self.variadic
        return str(low) if low == len(self.args) else f"{low} to {len(self.args)}"


_V, _M, _S, _STR = VECTOR, MATRIX, SCALAR, STRING

TARGET = "2.42"  # the Prometheus version obsgen's output is checked against (promtool 2.42)

_VECTOR_MATH = ("abs ceil exp floor ln log2 log10 sqrt sgn timestamp sort sort_desc histogram_count histogram_sum "
                "acos acosh asin asinh atan atanh cos cosh sin sinh tan tanh deg rad").split()
_VECTOR_MATH_3 = "histogram_avg histogram_stddev histogram_stdvar".split()
_OVER_TIME = ("avg_over_time min_over_time max_over_time sum_over_time count_over_time stddev_over_time "
              "stdvar_over_time last_over_time present_over_time absent_over_time changes resets "
              "rate irate increase delta idelta deriv").split()
_DATE = "day_of_month day_of_week day_of_year days_in_month hour minute month year".split()

FUNCTIONS: dict[str, Signature] = {
    **{name: Signature((_V,), _V) for name in _VECTOR_MATH},
    **{name: Signature((_V,), _V, since="3.0") for name in _VECTOR_MATH_3},
    **{name: Signature((_M,), _V) for name in _OVER_TIME},
    "mad_over_time": Signature((_M,), _V, since="3.0"),
    **{name: Signature((_V,), _V, variadic=1) for name in _DATE},
    "absent": Signature((_V,), _V),
    "clamp": Signature((_V, _S, _S), _V),
    "clamp_max": Signature((_V, _S), _V),
    "clamp_min": Signature((_V, _S), _V),
    "histogram_quantile": Signature((_S, _V), _V),
    "histogram_fraction": Signature((_S, _S, _V), _V),
    "holt_winters": Signature((_M, _S, _S), _V, until="3.0"),
    "double_exponential_smoothing": Signature((_M, _S, _S), _V, since="3.0"),
    "label_replace": Signature((_V, _STR, _STR, _STR, _STR), _V),
    "label_join": Signature((_V, _STR, _STR, _STR), _V, variadic=-1),
    "sort_by_label": Signature((_V, _STR), _V, variadic=-1, since="3.0"),
    "sort_by_label_desc": Signature((_V, _STR), _V, variadic=-1, since="3.0"),
    "predict_linear": Signature((_M, _S), _V),
    "quantile_over_time": Signature((_S, _M), _V),
    "round": Signature((_V, _S), _V, variadic=1),
    "scalar": Signature((_V,), _S),
    "vector": Signature((_S,), _V),
    "time": Signature((), _S),
    "pi": Signature((), _S),
}

# Aggregation operator -> type of its parameter (None: takes no parameter).
AGGREGATIONS: dict[str, str | None] = {
    "sum": None, "avg": None, "count": None, "min": None, "max": None, "group": None,
    "stddev": None, "stdvar": None, "topk": _S, "bottomk": _S, "quantile": _S, "count_values": _STR,
    "limitk": _S, "limit_ratio": _S,
}
_AGGREGATIONS_SINCE = {"limitk": "3.0", "limit_ratio": "3.0"}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def available(since: str, until: str, target: str) -> bool:
    """Whether a construct added in `since` (and gone in `until`, if set) exists in `target`."""
    version = _version(target)
    return _version(since) <= version and (not until or version < _version(until))


@lru_cache(maxsize=16)
def functions_for(target: str = TARGET) -> Mapping[str, Signature]:
    """The functions of a Prometheus version (read-only: the result is shared)."""
    return MappingProxyType({name: sig for name, sig in FUNCTIONS.items() if available(sig.since, sig.until, target)})


@lru_cache(maxsize=16)
def aggregations_for(target: str = TARGET) -> Mapping[str, str | None]:
    """The aggregation operators of a Prometheus version and their parameter type (read-only)."""
    return MappingProxyType({name: param for name, param in AGGREGATIONS.items()
                             if available(_AGGREGATIONS_SINCE.get(name, "2.0"), "", target)})


# What replaces a function a version removed.
REPLACEMENTS = {"holt_winters": "double_exponential_smoothing (behind --enable-feature=promql-experimental-functions)"}


def version_note(name: str, target: str = TARGET) -> str:
    """Why a known function or aggregation is missing from the target ("" when it is not)."""
    sig = FUNCTIONS.get(name)
    since, until = (sig.since, sig.until) if sig else (_AGGREGATIONS_SINCE.get(name, ""), "")
    if not since or available(since, until, target):
        return ""
    if until and _version(target) >= _version(until):
        instead = REPLACEMENTS.get(name)
        return f"{name!r} was removed in Prometheus {until}; the target is {target}" + (
            f"; use {instead}" if instead else "")
    return f"{name!r} needs Prometheus {since} or later; the target is {target}"

# Functions whose argument is expected to be a counter (or a histogram bucket / _sum / _count).
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
# Functions over a range whose window should cover several scrapes.
WINDOWED_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
