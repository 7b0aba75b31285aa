"""The versioned migration runner on both backends: applied once, in order, all or nothing, and a
database that is not ours (or newer) refused."""
from __future__ import annotations

import sqlite3

import psycopg
import pytest

from exporter import schema
from exporter.storage import postgres_schema
from exporter.storage import sqlite as sqlite_storage
from exporter.storage.migrations import Migration, MigrationError, migrate
from exporter.storage.postgres import prepare as pg_prepare


def _sqlite_names(db, kind: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))}


def test_sqlite_gets_its_schema_once(tmp_path):
    db = tmp_path / "sub" / "ampel.db"
    assert sqlite_storage.prepare(db) == [1]
    assert sqlite_storage.prepare(db) == []
    assert {"users", "repositories", "pull_requests", "schema_migrations"} <= _sqlite_names(db, "table")
    assert {"ix_repositories_user", "ix_pull_requests_user_state_status",
            "ix_pull_requests_repository_state"} <= _sqlite_names(db, "index")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version, name FROM schema_migrations").fetchall() == [(1, "tables and P0 indexes")]


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        schema.initialise(conn)
        conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES ('u', 'n', 't')")
    assert sqlite_storage.prepare(db) == [1]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM users").fetchall() == [("n",)]


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "newer.db"
    sqlite_storage.prepare(db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (2, 'from the future', 'x')")
    with pytest.raises(MigrationError, match="schema version 2 .*newer than this exporter knows"):
        sqlite_storage.prepare(db)


def test_a_migration_of_another_name_is_refused(tmp_path):
    db = tmp_path / "other.db"
    sqlite_storage.prepare(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE schema_migrations SET name = 'something else'")
    with pytest.raises(MigrationError, match="not a database of this exporter"):
        sqlite_storage.prepare(db)


def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    steps = (Migration(1, "one", ("CREATE TABLE a (x INTEGER)",)),
             Migration(2, "two", ("CREATE TABLE b (x INTEGER)", "CREATE TABLE a (x INTEGER)")))  # a exists
    conn = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, steps, "sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"a", "schema_migrations"}  # step 1 stays; of step 2 neither b nor its record
    assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]
    conn.close()


def test_migrations_must_be_numbered_in_order(tmp_path):
    conn = sqlite3.connect(tmp_path / "n.db", isolation_level=None)
    with pytest.raises(MigrationError, match="numbered 1..n"):
        migrate(conn, (Migration(2, "two", ()),), "sqlite")
    conn.close()


def test_postgresql_gets_tables_view_and_triggers_once(pg_url):
    assert pg_prepare(pg_url) == [1, 2, 3]
    assert pg_prepare(pg_url) == []
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        views = {r[0] for r in conn.execute("SELECT matviewname FROM pg_matviews")}
        triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY version")]
    assert tables == {"users", "repositories", "pull_requests", "schema_migrations"}
    assert {"ix_repositories_user", "ix_pull_requests_user_state_status", "ix_pull_requests_repository_state",
            "dashboard_summaries_user"} <= indexes
    assert views == {"dashboard_summaries"}
    assert triggers == {"users_changed", "repositories_changed", "pull_requests_changed"}
    assert names == ["tables and P0 indexes", "materialized view dashboard_summaries", "change notifications"]


def test_postgresql_keeps_the_owner_copy_true(pg_url):
    pg_prepare(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (id, uuid, name, token_sha256) VALUES (1, 'a', 'a', 'a'), (2, 'b', 'b', 'b')")
        conn.execute("INSERT INTO repositories (id, user_id, name, provider, visibility) "
                     "VALUES (10, 1, 'r', 'github', 'public')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match=postgres_schema.OWNER_CONSTRAINT):
            conn.execute("INSERT INTO pull_requests (repository_id, user_id, number, title, state, status) "
                         "VALUES (10, 2, 1, 't', 'open', 'green')")


def test_a_failing_postgresql_migration_is_rolled_back(pg_url):
    steps = (Migration(1, "one", ("CREATE TABLE a (x INTEGER)", "CREATE TABLE a (x INTEGER)")),)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.DuplicateTable):
            migrate(conn, steps, "postgresql")
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == set()  # not even schema_migrations: the whole step was one transaction
