"""P3: the materialized view strategy answers from the view, and the view follows the data: after
writes (LISTEN/NOTIFY), at once on invalidation, and on its schedule."""
from __future__ import annotations

import psycopg

from exporter import datasets, storage
from exporter.config import default_config
from exporter.auth import find_user
from exporter.storage.materialized import MaterializedViewStrategy
from exporter.summary import User
from tests.support.processes import wait_until

OPEN_GREEN_PR = ("INSERT INTO pull_requests (repository_id, user_id, number, title, state, status) "
                 "SELECT r.id, r.user_id, 1000, 'new', 'open', 'green' FROM repositories r "
                 "JOIN users u ON u.id = r.user_id WHERE u.name = 'small' ORDER BY r.id LIMIT 1")


def _seeded(pg_url, catalog) -> str:
    storage.seed(storage.parse(pg_url), datasets.select(default_config(), ["small"]))
    return pg_url


def _summary(db, strategy):
    with db.session() as session:
        return strategy.summary(session, find_user(session, datasets.token_for("small")))


def _write(pg_url: str, sql: str = OPEN_GREEN_PR) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def test_the_summary_is_one_query_on_the_view(pg_url, catalog, open_db):
    db = open_db(_seeded(pg_url, catalog))
    strategy = MaterializedViewStrategy(db, refresh_interval=3600, listen=False)
    with db.session() as session:
        user = find_user(session, datasets.token_for("small"))
        before = session.queries
        summary = strategy.summary(session, user)
        assert session.queries - before == 1
    assert (summary.total_repos, summary.total_open_prs, summary.green_count) == (10, 50, 32)


def test_a_write_is_in_the_view_soon_after_its_commit(pg_url, catalog, open_db):
    db = open_db(_seeded(pg_url, catalog))
    strategy = MaterializedViewStrategy(db, refresh_interval=3600)  # the schedule cannot be what refreshes
    wait_until(lambda: strategy.refresher.refreshes >= 1, 10, what="the listener's first refresh")
    assert _summary(db, strategy).total_open_prs == 50
    _write(pg_url)
    fresh = wait_until(lambda: _summary(db, strategy).total_open_prs == 51 and _summary(db, strategy), 10,
                       what="the view to show the new pull request")
    assert fresh.green_count == 33


def test_invalidation_returns_once_the_view_holds_earlier_writes(pg_url, catalog, open_db):
    db = open_db(_seeded(pg_url, catalog))
    strategy = MaterializedViewStrategy(db, refresh_interval=3600, listen=False)
    _write(pg_url)
    assert _summary(db, strategy).total_open_prs == 50  # nothing refreshed it yet
    with db.session() as session:
        user = find_user(session, datasets.token_for("small"))
    assert strategy.invalidate(user) is True
    assert _summary(db, strategy).total_open_prs == 51


def test_the_schedule_refreshes_without_any_notification(pg_url, catalog, open_db):
    db = open_db(_seeded(pg_url, catalog))
    strategy = MaterializedViewStrategy(db, refresh_interval=0.3, listen=False)
    _write(pg_url)
    wait_until(lambda: _summary(db, strategy).total_open_prs == 51, 10, what="the scheduled refresh")


def test_a_user_newer_than_the_view_is_answered_from_the_tables(pg_url, catalog, open_db):
    db = open_db(_seeded(pg_url, catalog))
    strategy = MaterializedViewStrategy(db, refresh_interval=3600, listen=False)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a user the view has not seen
        conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES ('n', 'newcomer', 'h')")
        (uid,) = conn.execute("SELECT id FROM users WHERE name = 'newcomer'").fetchone()
        conn.execute("INSERT INTO repositories (user_id, name, provider, visibility) VALUES (%s, 'r', 'gitlab', 'private')",
                     (uid,))
    with db.session() as session:
        summary = strategy.summary(session, User(uid, "n", "newcomer"))
    assert (summary.total_repos, summary.gitlab_count, summary.private_repos) == (1, 1, 1)
    wait_until(lambda: strategy.refresher.refreshes >= 1, 10, what="the refresh it asked for")

