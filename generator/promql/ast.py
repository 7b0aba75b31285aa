"""PromQL syntax tree: small frozen dataclasses, one per construct.

Every node keeps `pos`, the offset of its first character in the parsed text, so that checks can
point at the exact place. Durations keep their text (`5m`, `$__rate_interval`) and their value in
seconds when it is a literal (None for a Grafana variable).
"""
from __future__ import annotations

from dataclasses import dataclass

# Value types, as Prometheus names them.
SCALAR, VECTOR, MATRIX, STRING = "scalar", "instant vector", "range vector", "string"


@dataclass(frozen=True)
class Duration:
    text: str  # as written: "5m", "1h30m", "$__rate_interval", "${window}"
    seconds: float | None  # None when the duration is a Grafana variable
    pos: int = 0

    @property
    def is_variable(self) -> bool:
        return self.seconds is None


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # = != =~ !~
    value: str
    pos: int = 0

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


@dataclass(frozen=True)
class At:
    """The @ modifier: a Unix timestamp, or start() / end()."""
    value: float | None = None
    function: str = ""  # "start" | "end"


@dataclass(frozen=True)
class NumberLiteral:
    value: float
    text: str
    pos: int = 0


@dataclass(frozen=True)
class Variable:
    """A Grafana variable standing for a number (`topk($topk, ...)`); dashboard queries only."""
    name: str  # as written: "$topk", "${topk}"
    pos: int = 0


@dataclass(frozen=True)
class StringLiteral:
    value: str
    pos: int = 0


@dataclass(frozen=True)
class VectorSelector:
    name: str  # "" when the name is only given by a __name__ matcher
    matchers: tuple[Matcher, ...] = ()
    offset: Duration | None = None
    at: At | None = None
    pos: int = 0

    @property
    def metric_name(self) -> str:
        """The selected name, from the name or an equality __name__ matcher."""
        if self.name:
            return self.name
        return next((m.value for m in self.matchers if m.name == "__name__" and m.op == "="), "")

    @property
    def label_matchers(self) -> tuple[Matcher, ...]:
        return tuple(m for m in self.matchers if m.name != "__name__")


@dataclass(frozen=True)
class MatrixSelector:
    vector: VectorSelector
    range: Duration
    pos: int = 0


@dataclass(frozen=True)
class Subquery:
    expr: object
    range: Duration
    step: Duration | None = None
    offset: Duration | None = None
    at: At | None = None
    pos: int = 0


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple = ()
    pos: int = 0


@dataclass(frozen=True)
class Aggregation:
    op: str  # sum, avg, topk, quantile, count_values, ...
    expr: object
    param: object | None = None  # topk's k, quantile's phi, count_values' label
    grouping: tuple[str, ...] = ()
    without: bool = False
    has_grouping: bool = False  # `by ()` differs from no clause only in how it was written
    pos: int = 0

    def keeps(self, label: str) -> bool:
        """Whether the label survives this aggregation."""
        if self.op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return True
        return label not in self.grouping if self.without else label in self.grouping


@dataclass(frozen=True)
class VectorMatching:
    card: str = "one-to-one"  # one-to-one | many-to-one (group_left) | one-to-many (group_right)
    on: bool = False  # on(...) when True, ignoring(...) otherwise
    labels: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # labels copied by group_left/group_right
    explicit: bool = False  # an on()/ignoring() clause was written


@dataclass(frozen=True)
class BinaryOp:
    op: str
    lhs: object
    rhs: object
    bool_modifier: bool = False
    matching: VectorMatching | None = None
    pos: int = 0


@dataclass(frozen=True)
class Unary:
    op: str  # "-" | "+"
    expr: object
    pos: int = 0


@dataclass(frozen=True)
class Paren:
    expr: object
    pos: int = 0


COMPARISON_OPS = ("==", "!=", ">", "<", ">=", "<=")
SET_OPS = ("and", "or", "unless")
ARITHMETIC_OPS = ("+", "-", "*", "/", "%", "^", "atan2")
