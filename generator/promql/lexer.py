"""PromQL text -> tokens. Keywords are plain identifiers here; the parser gives them meaning."""
from __future__ import annotations

import re
from dataclasses import dataclass


class ParseError(Exception):
    """Invalid PromQL, with the offset of the offending character in the parsed text."""

    def __init__(self, message: str, pos: int, text: str = ""):
        self.message, self.pos, self.text = message, pos, text
        super().__init__(str(self))

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    @property
    def column(self) -> int:
        return self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


# Token kinds
IDENT, NUMBER, DURATION, STRING, VARIABLE, OP, EOF = "identifier", "number", "duration", "string", "variable", "operator", "end of input"

DURATION_RE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")  # metric names may start with ':'; label names not
_VARIABLE_RE = re.compile(r"\$(?:\{[a-zA-Z_][a-zA-Z0-9_.:]*\}|[a-zA-Z_][a-zA-Z0-9_]*)")
_OPERATORS = ("==", "!=", "=~", "!~", ">=", "<=", ">", "<", "=", "+", "-", "*", "/", "%", "^",
              "(", ")", "{", "}", "[", "]", ",", ":", "@")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # as written (for STRING: the unquoted, unescaped value)
    pos: int

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops

    def is_word(self, *words: str) -> bool:
        return self.kind == IDENT and self.text.lower() in words

    def describe(self) -> str:
        if self.kind == EOF:
            return "end of input"
        if self.kind == STRING:
            return f"string {self.text!r}"
        return f"{self.kind} {self.text!r}" if self.kind != OP else repr(self.text)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            i = _number_or_duration(text, i, tokens)
        elif ch.isalpha() or ch == "_" or (ch == ":" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] in "_:")):
            match = _IDENT_RE.match(text, i)
            tokens.append(Token(IDENT, match.group(), i))
            i = match.end()
        elif ch in "\"'`":
            i = _string(text, i, tokens)
        elif ch == "$":
            match = _VARIABLE_RE.match(text, i)
            if not match:
                raise ParseError("'$' must start a variable such as $__rate_interval or ${name}", i, text)
            tokens.append(Token(VARIABLE, match.group(), i))
            i = match.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise ParseError(f"unexpected character {ch!r}", i, text)
            tokens.append(Token(OP, op, i))
            i += len(op)
    tokens.append(Token(EOF, "", n))
    return tokens


def _number_or_duration(text: str, i: int, tokens: list[Token]) -> int:
    duration = DURATION_RE.match(text, i)
    if duration and not _continues_word(text, duration.end()):
        tokens.append(Token(DURATION, duration.group(), i))
        return duration.end()
    number = _NUMBER_RE.match(text, i)
    end = number.end()
    if _continues_word(text, end):
        raise ParseError(f"bad number or duration {text[i:_word_end(text, end)]!r}", i, text)
    tokens.append(Token(NUMBER, number.group(), i))
    return end


def _continues_word(text: str, i: int) -> bool:
    return i < len(text) and (text[i].isalnum() or text[i] in "_.")


def _word_end(text: str, i: int) -> int:
    while _continues_word(text, i):
        i += 1
    return i


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote, i, out = text[start], start + 1, []
    while i < len(text):
        ch = text[i]
        if ch == quote:
            tokens.append(Token(STRING, "".join(out), start))
            return i + 1
        if ch == "\n" and quote != "`":
            break
        if ch == "\\" and quote != "`":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[nxt]
                digits = text[i + 2:i + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
            raise ParseError(f"unknown escape sequence '\\{nxt}' in string", i, text)
        out.append(ch)
        i += 1
    raise ParseError("unterminated string", start, text)
