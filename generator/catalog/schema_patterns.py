"""The catalog schema's `pattern`s, checked the way they read.

JSON Schema patterns are ECMA-262 regular expressions, where `$` only matches at the very end;
jsonschema runs them with Python's `re.search`, where `$` also matches before a final newline, so
`^[a-z_]+$` would accept "name\\n" (and the generated file would hold a name Prometheus refuses).
Here a pattern ending in `$` must match up to the end of the text (`\\Z`). The schema file keeps
portable ECMA syntax for editors.
"""
from __future__ import annotations

import re
from functools import lru_cache

import jsonschema
from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def strict_validator(schema: dict) -> jsonschema.Draft7Validator:
    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})
    return cls(schema)
