"""PromQL text -> tokens, following the modes of Prometheus' own lexer.

Outside braces, words are identifiers or keywords (the parser gives keywords meaning; `inf` and `nan`
are numbers); inside braces every word is a label name; inside brackets the first token is a
duration and a letter or ':' is the subquery colon. Only ASCII letters form words, and only space,
tab, CR and LF separate tokens. Grafana variables (`$name`, `${name}`) are tokens of their own; the
parser decides where they may stand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def line_column(text: str, pos: int) -> tuple[int, int]:
    """The 1-based line and column of offset `pos` in `text`."""
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


class ParseError(Exception):
    """Invalid PromQL, with the offset of the offending character in the parsed text."""

    def __init__(self, message: str, pos: int, text: str = ""):
        self.message, self.pos, self.text = message, pos, text
        super().__init__(str(self))

    @property
    def line(self) -> int:
        return line_column(self.text, self.pos)[0]

    @property
    def column(self) -> int:
        return line_column(self.text, self.pos)[1]

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


# Token kinds
IDENT, NUMBER, DURATION, STRING, VARIABLE, OP, EOF = "identifier", "number", "duration", "string", "variable", "operator", "end of input"

DURATION_RE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")
# `${name}` may carry a unit right after it (`[${__range_s}s]` is `[3600s]` once Grafana substitutes it).
_VARIABLE_RE = re.compile(r"\$(?:\{[a-zA-Z_][a-zA-Z0-9_.:]*\}(?:(?:ms|[smhdwy])(?![a-zA-Z0-9_]))?|[a-zA-Z_][a-zA-Z0-9_]*)")
_SINGLE = {",": ",", "*": "*", "/": "/", "%": "%", "+": "+", "-": "-", "^": "^", "@": "@"}
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_SPACE = " \t\n\r"
_DIGITS, _HEX = "0123456789", "0123456789abcdefABCDEF"


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


def is_alpha(ch: str) -> bool:
    return ch == "_" or "a" <= ch <= "z" or "A" <= ch <= "Z"


def is_alnum(ch: str) -> bool:
    return is_alpha(ch) or "0" <= ch <= "9"


def tokenize(text: str) -> list[Token]:
    return _Lexer(text).run()


class _Lexer:
    def __init__(self, text: str):
        self.text, self.tokens = text, []
        self.brace, self.bracket, self.colon = False, False, False

    def error(self, message: str, pos: int) -> ParseError:
        return ParseError(message, pos, self.text)

    def emit(self, kind: str, value: str, pos: int) -> None:
        self.tokens.append(Token(kind, value, pos))

    def run(self) -> list[Token]:
        i, text = 0, self.text
        bad = next((j for j, ch in enumerate(text) if "\ud800" <= ch <= "\udfff"), None)
        if bad is not None:  # only text decoded with errors="surrogateescape" has these
            raise self.error("invalid UTF-8 rune", bad)
        while True:
            if i < len(text) and text[i] == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
                continue
            if i >= len(text):  # an unclosed ( [ { is left to the parser, which names what it expected
                self.emit(EOF, "", i)
                return self.tokens
            if text[i] in _SPACE:
                i += 1
            elif text[i] == "$":
                match = _VARIABLE_RE.match(text, i)
                if not match:
                    raise self.error("'$' must start a variable such as $__rate_interval or ${name}", i)
                self.emit(VARIABLE, match.group(), i)
                i = match.end()
            elif self.brace:
                i = self.inside_braces(i)
            else:
                i = self.statement(i)

    def statement(self, i: int) -> int:
        text, ch = self.text, self.text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _SINGLE:
            self.emit(OP, ch, i)
            return i + 1
        if ch in "=!<>":
            if ch == "=" and nxt == "~":
                raise self.error("unexpected character after '=': '~'", i)
            if ch == "!" and nxt != "=":
                raise self.error(f"unexpected character after '!': {nxt!r}", i)
            op = ch + "=" if nxt == "=" else ch
            self.emit(OP, op, i)
            return i + len(op)
        if ch in _DIGITS or (ch == "." and nxt in tuple(_DIGITS)):
            return self.number_or_duration(i)
        if ch in "\"'`":
            return self.string(i)
        if is_alpha(ch) or ch == ":":
            if self.bracket:
                if self.colon:
                    raise self.error(f"unexpected colon {ch!r}", i)
                self.colon = True
                self.emit(OP, ":", i)
                return i + 1
            j = i
            while j < len(text) and (is_alnum(text[j]) or text[j] == ":"):
                j += 1
            word = text[i:j]
            self.emit(NUMBER if word.lower() in ("inf", "nan") else IDENT, word, i)
            return j
        if ch == "{":
            self.brace = True
        elif ch == "[":
            return self.open_bracket(i)
        elif ch == "]":
            self.bracket = False
        elif ch not in "()":
            raise self.error(f"unexpected character {ch!r}", i)
        self.emit(OP, ch, i)
        return i + 1

    def open_bracket(self, i: int) -> int:
        if self.bracket:
            raise self.error("unexpected left bracket '['", i)
        self.colon, self.bracket = False, True
        self.emit(OP, "[", i)
        i += 1
        while i < len(self.text) and self.text[i] in _SPACE:
            i += 1
        if i < len(self.text) and self.text[i] == "$":
            return i  # a Grafana variable as the range
        end = self.scan_number(i)
        if end is not None:
            raise self.error(f"missing unit character in duration {self.text[i:end]!r}", i)
        end = self.remaining_duration(self.number_prefix_end(i))
        if end is None:
            raise self.error(f"bad number or duration {self.text[i:self.word_end(i)]!r}", i)
        self.emit(DURATION, self.text[i:end], i)
        return end

    def inside_braces(self, i: int) -> int:
        text, ch = self.text, self.text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if is_alpha(ch):
            j = i
            while j < len(text) and is_alnum(text[j]):
                j += 1
            self.emit(IDENT, text[i:j], i)
            return j
        if ch in "\"'`":
            return self.string(i)
        if ch == ",":
            self.emit(OP, ",", i)
            return i + 1
        if ch == "=":
            op = "=~" if nxt == "~" else "="
        elif ch == "!":
            if nxt not in "~=" or not nxt:
                raise self.error(f"unexpected character after '!' inside braces: {nxt!r}", i)
            op = ch + nxt
        elif ch == "}":
            self.brace, op = False, "}"
        elif ch == "{":
            raise self.error("unexpected left brace '{'", i)
        else:
            raise self.error(f"unexpected character inside braces: {ch!r}", i)
        self.emit(OP, op, i)
        return i + len(op)

    # -- numbers and durations -----------------------------------------------------------------
    def number_prefix_end(self, i: int) -> int:
        """Where Prometheus' number scan stops (digits, fraction, exponent), whatever follows."""
        text, digits = self.text, _DIGITS
        if text.startswith(("0x", "0X"), i):
            digits, i = _HEX, i + 2
        while i < len(text) and text[i] in digits:
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            while i < len(text) and text[i] in digits:
                i += 1
        if i < len(text) and text[i] in "eE":
            i += 1
            if i < len(text) and text[i] in "+-":
                i += 1
            while i < len(text) and text[i] in _DIGITS:
                i += 1
        return i

    def scan_number(self, i: int) -> int | None:
        end = self.number_prefix_end(i)
        return None if end < len(self.text) and is_alnum(self.text[end]) else end

    def remaining_duration(self, i: int) -> int | None:
        """The end of a duration whose number part ends at i, or None (Prometheus' unit scan)."""
        text = self.text

        def unit(j: int, units: str) -> int | None:
            if j >= len(text) or text[j] not in units:
                return None
            j += 1
            return j + 1 if j < len(text) and text[j] == "s" else j

        i = unit(i, "smhdwy")
        while i is not None and i < len(text) and text[i] in _DIGITS:
            while i < len(text) and text[i] in _DIGITS:
                i += 1
            i = unit(i, "smhdw")
        if i is None or (i < len(text) and is_alnum(text[i])):
            return None
        return i

    def word_end(self, i: int) -> int:
        while i < len(self.text) and (is_alnum(self.text[i]) or self.text[i] == "."):
            i += 1
        return i

    def number_or_duration(self, i: int) -> int:
        end = self.scan_number(i)
        if end is not None:
            self.emit(NUMBER, self.text[i:end], i)
            return end
        end = self.remaining_duration(self.number_prefix_end(i))
        if end is None:
            raise self.error(f"bad number or duration {self.text[i:self.word_end(i)]!r}", i)
        self.emit(DURATION, self.text[i:end], i)
        return end

    # -- strings -------------------------------------------------------------------------------
    def string(self, start: int) -> int:
        text, quote = self.text, self.text[start]
        if quote == "`":
            end = text.find("`", start + 1)
            if end < 0:
                raise self.error("unterminated raw string", start)
            self.emit(STRING, text[start + 1:end].replace("\r", ""), start)
            return end + 1
        i, out = start + 1, []
        while i < len(text):
            ch = text[i]
            if ch == quote:
                self.emit(STRING, "".join(out), start)
                return i + 1
            if ch == "\n":
                break
            if ch == "\\":
                value, i = self.escape(i, quote)
                out.append(value)
                continue
            out.append(ch)
            i += 1
        raise self.error("unterminated string", start)

    def escape(self, i: int, quote: str) -> tuple[str, int]:
        text = self.text
        if i + 1 >= len(text):
            raise self.error("escape sequence not terminated", i)
        ch = text[i + 1]
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch], i + 2
        if ch == quote:
            return quote, i + 2
        if ch in "01234567":
            width, base, limit, first = 3, 8, 255, i + 1
        elif ch in "xuU":
            width, base, limit, first = {"x": 2, "u": 4, "U": 8}[ch], 16, {"x": 255}.get(ch, 0x10FFFF), i + 2
        else:
            raise self.error(f"unknown escape sequence '\\{ch}' in string", i)
        digits = text[first:first + width]
        allowed = "01234567" if base == 8 else _HEX
        for offset, digit in enumerate(digits):
            if digit not in allowed:
                raise self.error(f"illegal character {digit!r} in escape sequence", first + offset)
        if len(digits) < width:
            raise self.error("escape sequence not terminated", i)
        value = int(digits, base)
        if value > limit or 0xD800 <= value < 0xE000:
            raise self.error("escape sequence is an invalid Unicode code point", i)
        return chr(value), first + width
