"""Recursive-descent PromQL parser with Prometheus' precedence and type rules.

`parse(text)` returns the syntax tree or raises `ParseError` with the position of the problem; it
raises nothing else. With `grafana=True`, Grafana variables ($__rate_interval, $__interval, $__range,
${name}) are accepted wherever a duration is (ranges, subquery steps, offsets) and wherever a number
is (`topk($topk, ...)`), as dashboard queries use them. `target` is the Prometheus version whose
functions and aggregations are known (functions.TARGET, 2.42, by default).

Trees are bounded: at most MAX_NESTING levels of parentheses, calls, aggregations, signs and `^`,
and at most MAX_DEPTH levels in all (long operator chains), so that walking a tree never hits
Python's recursion limit. Prometheus has no such bound; docs/reliability.md lists the difference.
"""
from __future__ import annotations

from generator.promql.ast import (
    COMPARISON_OPS, SCALAR, SET_OPS, VECTOR, Aggregation, BinaryOp, Call, NumberLiteral, Paren, StringLiteral,
    Unary, Variable, VectorMatching,
)
from generator.promql.checks import ValueProblem, binary_problem, number_value, value_type
from generator.promql.functions import TARGET, aggregations_for, functions_for, version_note
from generator.promql.lexer import (
    DURATION, EOF, IDENT, NUMBER, OP, STRING as STRING_TOKEN, VARIABLE, ParseError, Token, tokenize,
)
from generator.promql.modifiers import ModifierParsing
from generator.promql.walk import children

__all__ = ["MAX_DEPTH", "MAX_NESTING", "parse", "value_type"]

MAX_NESTING = 100
MAX_DEPTH = 200

# Binary operators by binding level, loosest first; ^ (level 6) is right-associative.
_LEVEL = {"or": 1, "and": 2, "unless": 2, **{op: 3 for op in COMPARISON_OPS}, "+": 4, "-": 4,
          "*": 5, "/": 5, "%": 5, "atan2": 5, "^": 6}
_WORD_OPS = ("or", "and", "unless", "atan2")
# Keywords that may also be metric names (Prometheus' grammar), and those that may not.
_NAME_KEYWORDS = {"by", "without", "offset", "and", "or", "unless", "start", "end"}
_OTHER_KEYWORDS = {"on", "ignoring", "group_left", "group_right", "bool", "atan2"}
_PROMQL_AGGREGATIONS = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk",
                        "quantile", "count_values"}


# Trees are immutable (frozen dataclasses, tuples), so one parse per text serves every caller: the
# catalog's checks, the rule-test plan and the validators all parse the same expressions.
_CACHE: dict[tuple[str, bool, str], object] = {}
_CACHE_LIMIT = 50_000


def parse(text: str, grafana: bool = False, target: str = TARGET) -> object:
    """Parse one PromQL expression."""
    key = (text, grafana, target)
    tree = _CACHE.get(key)
    if tree is None:
        tree = _parse(text, grafana, target)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = tree
    return tree


def _parse(text: str, grafana: bool, target: str) -> object:
    try:
        return _Parser(text, grafana, target).parse()
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"expression nested too deeply (more than {MAX_NESTING} levels)", 0, text) from None
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:  # a defect, never a traceback
        raise ParseError(f"cannot parse this expression ({type(exc).__name__}: {exc})", 0, text) from None


