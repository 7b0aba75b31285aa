"""SQLite, the embedded default: its migrations (the schema of `exporter/schema.py`) and opening it.

Migration 1 is the schema the exporter always had, written with IF NOT EXISTS, so a database
created before migrations existed is adopted as it is.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from exporter import schema
from exporter.database import Database, DatabaseUnavailable
from exporter.storage.migrations import Migration, migrate

MIGRATIONS = (
    Migration(1, "tables and P0 indexes", schema.TABLES + schema.OWNER_CHECKS + schema.INDEXES),
)


def migrate_connection(conn: sqlite3.Connection) -> list[int]:
    """Apply the pending migrations on an open connection (isolation_level=None)."""
    return migrate(conn, MIGRATIONS, "sqlite")


def prepare(path: str | Path) -> list[int]:
    """Create the file when missing (parent directories included) and migrate it; versions applied."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            return migrate_connection(conn)
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(f"cannot create database {path}: {exc}") from exc


def open_database(path: str | Path, busy_timeout: float = 1.0) -> Database:
    return Database(path, busy_timeout=busy_timeout)
