"""A small versioned migration runner, the same for SQLite and PostgreSQL.

A backend's schema is an ordered list of `Migration`s (version 1, 2, ...). `migrate` records each
applied one in `schema_migrations(version, name, applied_at)` and applies the pending ones in
order, each in its own transaction together with its record: a failing migration leaves nothing
half-done. Two processes migrating at once are serialised (SQLite `BEGIN IMMEDIATE`, PostgreSQL
an advisory lock). A database that records a migration this code does not know (a newer
exporter migrated it), or one under another name, is refused with `MigrationError`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

_ADVISORY_LOCK = 0x0B5_6E11  # any constant: obsgen's migrations, one at a time per database

_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations ("
          "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")


class MigrationError(Exception):
    """The database's recorded migrations do not fit this code's."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def check_sequence(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migrations must be numbered 1..n in order, got {versions}")


def pending(applied: dict[int, str], migrations: Sequence[Migration]) -> list[Migration]:
    """The migrations still to apply, after checking that the applied ones are ours."""
    known = {m.version: m.name for m in migrations}
    for version, name in sorted(applied.items()):
        if version not in known:
            raise MigrationError(f"the database has schema version {version} ({name!r}), newer than this "
                                 f"exporter knows (up to {max(known, default=0)}): upgrade the exporter")
        if known[version] != name:
            raise MigrationError(f"schema version {version} is {name!r} in the database but "
                                 f"{known[version]!r} here: not a database of this exporter")
    return [m for m in migrations if m.version not in applied]


def migrate(conn, migrations: Sequence[Migration], dialect: str) -> list[int]:
    """Apply what is pending on `conn` (sqlite3 with isolation_level=None, or psycopg in autocommit);
    the versions applied now."""
    check_sequence(migrations)
    mark = "?" if dialect == "sqlite" else "%s"
    done: list[int] = []
    while True:
        _begin(conn, dialect)
        try:
            conn.execute(_TABLE)
            applied = dict(conn.execute("SELECT version, name FROM schema_migrations").fetchall())
            todo = pending(applied, migrations)
            if not todo:
                conn.execute("COMMIT")
                return done
            step = todo[0]
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(f"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({mark}, {mark}, {mark})",
                         (step.version, step.name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            conn.execute("COMMIT")
            done.append(step.version)
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _begin(conn, dialect: str) -> None:
    if dialect == "sqlite":
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn.execute("BEGIN")
        conn.execute(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")

