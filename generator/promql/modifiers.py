"""Parsing selectors, label lists, durations and the [range], [range:step], offset and @ modifiers.

A mixin of the parser (generator.promql.parser._Parser), which provides the token helpers.
"""
from __future__ import annotations

import math
from dataclasses import replace

from generator.promql.ast import VECTOR, At, Duration, Matcher, MatrixSelector, Subquery, VectorSelector
from generator.promql.checks import ValueProblem, duration_seconds, number_value
from generator.promql.lexer import DURATION, IDENT, NUMBER, STRING as STRING_TOKEN, VARIABLE
from generator.promql.regex import RegexError, check as check_regex, matches as regex_matches

_INT64 = float(2 ** 63)


class ModifierParsing:
    def label_list(self, context: str) -> tuple[str, ...]:
        """`(a, b)`, `()` or `(a,)`: the label names of by/without/on/ignoring/group_x."""
        self.expect_op("(", f"after {context.split('(')[0]}")
        labels = []
        while not self.tok.is_op(")"):
            if self.tok.kind != IDENT or ":" in self.tok.text:
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
                    check_regex(value.text)
                except RegexError as exc:
                    raise self.error(f"invalid regular expression {value.text!r} for {label.text!r}: {exc}",
                                     value.pos) from None
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
            try:
                seconds = duration_seconds(token.text)
            except ValueProblem as exc:
                raise self.error(str(exc), token.pos) from None
            return Duration(("-" if sign < 0 else "") + token.text, sign * seconds, token.pos)
        if token.kind == VARIABLE and self.grafana:
            self.advance()
            return Duration(("-" if sign < 0 else "") + token.text, None, token.pos)
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
            if self.type_of(node) != VECTOR:
                raise self.error(f"subquery is only allowed on instant vector, got {self.type_of(node)}", open_pos)
            return Subquery(node, rng, step, pos=node.pos)
        self.expect_op("]", "to close the range")
        if not isinstance(node, VectorSelector):
            raise self.error("ranges only allowed for vector selectors", open_pos)
        # Prometheus refuses an offset or a timestamp before a range, but not `@ start()` / `@ end()`.
        if node.offset is not None or (node.at is not None and not node.at.function):
            raise self.error("no offset or @ modifiers allowed before a range", open_pos)
        return MatrixSelector(node, rng, node.pos)

    def _modifiable(self, node, what: str, pos: int):
        target = node.vector if isinstance(node, MatrixSelector) else node
        if not isinstance(target, (VectorSelector, Subquery)):
            raise self.error(f"{what} modifier must be preceded by a selector or a subquery", pos)
        return target

    def offset(self, node):
        token = self.advance()
        target = self._modifiable(node, "offset", token.pos)
        amount = self.duration("offset", allow_negative=True)
        if target.offset is not None:
            raise self.error("offset may not be set multiple times", token.pos)
        return self._replace(node, target, offset=amount)

    def at(self, node):
        token = self.advance()
        if self.tok.is_word("start", "end") and self.peek().is_op("("):
            function = self.advance().text.lower()
            self.expect_op("(", f"after {function}")
            self.expect_op(")", f"after {function}(")
            at = At(function=function)
        else:
            sign = 1
            if self.tok.is_op("-", "+"):
                sign = -1 if self.advance().text == "-" else 1
            if self.tok.kind != NUMBER:
                raise self.error(f"expected a timestamp, start() or end() after @, found {self.tok.describe()}")
            number = self.advance()
            try:
                value = sign * number_value(number.text)
            except ValueProblem as exc:
                raise self.error(str(exc), number.pos) from None
            if math.isnan(value) or not -_INT64 < value < _INT64:
                raise self.error(f"timestamp out of bounds for @ modifier: {number.text}", number.pos)
            at = At(value=value)
        target = self._modifiable(node, "@", token.pos)
        if target.at is not None:
            raise self.error("@ may not be set multiple times", token.pos)
        return self._replace(node, target, at=at)

    @staticmethod
    def _replace(node, target, **changes):
        updated = replace(target, **changes)
        return replace(node, vector=updated) if isinstance(node, MatrixSelector) else updated


def _matches_empty(matcher: Matcher) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == "") == (matcher.op == "=")
    return regex_matches(matcher.value, "") == (matcher.op == "=~")
