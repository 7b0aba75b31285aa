"""Recursive-descent PromQL parser with Prometheus' precedence and type rules.

`parse(text)` returns the syntax tree or raises `ParseError` with the position of the problem.
With `grafana=True`, Grafana variables ($__rate_interval, $__interval, $__range, ${name}) are
accepted wherever a duration is (ranges, subquery steps, offsets), as dashboard queries use them.
"""
from __future__ import annotations

import re
from dataclasses import replace

from generator.model import parse_duration
from generator.promql.ast import (
    COMPARISON_OPS, MATRIX, SCALAR, SET_OPS, STRING, VECTOR, Aggregation, At, BinaryOp, Call,
    Duration, Matcher, MatrixSelector, NumberLiteral, Paren, StringLiteral, Subquery, Unary, VectorMatching,
    VectorSelector,
)
from generator.promql.functions import AGGREGATIONS, FUNCTIONS
from generator.promql.lexer import DURATION, EOF, IDENT, NUMBER, STRING as STRING_TOKEN, VARIABLE, ParseError, Token, tokenize

# Binary operators from the loosest to the tightest binding; ^ (right-associative) is handled apart.
_LEVELS = (("or",), ("and", "unless"), COMPARISON_OPS, ("+", "-"), ("*", "/", "%", "atan2"))
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
             "and", "or", "unless", "atan2"}


def parse(text: str, grafana: bool = False) -> object:
    """Parse one PromQL expression."""
    return _Parser(text, grafana).parse()


def value_type(node) -> str:
    """The PromQL type an expression evaluates to."""
    if isinstance(node, NumberLiteral):
        return SCALAR
    if isinstance(node, StringLiteral):
        return STRING
    if isinstance(node, VectorSelector):
        return VECTOR
    if isinstance(node, (MatrixSelector, Subquery)):
        return MATRIX
    if isinstance(node, Call):
        return FUNCTIONS[node.func].returns
    if isinstance(node, Aggregation):
        return VECTOR
    if isinstance(node, (Paren, Unary)):
        return value_type(node.expr)
    if isinstance(node, BinaryOp):
        return SCALAR if value_type(node.lhs) == SCALAR and value_type(node.rhs) == SCALAR else VECTOR
    raise TypeError(f"not a PromQL node: {node!r}")


