"""Read the requests a generated k6 script sends, as data, without running it.

A scenario's `REQUESTS_<name>` array holds requests written out as JSON and calls of a catalog's
request templates (`request_<template>({...overrides})`), whose functions in k6/lib/<catalog>.requests.js
hold the template as JSON. The overrides are applied here as docs/load-testing.md states them (name
replaced; query, headers and tags merged key by key; {var.NAME} filled in the path and query values),
written independently of the library's fromTemplate, which tests that run k6 check for real.
"""
from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
_CALL = re.compile(r"request_([A-Za-z0-9_]+)\(")
_FUNCTION = re.compile(r"^export function request_([A-Za-z0-9_]+)\(overrides\) \{\n  return fromTemplate\(", re.M)
_VAR = re.compile(r"\{var\.([A-Za-z_][A-Za-z0-9_]*)\}")


def templates_of(module: str) -> dict[str, dict]:
    """Template name -> its data, from a k6/lib/<catalog>.requests.js module."""
    return {m.group(1): _DECODER.raw_decode(module, m.end())[0] for m in _FUNCTION.finditer(module)}


def apply(template: dict, overrides: dict) -> dict:
    values = {**template["vars"], **overrides.get("vars", {})}
    fill = lambda text: _VAR.sub(lambda m: str(values[m.group(1)]), text)  # noqa: E731
    out = {k: v for k, v in template.items() if k != "vars"}
    out["name"] = overrides.get("name", template["name"])
    for key in ("query", "headers", "tags"):
        out[key] = {**template[key], **overrides.get(key, {})}
    out["path"] = fill(template["path"])
    out["query"] = {k: fill(v) for k, v in out["query"].items()}
    return out


def requests_of(script: str, scenario: str, module: str = "") -> list[dict]:
    """The requests of one scenario of `script`; `module` is the catalog's request-template module."""
    start = re.search(rf"^const REQUESTS_{scenario} = \[", script, re.M)
    assert start, f"no REQUESTS_{scenario} in the script"
    templates = templates_of(module)
    out, i = [], start.end()
    while True:
        while script[i] in " \n,":
            i += 1
        if script[i] == "]":
            return out
        call = _CALL.match(script, i)
        if call is None:
            item, i = _DECODER.raw_decode(script, i)
            out.append(item)
            continue
        i = call.end()
        overrides = {}
        if script[i] != ")":
            overrides, i = _DECODER.raw_decode(script, i)
        assert script[i] == ")", script[i:i + 20]
        out.append(apply(templates[call.group(1)], overrides))
        i += 1
