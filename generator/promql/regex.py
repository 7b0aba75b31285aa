"""Label-matcher regular expressions with Prometheus' semantics: RE2 syntax, fully anchored.

Prometheus compiles a matcher's value as `^(?:value)$` (and parses the bare value too) with Go's
regexp package (RE2 syntax), so
lookarounds, backreferences and possessive quantifiers are errors, `(?i)` may appear mid-pattern and
`\\pL` is a Unicode class. Python's `re` differs in all of these; everything in obsgen that checks or
evaluates a matcher regex goes through this module.

    >>> matches("5..", "503"), matches("a|b", "ab")
    (True, False)
"""
from __future__ import annotations

from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would otherwise log every invalid pattern to stderr

# Go's regexp (Prometheus 2.42 is built with Go 1.19) is RE2 syntax, minus two things the C++ RE2
# library accepts: the any-byte escape \C, and named groups written (?<name>...) (Go 1.22+ only).
_GO_REJECTS = (("\\C", "invalid escape sequence: \\C"), ("(?<", "invalid or unsupported Perl syntax: (?<"))


class RegexError(ValueError):
    """A pattern that Prometheus would refuse as a label-matcher regex."""


@lru_cache(maxsize=2048)
def compile_matcher(pattern: str):
    """The compiled `^(?:pattern)$`, as Prometheus builds it; raises RegexError when invalid."""
    _check_go_syntax(pattern)
    try:
        re2.compile(pattern, _OPTIONS)  # Prometheus also parses the bare pattern: `a)|(b` is refused
        return re2.compile(f"^(?:{pattern})$", _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RegexError(f"error parsing regexp: {detail}") from None
    except (TypeError, ValueError, OverflowError) as exc:  # e.g. a lone surrogate in the pattern
        raise RegexError(f"error parsing regexp: {exc}") from None


def check(pattern: str) -> None:
    """Raise RegexError unless Prometheus accepts the pattern as a matcher regex."""
    compile_matcher(pattern)


def is_valid(pattern: str) -> bool:
    try:
        compile_matcher(pattern)
    except RegexError:
        return False
    return True


def matches(pattern: str, value: str) -> bool:
    """Whether a `=~"pattern"` matcher selects the label value (an invalid pattern selects nothing)."""
    try:
        compiled = compile_matcher(pattern)
    except RegexError:
        return False
    return compiled.search(value) is not None


def _check_go_syntax(pattern: str) -> None:
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if pattern.startswith("\\C", i):
                raise RegexError(f"error parsing regexp: {_GO_REJECTS[0][1]}")
            if pattern.startswith("\\Q", i):  # a quoted run: nothing in it is syntax
                end = pattern.find("\\E", i + 2)
                i = len(pattern) if end < 0 else end + 2
                continue
            i += 2
            continue
        if ch == "[":  # inside a class, "(?<" is three literal characters
            i = _class_end(pattern, i)
            continue
        if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            raise RegexError(f"error parsing regexp: {_GO_REJECTS[1][1]}")
        i += 1


def _class_end(pattern: str, i: int) -> int:
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "\\":
            j += 1
        elif pattern.startswith("[:", j):
            close = pattern.find(":]", j + 2)
            j = close + 1 if close >= 0 else j
        j += 1
    return j + 1
