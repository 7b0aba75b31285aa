"""Threshold extraction for expressions the PromQL parser does not accept (newer syntax, templates
in third-party files): a small tokenizer that knows strings, numbers, brackets and operators,
which is all that finding a top-level `<expr> <op> <number>` needs.

"Top level" means outside every (), {} and []; the operands of top-level `and` / `or` / `unless`
are looked at one by one. Comparison binds more loosely than arithmetic, so in `a - b > 5` the
whole `a - b` is compared with 5. `generator.diff.thresholds` uses this only as a fallback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>(?:\d+(?:ms|[smhdwy]))+(?![a-zA-Z0-9_:]))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![a-zA-Z_:])|[iI]nf\b|NaN\b)
  | (?P<word>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=,@])
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<other>.)
""", re.VERBOSE)

COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
_MIRROR = {"==": "==", "!=": "!=", ">=": "<=", "<=": ">=", ">": "<", "<": ">"}
_SET_OPERATORS = ("and", "or", "unless")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    spaced: bool = False  # whitespace or a comment came before it in the text


@dataclass(frozen=True)
class Threshold:
    """`<subject> <op> <value>`: what is compared, how, and with which number (as written)."""
    subject: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.op} {self.value}"


def tokens(expr: str) -> list[Token]:
    """The tokens of an expression, without whitespace and comments (a `#` inside a string is
    part of the string)."""
    out = []
    spaced = False
    for match in _TOKEN_RE.finditer(expr):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            spaced = True
            continue
        out.append(Token(kind, match.group(), spaced))
        spaced = False
    return out


def joined(toks: list[Token]) -> str:
    """Tokens back to text as written, with one space wherever whitespace or a comment was."""
    return "".join((" " if tok.spaced and index else "") + tok.text for index, tok in enumerate(toks))


def one_line(expr: str) -> str:
    """The expression on one line, as written but without `#` comments: folding `x # note` and
    the next line together would otherwise read as if the rest of the expression were comment."""
    if "#" not in expr:  # the same text, much faster: no comment to take out
        return " ".join(expr.split())
    return joined(tokens(expr))


def normalized(expr: str) -> str:
    """The expression with canonical spacing (one space between tokens), for comparing: equal
    for `sum by(job)(x)` and `sum by (job) (x)`, and for a rule folded over several lines."""
    return _join(tokens(expr))


def _join(toks: list[Token]) -> str:
    return " ".join(tok.text for tok in toks)


def _top_level_split(toks: list[Token], separators: tuple[str, ...]) -> tuple[list[list[Token]], list[str]]:
    """Split at top-level words in `separators`: the parts, and the separators between them
    (with their modifiers, e.g. `and on (job)`, kept in the following part)."""
    parts: list[list[Token]] = [[]]
    found: list[str] = []
    depth = 0
    for tok in toks:
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        if depth == 0 and tok.kind == "word" and tok.text.lower() in separators:
            parts.append([])
            found.append(tok.text.lower())
            continue
        parts[-1].append(tok)
    return parts, found


def _strip_parens(toks: list[Token]) -> list[Token]:
    """Drop parentheses that wrap the whole expression: `(a > 1)` -> `a > 1`."""
    while len(toks) >= 2 and toks[0].text == "(" and toks[-1].text == ")":
        depth = 0
        for index, tok in enumerate(toks):
            depth += tok.kind == "open"
            depth -= tok.kind == "close"
            if depth == 0 and index < len(toks) - 1:
                return toks  # the first ( closes before the end: (a) + (b)
        toks = toks[1:-1]
    return toks


def _number(toks: list[Token]) -> str | None:
    """The number a token list is, if it is a plain (optionally signed, parenthesized) number."""
    toks = _strip_parens(toks)
    if len(toks) == 1 and toks[0].kind == "number":
        return toks[0].text
    if len(toks) == 2 and toks[0].text in ("-", "+") and toks[1].kind == "number":
        return ("-" if toks[0].text == "-" else "") + toks[1].text
    return None


def _comparison(toks: list[Token]) -> Threshold | None:
    toks = _strip_parens(toks)
    depth, position = 0, None
    for index, tok in enumerate(toks):
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        elif depth == 0 and tok.kind == "op" and tok.text in COMPARISONS:
            position = index  # comparisons are left-associative: the last one is the outermost
    if position is None:
        return None
    op = toks[position].text
    left, right = toks[:position], toks[position + 1:]
    modifier = ""
    if right and right[0].text == "bool":
        right, modifier = right[1:], " bool"
    value = _number(right)
    if value is not None and left:
        return Threshold(_join(left), op + modifier, value)
    value = _number(left)
    if value is not None and right:
        return Threshold(_join(right), _MIRROR[op] + modifier, value)
    return None


def thresholds(expr: str) -> tuple[Threshold, ...]:
    """Every top-level `<expr> <op> <number>` comparison, one per operand of and/or/unless."""
    toks = _strip_parens(tokens(expr))
    found = []
    parts, _ = _top_level_split(toks, _SET_OPERATORS)
    for part in parts:
        threshold = _comparison(part)
        if threshold is not None:
            found.append(threshold)
    return tuple(found)


def without_thresholds(expr: str) -> str:
    """The expression with every extracted threshold number blanked: what is left when only
    thresholds changed is equal on both sides."""
    toks = _strip_parens(tokens(expr))
    parts, separators = _top_level_split(toks, _SET_OPERATORS)
    out = []
    for index, part in enumerate(parts):
        threshold = _comparison(part)
        out.append(f"{threshold.subject} <compared with a number>" if threshold else _join(part))
        if index < len(separators):
            out.append(separators[index])
    return " ".join(out)
