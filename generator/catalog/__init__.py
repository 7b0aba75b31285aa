"""Catalog loading and its JSON Schema."""
from generator.catalog.loader import load_catalog
from generator.catalog.schema_check import catalog_schema, schema_path

__all__ = ["catalog_schema", "load_catalog", "schema_path"]
