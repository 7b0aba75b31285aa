"""The SQLite schema: users, their repositories and pull requests, with the indexes the summary needs.

The indexes are the performance plan's P0, each covering for the query that uses it:
- `repositories(user_id, provider, visibility, archived)`: a user's repositories, grouped;
- `pull_requests(user_id, state, status)`: a user's open pull requests, grouped by status. A pull
  request carries its repository's owner (a trigger keeps the copy true), so the summary reads one
  contiguous index range instead of seeking once per repository (10,000 seeks for `xl`);
- `pull_requests(repository_id, state)`: a repository's open pull requests (the naive path).
"""
from __future__ import annotations

import sqlite3

TABLES = (
    """CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        token_sha256 TEXT NOT NULL UNIQUE
    )""",
    """CREATE TABLE IF NOT EXISTS repositories (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        name TEXT NOT NULL,
        provider TEXT NOT NULL,      -- github | gitlab | bitbucket
        visibility TEXT NOT NULL,    -- public | private
        archived INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS pull_requests (
        id INTEGER PRIMARY KEY,
        repository_id INTEGER NOT NULL REFERENCES repositories(id),
        user_id INTEGER NOT NULL REFERENCES users(id),  -- the repository's owner
        number INTEGER NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL,         -- open | closed
        status TEXT NOT NULL         -- green | yellow | red
    )""",
)

INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_repositories_user "
    "ON repositories(user_id, provider, visibility, archived)",
    "CREATE INDEX IF NOT EXISTS ix_pull_requests_user_state_status "
    "ON pull_requests(user_id, state, status)",
    "CREATE INDEX IF NOT EXISTS ix_pull_requests_repository_state "
    "ON pull_requests(repository_id, state)",
)

# A pull request's user_id must be its repository's owner: the summary trusts the copy.
OWNER_CHECKS = tuple(
    f"""CREATE TRIGGER IF NOT EXISTS pull_requests_owner_{event.split()[0].lower()}
    BEFORE {event} ON pull_requests
    WHEN NEW.user_id IS NOT (SELECT user_id FROM repositories WHERE id = NEW.repository_id)
    BEGIN SELECT RAISE(ABORT, 'pull_requests.user_id differs from the owner of its repository'); END"""
    for event in ("INSERT", "UPDATE OF user_id, repository_id")
)


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in TABLES + OWNER_CHECKS:
        conn.execute(statement)


def create_indexes(conn: sqlite3.Connection) -> None:
    for statement in INDEXES:
        conn.execute(statement)


def drop_indexes(conn: sqlite3.Connection) -> None:
    """Bulk loads into empty tables are faster without indexes; `create_indexes` rebuilds them."""
    for statement in INDEXES:
        name = statement.split(" ON ")[0].split()[-1]
        conn.execute(f"DROP INDEX IF EXISTS {name}")


def initialise(conn: sqlite3.Connection) -> None:
    """Create whatever is missing; an existing database is left as it is."""
    create_tables(conn)
    create_indexes(conn)
