"""Catalog loading and its JSON Schema."""
from generator.catalog.loader import catalog_schema, load_catalog, schema_path

__all__ = ["catalog_schema", "load_catalog", "schema_path"]