class _Parser(ModifierParsing):
    def __init__(self, text: str, grafana: bool, target: str):
        self.text, self.grafana, self.target = text, grafana, target
        self.functions, self.aggregations = functions_for(target), aggregations_for(target)
        self.tokens = tokenize(text)
        self.i, self.nesting = 0, 0
        self._depth: dict[int, tuple[object, int]] = {}
        self._types: dict[int, tuple[object, str]] = {}

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

    def made(self, node):
        """Record a new node's depth and type; refuse trees deeper than MAX_DEPTH."""
        depth = 1 + max((self._depth.get(id(child), (None, 1))[1] for child in children(node) if child is not None),
                        default=0)
        if depth > MAX_DEPTH:
            raise self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)", getattr(node, "pos", 0))
        self._depth[id(node)] = (node, depth)  # the node is kept alive, so its id is never reused
        return node

    def type_of(self, node) -> str:
        key = id(node)
        if key not in self._types:
            if isinstance(node, BinaryOp):
                both_scalar = self.type_of(node.lhs) == SCALAR and self.type_of(node.rhs) == SCALAR
                kind = SCALAR if both_scalar else VECTOR
            elif isinstance(node, (Paren, Unary)):
                kind = self.type_of(node.expr)
            else:
                kind = value_type(node)
            self._types[key] = (node, kind)  # keeping the node alive keeps its id unique
        return self._types[key][1]

    # -- expressions ---------------------------------------------------------------------------
    def parse(self):
        if self.tok.kind == EOF:
            raise self.error("empty expression")
        node = self.expr(1)
        if self.tok.kind != EOF:
            raise self.error(f"unexpected {self.tok.describe()} after a complete expression")
        return node

    def binary_level(self, token: Token) -> int:
        if token.kind == IDENT and token.text.lower() in _WORD_OPS:
            return _LEVEL[token.text.lower()]
        return _LEVEL.get(token.text, 0) if token.kind == OP else 0

    def expr(self, min_level: int):
        """Precedence climbing: operators binding at least as tight as min_level."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"expression nested too deeply (more than {MAX_NESTING} levels)")
        try:
            return self._expr(min_level)
        finally:
            self.nesting -= 1

    def _expr(self, min_level: int):
        lhs = self.unary()
        while (level := self.binary_level(self.tok)) and level >= min_level:
            op_token = self.advance()
            op = op_token.text.lower()
            bool_modifier = False
            if self.tok.is_word("bool"):
                if op not in COMPARISON_OPS:
                    raise self.error("bool modifier can only be used on comparison operators")
                self.advance()
                bool_modifier = True
            matching = self.vector_matching(op)
            rhs = self.expr(level if op == "^" else level + 1)
            lhs = self.check_binary(self.made(BinaryOp(op, lhs, rhs, bool_modifier, matching, op_token.pos)))
        return lhs

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
        problem = binary_problem(node, self.type_of(node.lhs), self.type_of(node.rhs))
        if problem is not None:
            message, at = problem
            raise self.error(message, getattr(at, "pos", node.pos))
        return node

    def unary(self):
        if not self.tok.is_op("-", "+"):
            return self.postfix(self.primary())
        token = self.advance()
        inner = self.expr(_LEVEL["^"])  # a sign binds like * : only ^ and modifiers bind tighter
        kind = self.type_of(inner)
        if kind not in (SCALAR, VECTOR):
            raise self.error(f"unary expression only allowed on expressions of type scalar or instant "
                             f"vector, found {kind}", token.pos)
        if isinstance(inner, NumberLiteral):
            value = -inner.value if token.text == "-" else inner.value
            return self.made(NumberLiteral(value, token.text + inner.text, token.pos))
        return self.made(Unary(token.text, inner, token.pos))

    def postfix(self, node):
        while True:
            if self.tok.is_op("["):
                node = self.made(self.range_or_subquery(node))
            elif self.tok.is_word("offset"):
                node = self.made(self.offset(node))
            elif self.tok.is_op("@"):
                node = self.made(self.at(node))
            else:
                return node

    # -- primaries -----------------------------------------------------------------------------
    def primary(self):
        token = self.tok
        if token.kind == NUMBER:
            self.advance()
            return self.made(NumberLiteral(self.number(token), token.text, token.pos))
        if token.kind == STRING_TOKEN:
            self.advance()
            return self.made(StringLiteral(token.text, token.pos))
        if token.is_op("("):
            self.advance()
            inner = self.expr(1)
            self.expect_op(")", "to close the parenthesis")
            return self.made(Paren(inner, token.pos))
        if token.is_op("{"):
            return self.made(self.selector("", token.pos))
        if token.kind == IDENT:
            return self.made(self.identifier(token))
        if token.kind == DURATION:
            raise self.error(f"unexpected duration {token.text!r}; a duration only goes in [range], offset or @")
        if token.kind == VARIABLE and self.grafana:
            self.advance()
            return self.made(Variable(token.text, token.pos))
        if token.kind == VARIABLE:
            raise self.error(f"variable {token.text}: only dashboard queries may use Grafana variables")
        raise self.error(f"unexpected {token.describe()}")

    def number(self, token: Token) -> float:
        try:
            return number_value(token.text)
        except ValueProblem as exc:
            raise self.error(str(exc), token.pos) from None

    def identifier(self, token: Token):
        word, nxt = token.text.lower(), self.peek()
        if word in self.aggregations and (nxt.is_op("(") or nxt.is_word("by", "without")):
            return self.aggregation()
        if word in _OTHER_KEYWORDS:
            raise self.error(f"unexpected keyword {token.text!r}")
        if nxt.is_op("(") and word not in _NAME_KEYWORDS and word not in _PROMQL_AGGREGATIONS:
            if ":" in token.text:
                raise self.error(f"{token.text!r} is a metric name (it has a ':'), not a function", token.pos)
            return self.call()
        self.advance()
        if self.tok.is_op("{"):
            return self.selector(token.text, token.pos)
        return self.finish_selector(token.text, (), token.pos)

    def call(self):
        name_token = self.advance()
        name = name_token.text
        signature = self.functions.get(name)
        if signature is None:
            note = version_note(name, self.target)
            raise self.error(f"function {note}" if note else f"unknown function with name {name!r}", name_token.pos)
        args = self.arguments(f"in call to function {name!r}")
        if not signature.arity_ok(len(args)):
            raise self.error(f"expected {signature.arity_text()} argument(s) in call to {name!r}, got {len(args)}",
                             name_token.pos)
        for index, arg in enumerate(args):
            expected = signature.args[min(index, len(signature.args) - 1)]
            found = self.type_of(arg)
            if found != expected:
                raise self.error(f"expected type {expected} in call to function {name!r}, got {found}", arg.pos)
        return Call(name, tuple(args), name_token.pos)

    def arguments(self, context: str) -> list:
        self.expect_op("(", context)
        args = []
        if not self.tok.is_op(")"):
            args.append(self.expr(1))
            while self.tok.is_op(","):
                comma = self.advance()
                if self.tok.is_op(")"):
                    raise self.error("trailing commas not allowed in function call args", comma.pos)
                args.append(self.expr(1))
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
        param_type = self.aggregations[op]
        expected = 2 if param_type else 1
        if not args:
            raise self.error(f"no arguments for aggregate expression {op!r} provided", op_token.pos)
        if len(args) != expected:
            raise self.error(f"wrong number of arguments for aggregate expression {op!r}: expected {expected}, "
                             f"got {len(args)}", op_token.pos)
        param = args[0] if param_type else None
        if param is not None and self.type_of(param) != param_type:
            raise self.error(f"expected type {param_type} in aggregation parameter of {op!r}, got "
                             f"{self.type_of(param)}", param.pos)
        expr = args[-1]
        if self.type_of(expr) != VECTOR:
            raise self.error(f"expected type instant vector in aggregation expression of {op!r}, got "
                             f"{self.type_of(expr)}", expr.pos)
        return Aggregation(op, expr, param, tuple(grouping), without, has_grouping, op_token.pos)
