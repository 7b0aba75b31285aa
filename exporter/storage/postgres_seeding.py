"""`seed` into PostgreSQL: the same rows as SQLite (`exporter.seeding.draw`), written with COPY.

One transaction replaces the datasets: the old copies are deleted, the pull requests' indexes and
owner key are dropped, the rows are copied in, then the indexes and the key are rebuilt (the key
validates every row in one pass, faster than a check per row), the tables analysed and the
materialized view refreshed, so the view is never stale after a seed. Readers wait for the commit
(the rebuild locks the tables) and never see half a dataset. Then VACUUM sets the visibility map,
which index-only scans need. The id sequences are moved past the ids written.
"""
from __future__ import annotations

import psycopg

from exporter.database import DatabaseUnavailable
from exporter.datasets import Dataset
from exporter.seeding import Seeded, draw
from exporter.storage import postgres_schema as pg_schema
from exporter.storage.postgres import CONNECT_TIMEOUT, prepare

_PR_COLUMNS = "repository_id, user_id, number, title, state, status"
_REPO_COLUMNS = "id, user_id, name, provider, visibility, archived"


def seed(dsn: str, datasets: list[Dataset]) -> list[Seeded]:
    prepare(dsn)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            with conn.transaction():
                conn.execute("LOCK TABLE users, repositories, pull_requests IN SHARE ROW EXCLUSIVE MODE")
                _drop_pull_request_keys(conn)
                seeded = [_seed_one(conn, dataset) for dataset in datasets]
                for statement in (pg_schema.OWNER_KEY,) + pg_schema.INDEXES:
                    conn.execute(statement)
                for table in ("users", "repositories", "pull_requests"):
                    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
                conn.execute("ANALYZE users, repositories, pull_requests")
                conn.execute(f"REFRESH MATERIALIZED VIEW {pg_schema.VIEW}")
            for table in ("users", "repositories", "pull_requests", pg_schema.VIEW):
                conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
    except psycopg.Error as exc:
        raise DatabaseUnavailable(f"cannot seed the database: {str(exc).strip()}") from None
    return seeded


def _drop_pull_request_keys(conn: psycopg.Connection) -> None:
    conn.execute(f"ALTER TABLE pull_requests DROP CONSTRAINT IF EXISTS {pg_schema.OWNER_CONSTRAINT}")
    for statement in pg_schema.INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {pg_schema.index_name(statement)}")


def _seed_one(conn: psycopg.Connection, dataset: Dataset) -> Seeded:
    old = conn.execute("SELECT id FROM users WHERE name = %s", (dataset.name,)).fetchone()
    if old is not None:
        for table in ("pull_requests", "repositories", "users"):
            conn.execute(f"DELETE FROM {table} WHERE {'id' if table == 'users' else 'user_id'} = %s", old)
    rows = draw(dataset)
    (user_id,) = conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES (%s, %s, %s) RETURNING id",
                              (rows.user_uuid, dataset.name, rows.token_sha256)).fetchone()
    (first_repo,) = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM repositories").fetchone()
    with conn.cursor().copy(f"COPY repositories ({_REPO_COLUMNS}) FROM STDIN") as copy:
        for row in rows.repositories(user_id, first_repo):
            copy.write_row(row)
    with conn.cursor().copy(f"COPY pull_requests ({_PR_COLUMNS}) FROM STDIN") as copy:
        for row in rows.pull_requests(user_id, first_repo):
            copy.write_row(row)
    return rows.seeded()
