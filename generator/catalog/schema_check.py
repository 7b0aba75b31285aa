"""The catalog's JSON Schema: its text, its strict validator, and each schema error as located problems.

Unknown fields are named one by one, a value of a described pattern is named by what the pattern
stands for, and every problem is located at the line of the field it is about.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from generator.catalog.located import line_of
from generator.catalog.yaml_positions import json_path
from generator.errors import Location, Problem

SCHEMA_FILE = "catalog.schema.json"
# Part of the schema cache's key: a pass recorded by a looser check of the same schema text is no pass.
VALIDATOR_VERSION = "strict-patterns-1"


@lru_cache(maxsize=1)
def catalog_schema_text() -> str:
    return resources.files("generator.catalog").joinpath(SCHEMA_FILE).read_text()


@lru_cache(maxsize=1)
def catalog_schema() -> dict:
    return json.loads(catalog_schema_text())


def schema_path() -> Path:
    return Path(str(resources.files("generator.catalog").joinpath(SCHEMA_FILE)))


@lru_cache(maxsize=1)
def _validator():
    from generator.catalog.schema_patterns import strict_validator  # jsonschema only when checking

    return strict_validator(catalog_schema())


@lru_cache(maxsize=1)
def _named_patterns() -> dict[str, str]:
    """Pattern -> what it stands for, from the schema's definitions that describe themselves."""
    return {d["pattern"]: d["description"] for d in catalog_schema()["definitions"].values()
            if "pattern" in d and "description" in d}


def schema_check(name: str, data: dict, lines: dict[str, int]) -> list[Problem]:
    """Every schema error of the catalog `name`, in document order; none: it fits the schema."""
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for doc_path, message in _schema_problems(error):
            problems.append(Problem(Location(name, line_of(lines, doc_path), doc_path or "(document)"), message))
    return problems


def _schema_problems(error) -> list[tuple[str, str]]:  # error: jsonschema.ValidationError
    """(document path, message) for one schema error; unknown fields are named one by one."""
    doc_path = json_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extras = sorted((k for k in error.instance if k not in known), key=str)
        return [(f"{doc_path}.{k}" if doc_path else k, f"unknown field {k!r} (allowed: {', '.join(sorted(known))})")
                for k in extras]
    if error.validator == "propertyNames":
        return [(f"{doc_path}.{error.instance}", f"field {error.instance!r} is not allowed here")]
    named = _named_patterns().get(error.validator_value) if error.validator == "pattern" else None
    if named and "propertyNames" in error.relative_schema_path:
        # a map key of the wrong form (a label name Prometheus refuses, say): located at the key
        return [(f"{doc_path}.{error.instance}", f"{error.instance!r} is not {named}")]
    if named:
        return [(doc_path, f"{error.instance!r} is not {named}")]
    if error.validator in ("const", "oneOf") and error.schema.get("description"):
        return [(doc_path, f"{json.dumps(error.instance, default=str)} is not valid here: expected {error.schema['description']}")]
    return [(doc_path, error.message)]
