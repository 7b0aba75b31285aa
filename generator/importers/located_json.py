"""JSON with the line of every object, so that import warnings can say file:line.

The standard library's pure-Python scanner is used with a hook on objects: each object is a
`LocatedDict`, a dict that also knows the line of its opening brace. Errors carry the line too.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner


class LocatedDict(dict):
    line: int | None = None


def line_of(value, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default


def loads(text: str):
    """Parse JSON; every object in the result is a LocatedDict. Raises json.JSONDecodeError."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    decoder = json.JSONDecoder(object_pairs_hook=LocatedDict)

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        start = s_and_end[1] - 1  # the position of "{"
        obj, end = json.decoder.JSONObject(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo)
        if isinstance(obj, LocatedDict):
            obj.line = bisect.bisect_right(newlines, start) + 1
        return obj, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)
