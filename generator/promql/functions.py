"""Signatures of PromQL functions and aggregations (Prometheus 2.42 and 3.x).

A signature lists argument types and the return type; `variadic` says how many trailing
arguments may be left out (-1: the last one repeats any number of times, including none).
"""
from __future__ import annotations

from dataclasses import dataclass

from generator.promql.ast import MATRIX, SCALAR, STRING, VECTOR


@dataclass(frozen=True)
class Signature:
    args: tuple[str, ...]
    returns: str
    variadic: int = 0

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

_VECTOR_MATH = ("abs ceil exp floor ln log2 log10 sqrt sgn timestamp sort sort_desc histogram_count histogram_sum "
                "histogram_avg histogram_stddev histogram_stdvar acos acosh asin asinh atan atanh cos cosh sin sinh "
                "tan tanh deg rad").split()
_OVER_TIME = ("avg_over_time min_over_time max_over_time sum_over_time count_over_time stddev_over_time "
              "stdvar_over_time last_over_time present_over_time mad_over_time absent_over_time changes resets "
              "rate irate increase delta idelta deriv").split()
_DATE = "day_of_month day_of_week day_of_year days_in_month hour minute month year".split()

FUNCTIONS: dict[str, Signature] = {
    **{name: Signature((_V,), _V) for name in _VECTOR_MATH},
    **{name: Signature((_M,), _V) for name in _OVER_TIME},
    **{name: Signature((_V,), _V, variadic=1) for name in _DATE},
    "absent": Signature((_V,), _V),
    "clamp": Signature((_V, _S, _S), _V),
    "clamp_max": Signature((_V, _S), _V),
    "clamp_min": Signature((_V, _S), _V),
    "histogram_quantile": Signature((_S, _V), _V),
    "histogram_fraction": Signature((_S, _S, _V), _V),
    "holt_winters": Signature((_M, _S, _S), _V),
    "double_exponential_smoothing": Signature((_M, _S, _S), _V),
    "label_replace": Signature((_V, _STR, _STR, _STR, _STR), _V),
    "label_join": Signature((_V, _STR, _STR, _STR), _V, variadic=-1),
    "sort_by_label": Signature((_V, _STR), _V, variadic=-1),
    "sort_by_label_desc": Signature((_V, _STR), _V, variadic=-1),
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

# Functions whose argument is expected to be a counter (or a histogram bucket / _sum / _count).
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
# Functions over a range whose window should cover several scrapes.
WINDOWED_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
