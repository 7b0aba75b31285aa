"""Storage backends of the reference exporter: SQLite (embedded, the default) and PostgreSQL 15.

`--database URL` picks one (`exporter.storage.url`). Both get their schema from versioned
migrations, serve the same strategies, and are seeded with the same rows. PostgreSQL support
needs psycopg 3 and psycopg_pool (the `exporter` extra); it is imported only when asked for.
"""
from __future__ import annotations

from pathlib import Path

from exporter.datasets import Dataset
from exporter.seeding import Seeded
from exporter.storage.url import POSTGRESQL, SQLITE, DatabaseURL, parse

DEFAULT_POOL_SIZE = 16


class BackendMissing(Exception):
    """The backend's client library is not installed."""


def _postgres():
    try:
        from exporter.storage import postgres
    except ImportError as exc:
        raise BackendMissing(f"PostgreSQL needs psycopg 3 and psycopg_pool ({exc.name} is missing): "
                             "pip install 'obsgen[exporter]'") from None
    return postgres


def prepare(url: DatabaseURL) -> list[int]:
    """Create (SQLite) and migrate the database; the migration versions applied now."""
    if url.kind == SQLITE:
        from exporter.storage import sqlite
        return sqlite.prepare(url.path)
    return _postgres().prepare(url.dsn)


def open_database(url: DatabaseURL, busy_timeout: float = 1.0, pool_size: int = DEFAULT_POOL_SIZE, log=None):
    """A database object for the service: `session()`, `ping()`, `close()`, `dialect`; `log` takes the
    PostgreSQL pool's own messages."""
    if url.kind == SQLITE:
        from exporter.storage import sqlite
        return sqlite.open_database(url.path, busy_timeout=busy_timeout)
    return _postgres().PostgresDatabase(url.dsn, busy_timeout=busy_timeout, pool_size=pool_size,
                                        display=url.display, log=log)


def seed(url: DatabaseURL, datasets: list[Dataset]) -> list[Seeded]:
    if url.kind == SQLITE:
        from exporter import seeding
        return seeding.seed(Path(url.path), datasets)
    _postgres()
    from exporter.storage import postgres_seeding
    return postgres_seeding.seed(url.dsn, datasets)


__all__ = ["POSTGRESQL", "SQLITE", "BackendMissing", "DatabaseURL", "DEFAULT_POOL_SIZE", "open_database",
           "parse", "prepare", "seed"]
