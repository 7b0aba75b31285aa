"""Dashboard JSON text: sorted keys, 2-space indent, ASCII only, exactly the bytes of
`json.dumps(data, indent=2, sort_keys=True)`, written by orjson when it is installed.

The standard library's C encoder is not used once `indent` is given, so its pure-Python encoder
would cost about 30 µs per panel; orjson writes the same layout in C. Where orjson's bytes could
differ from the standard library's, the standard library writes the text:
  * non-ASCII characters and DEL, which the standard library escapes (\\uXXXX, surrogate pairs):
    escaped here the same way, after encoding (they can only occur inside strings);
  * floats below 1e-4, which Python writes as `1e-05` and orjson as `0.00001` or `1e-5`: any
    `<digit>e-<digit>` or `0.0000` in the text (even inside a string) sends the value to the standard library;
  * NaN and infinities (orjson writes null), integers beyond 64 bits and non-string keys
    (orjson refuses them).
`tests/test_json_text.py` proves the bytes identical on the generated dashboards and on such edge cases.
"""
from __future__ import annotations

import json
import math
import re

try:
    import orjson
except ImportError:  # the standard library gives the same bytes, only slower
    orjson = None

_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) if orjson is not None else 0
_EXPONENT = re.compile(r"e-\d")  # a literal prefix: searched at C speed
_NOT_ASCII = re.compile("[\x7f-\U0010ffff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return "\\u%04x" % code
    code -= 0x10000
    return "\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF))


def _small_float(text: str) -> bool:
    """Whether the text may hold a float below 1e-4 (`<digit>e-<digit>` or `0.0000`)."""
    if "0.0000" in text:
        return True
    return any(m.start() > 0 and text[m.start() - 1].isdigit() for m in _EXPONENT.finditer(text))


def _has_non_finite(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is float and not math.isfinite(item):
            return True
    return False


def stdlib_dumps(data) -> str:
    """The reference: what the bytes must be."""
    return json.dumps(data, indent=2, sort_keys=True)


def dumps(data) -> str:
    """`json.dumps(data, indent=2, sort_keys=True)`, byte for byte, fast."""
    if orjson is None:
        return stdlib_dumps(data)
    try:
        text = orjson.dumps(data, option=_OPTIONS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return stdlib_dumps(data)
    if _small_float(text) or _has_non_finite(data):
        return stdlib_dumps(data)
    if not text.isascii() or "\x7f" in text:
        text = _NOT_ASCII.sub(_escape, text)
    return text


def canonical(data) -> str:
    """A compact text that is equal for equal JSON values (sorted keys), to key caches by content."""
    if orjson is not None:
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=repr)
