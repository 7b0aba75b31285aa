"""A PromQL parser for offline checks: text -> small dataclasses, plus walkers over the tree.

    >>> from generator.promql import parse, selectors
    >>> [use.selector.name for use in selectors(parse('rate(http_requests_total[5m])'))]
    ['http_requests_total']
"""
from generator.promql.ast import (
    MATRIX, SCALAR, STRING, VECTOR, Aggregation, At, BinaryOp, Call, Duration, Matcher, MatrixSelector,
    NumberLiteral, Paren, StringLiteral, Subquery, Unary, Variable, VectorMatching, VectorSelector,
)
from generator.promql.lexer import ParseError
from generator.promql.parser import parse, value_type
from generator.promql.walk import SelectorUse, children, selectors, strip_parens, threshold, to_text, walk

__all__ = [
    "MATRIX", "SCALAR", "STRING", "VECTOR", "Aggregation", "At", "BinaryOp", "Call", "Duration", "Matcher",
    "MatrixSelector", "NumberLiteral", "Paren", "ParseError", "SelectorUse", "StringLiteral", "Subquery", "Unary",
    "Variable", "VectorMatching", "VectorSelector", "children", "parse", "selectors", "strip_parens", "threshold", "to_text",
    "value_type", "walk",
]
