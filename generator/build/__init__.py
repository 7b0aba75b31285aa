"""Derivation: catalog model -> rule groups (plain functions over the typed model)."""
