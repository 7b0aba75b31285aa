"""Catalog loading and its JSON Schema.

The names below are imported on first use, not with the package: the loader imports every section's
module, the SLO ones included, and those use small modules of this package (`fields`, `located`,
`matchers`, ...). Importing the loader here would make any of them, imported first, a cycle.
"""
from __future__ import annotations

__all__ = ["catalog_schema", "load_catalog", "schema_path"]


def __getattr__(name: str):
    if name == "load_catalog":
        from generator.catalog.loader import load_catalog
        return load_catalog
    if name in ("catalog_schema", "schema_path"):
        from generator.catalog import schema_check
        return getattr(schema_check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