class _Parser:
    def __init__(self, text: str, grafana: bool):
        self.text, self.grafana = text, grafana
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def error(self, message: str, pos: int | None = None) -> ParseError:
        return ParseError(message, self.tok.pos if pos is None else pos, self.text)

    def expect_op(self, op: str, context: str) -> Token:
        if not self.tok.is_op(op):
            raise self.error(f"expected {op!r} {context}, found {self.tok.describe()}")
        return self.advance()

    # -- expressions ---------------------------------------------------------------------------
    def parse(self):
        if self.tok.kind == EOF:
            raise self.error("empty expression")
        node = self.binary(0)
        if self.tok.kind != EOF:
            raise self.error(f"unexpected {self.tok.describe()} after a complete expression")
        return node

    def binary(self, level: int):
        if level == len(_LEVELS):
            return self.unary()
        lhs = self.binary(level + 1)
        while self._is_binary_op(self.tok, _LEVELS[level]):
            op_token = self.advance()
            op = op_token.text.lower()
            lhs = self.binary_tail(op, op_token.pos, lhs, lambda: self.binary(level + 1))
        return lhs

    @staticmethod
    def _is_binary_op(token: Token, ops: tuple[str, ...]) -> bool:
        return token.is_op(*ops) or (token.kind == IDENT and token.text.lower() in ops)

    def binary_tail(self, op: str, pos: int, lhs, parse_rhs):
        bool_modifier = False
        if self.tok.is_word("bool"):
            if op not in COMPARISON_OPS:
                raise self.error("bool modifier can only be used on comparison operators")
            self.advance()
            bool_modifier = True
        matching = self.vector_matching(op)
        rhs = parse_rhs()
        return self.check_binary(BinaryOp(op, lhs, rhs, bool_modifier, matching, pos))

    def vector_matching(self, op: str) -> VectorMatching | None:
        if not self.tok.is_word("on", "ignoring"):
            return None
        on = self.advance().text.lower() == "on"
        labels = self.label_list("on()" if on else "ignoring()")
        card, include = "one-to-one", ()
        if self.tok.is_word("group_left", "group_right"):
            if op in SET_OPS:
                raise self.error(f"no grouping allowed for {op!r} operation")
            card = "many-to-one" if self.advance().text.lower() == "group_left" else "one-to-many"
            if self.tok.is_op("("):
                include = self.label_list("group_left()/group_right()")
        return VectorMatching(card, on, labels, include, True)

    def check_binary(self, node: BinaryOp) -> BinaryOp:
        lt, rt = value_type(node.lhs), value_type(node.rhs)
        for side, kind in ((node.lhs, lt), (node.rhs, rt)):
            if kind not in (SCALAR, VECTOR):
                raise self.error(f"binary expression must contain only scalar and instant vector types, "
                                 f"found {kind}", _pos(side))
        if node.op in SET_OPS and (lt != VECTOR or rt != VECTOR):
            raise self.error(f"set operator {node.op!r} not allowed in binary scalar expression", node.pos)
        if node.op in COMPARISON_OPS and lt == SCALAR and rt == SCALAR and not node.bool_modifier:
            raise self.error("comparisons between scalars must use the bool modifier", node.pos)
        if node.matching is not None and (lt != VECTOR or rt != VECTOR):
            raise self.error("vector matching only allowed between instant vectors", node.pos)
        return node

    def unary(self):
        if self.tok.is_op("-", "+"):
            token = self.advance()
            inner = self.unary()
            if value_type(inner) not in (SCALAR, VECTOR):
                raise self.error(f"unary expression only allowed on expressions of type scalar or instant "
                                 f"vector, found {value_type(inner)}", token.pos)
            if isinstance(inner, NumberLiteral):
                value = -inner.value if token.text == "-" else inner.value
                return NumberLiteral(value, token.text + inner.text, token.pos)
            return Unary(token.text, inner, token.pos)
        return self.power()

    def power(self):
        base = self.postfix(self.primary())
        if self.tok.is_op("^"):
            op_token = self.advance()
            return self.binary_tail("^", op_token.pos, base, self.unary)
        return base

    def postfix(self, node):
        while True:
            if self.tok.is_op("["):
                node = self.range_or_subquery(node)
            elif self.tok.is_word("offset"):
                node = self.offset(node)
            elif self.tok.is_op("@"):
                node = self.at(node)
            else:
                return node

    # -- primaries -----------------------------------------------------------------------------
    def primary(self):
        token = self.tok
        if token.kind == NUMBER:
            self.advance()
            return NumberLiteral(float(int(token.text, 16)) if token.text.lower().startswith("0x") else float(token.text),
                                 token.text, token.pos)
        if token.kind == STRING_TOKEN:
            self.advance()
            return StringLiteral(token.text, token.pos)
        if token.is_op("("):
            self.advance()
            inner = self.binary(0)
            self.expect_op(")", "to close the parenthesis")
            return Paren(inner, token.pos)
        if token.is_op("{"):
            return self.selector("", token.pos)
        if token.kind == IDENT:
            return self.identifier(token)
        if token.kind == DURATION:
            raise self.error(f"unexpected duration {token.text!r}; a duration only goes in [range], offset or @")
        if token.kind == VARIABLE:
            raise self.error(f"variable {token.text} is only allowed as a duration (in [range] or offset)")
        raise self.error(f"unexpected {token.describe()}")

    def identifier(self, token: Token):
        word = token.text.lower()
        nxt = self.peek()
        if word in ("inf", "nan"):
            self.advance()
            return NumberLiteral(float(word), token.text, token.pos)
        if word in AGGREGATIONS and (nxt.is_op("(") or nxt.is_word("by", "without")):
            return self.aggregation()
        if nxt.is_op("("):
            return self.call()
        if word in _KEYWORDS:
            raise self.error(f"unexpected keyword {token.text!r}")
        self.advance()
        return self.selector(token.text, token.pos) if self.tok.is_op("{") else self.finish_selector(token.text, (), token.pos)

    def call(self):
        name_token = self.advance()
        name = name_token.text
        signature = FUNCTIONS.get(name)
        if signature is None:
            raise self.error(f"unknown function with name {name!r}", name_token.pos)
        args = self.arguments(f"in call to function {name!r}")
        if not signature.arity_ok(len(args)):
            raise self.error(f"expected {signature.arity_text()} argument(s) in call to {name!r}, got {len(args)}",
                             name_token.pos)
        for index, arg in enumerate(args):
            expected = signature.args[min(index, len(signature.args) - 1)]
            found = value_type(arg)
            if found != expected:
                raise self.error(f"expected type {expected} in call to function {name!r}, got {found}", _pos(arg))
        return Call(name, tuple(args), name_token.pos)

    def arguments(self, context: str) -> list:
        self.expect_op("(", context)
        args = []
        if not self.tok.is_op(")"):
            args.append(self.binary(0))
            while self.tok.is_op(","):
                self.advance()
                args.append(self.binary(0))
        self.expect_op(")", f"to close the arguments {context}")
        return args

    def aggregation(self):
        op_token = self.advance()
        op = op_token.text.lower()
        grouping, without, has_grouping = (), False, False
        if self.tok.is_word("by", "without"):
            without = self.advance().text.lower() == "without"
            grouping, has_grouping = self.label_list("by()/without()"), True
        args = self.arguments(f"of aggregation {op!r}")
        if self.tok.is_word("by", "without"):
            if has_grouping:
                raise self.error("aggregation has two by()/without() clauses")
            without = self.advance().text.lower() == "without"
            grouping, has_grouping = self.label_list("by()/without()"), True
        param_type = AGGREGATIONS[op]
        expected = 2 if param_type else 1
        if len(args) != expected:
            raise self.error(f"wrong number of arguments for aggregate expression {op!r}: expected {expected}, "
                             f"got {len(args)}", op_token.pos)
        param = args[0] if param_type else None
        if param is not None and value_type(param) != param_type:
            raise self.error(f"expected type {param_type} in aggregation parameter of {op!r}, got "
                             f"{value_type(param)}", _pos(param))
        expr = args[-1]
        if value_type(expr) != VECTOR:
            raise self.error(f"expected type instant vector in aggregation expression of {op!r}, got "
                             f"{value_type(expr)}", _pos(expr))
        return Aggregation(op, expr, param, tuple(grouping), without, has_grouping, op_token.pos)

    def label_list(self, context: str) -> tuple[str, ...]:
        self.expect_op("(", f"after {context.split('(')[0]}")
        labels = []
        while not self.tok.is_op(")"):
            if self.tok.kind != IDENT:
                raise self.error(f"expected a label name in {context}, found {self.tok.describe()}")
            labels.append(self.advance().text)
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(")"):
                raise self.error(f"expected ',' or ')' in {context}, found {self.tok.describe()}")
        self.advance()
        return tuple(labels)

    def selector(self, name: str, pos: int) -> VectorSelector:
        self.expect_op("{", "to open label matchers")
        matchers = []
        while not self.tok.is_op("}"):
            if self.tok.kind != IDENT:
                raise self.error(f"expected a label name in matchers, found {self.tok.describe()}")
            label = self.advance()
            if not self.tok.is_op("=", "!=", "=~", "!~"):
                raise self.error(f"expected a matcher operator (=, !=, =~, !~) after {label.text!r}, "
                                 f"found {self.tok.describe()}")
            op = self.advance().text
            if self.tok.kind != STRING_TOKEN:
                raise self.error(f"expected a quoted label value for {label.text!r}, found {self.tok.describe()}")
            value = self.advance()
            if op in ("=~", "!~"):
                try:
                    re.compile(value.text)
                except re.error as exc:
                    raise self.error(f"invalid regular expression {value.text!r} for {label.text!r}: {exc}", value.pos)
            matchers.append(Matcher(label.text, op, value.text, label.pos))
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op("}"):
                raise self.error(f"expected ',' or '}}' in label matchers, found {self.tok.describe()}")
        self.advance()
        if name and any(m.name == "__name__" for m in matchers):
            raise self.error(f"metric name {name!r} given twice (also as a __name__ matcher)", pos)
        return self.finish_selector(name, tuple(matchers), pos)

    def finish_selector(self, name: str, matchers: tuple[Matcher, ...], pos: int) -> VectorSelector:
        if not name and all(_matches_empty(m) for m in matchers):
            raise self.error("vector selector must contain at least one non-empty matcher", pos)
        return VectorSelector(name, matchers, pos=pos)

    # -- modifiers -----------------------------------------------------------------------------
    def duration(self, context: str, allow_negative: bool = False) -> Duration:
        sign, token = 1, self.tok
        if allow_negative and token.is_op("-"):
            self.advance()
            sign, token = -1, self.tok
        if token.kind == DURATION:
            self.advance()
            return Duration(("-" if sign < 0 else "") + token.text, sign * parse_duration(token.text), token.pos)
        if token.kind == VARIABLE and self.grafana:
            self.advance()
            return Duration(token.text, None, token.pos)
        if token.kind == VARIABLE:
            raise self.error(f"variable {token.text} in {context}: only dashboard queries may use Grafana variables")
        raise self.error(f"expected a duration in {context}, found {token.describe()}")

    def range_or_subquery(self, node):
        open_pos = self.advance().pos
        rng = self.duration("the range")
        if self.tok.is_op(":"):
            self.advance()
            step = None if self.tok.is_op("]") else self.duration("the subquery step")
            self.expect_op("]", "to close the subquery")
            if value_type(node) != VECTOR:
                raise self.error(f"subquery is only allowed on instant vector, got {value_type(node)}", open_pos)
            if rng.seconds is not None and rng.seconds <= 0:
                raise self.error("subquery range must be positive", rng.pos)
            return Subquery(node, rng, step, pos=_pos(node))
        self.expect_op("]", "to close the range")
        if not isinstance(node, VectorSelector):
            raise self.error("ranges only allowed for vector selectors", open_pos)
        if node.offset is not None or node.at is not None:
            raise self.error("no offset or @ modifiers allowed before a range", open_pos)
        if rng.seconds is not None and rng.seconds <= 0:
            raise self.error("range must be positive", rng.pos)
        return MatrixSelector(node, rng, node.pos)

    def _modifiable(self, node, what: str, pos: int):
        target = node.vector if isinstance(node, MatrixSelector) else node
        if not isinstance(target, (VectorSelector, Subquery)):
            raise self.error(f"{what} modifier must be preceded by a selector or a subquery", pos)
        return target

    def offset(self, node):
        token = self.advance()
        target = self._modifiable(node, "offset", token.pos)
        if target.offset is not None:
            raise self.error("offset may not be set multiple times", token.pos)
        amount = self.duration("offset", allow_negative=True)
        return self._replace(node, target, offset=amount)

    def at(self, node):
        token = self.advance()
        target = self._modifiable(node, "@", token.pos)
        if target.at is not None:
            raise self.error("@ may not be set multiple times", token.pos)
        if self.tok.is_word("start", "end") and self.peek().is_op("("):
            function = self.advance().text.lower()
            self.expect_op("(", f"after {function}")
            self.expect_op(")", f"after {function}(")
            at = At(function=function)
        else:
            sign = -1 if self.tok.is_op("-") and self.advance() else 1
            if self.tok.kind != NUMBER:
                raise self.error(f"expected a timestamp, start() or end() after @, found {self.tok.describe()}")
            at = At(value=sign * float(self.advance().text))
        return self._replace(node, target, at=at)

    @staticmethod
    def _replace(node, target, **changes):
        updated = replace(target, **changes)
        return replace(node, vector=updated) if isinstance(node, MatrixSelector) else updated


def _matches_empty(matcher: Matcher) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == "") == (matcher.op == "=")
    empty = re.fullmatch(matcher.value, "") is not None
    return empty == (matcher.op == "=~")


def _pos(node) -> int:
    return getattr(node, "pos", 0)
