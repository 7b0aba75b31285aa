"""Every strategy returns the same summary for every dataset on both backends, and that summary is
the one the seeding rules imply; the rows themselves are the same in SQLite and PostgreSQL.

xl (1,000,000 PRs) is the benchmark's; here are the configuration's tiers (up to 200 repos / 4,000 PRs).
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import psycopg
import pytest

from exporter import datasets, storage
from exporter.config import default_config
from exporter.auth import find_user
from exporter.storage.partitioned import status_ranges
from exporter.storage.strategies import StorageOptions, make_storage_strategy
from exporter.strategies import make_strategy
from exporter.summary import CalculationError
from tests.exporter.conftest import SIZES, TIERS


def _strategies(db, backend: str):
    out = {name: make_strategy(name, cache_ttl=60) for name in ("aggregate", "naive", "cached")}
    out["partitioned"] = make_storage_strategy("partitioned", db, StorageOptions(threshold=0, workers=3))
    if backend == "postgresql":
        out["materialized"] = make_storage_strategy("materialized", db, StorageOptions(refresh_interval=3600))
    return out


@contextmanager
def _backends(seeded_db, pg_seeded, open_db):
    yield {"sqlite": open_db(str(seeded_db)), "postgresql": open_db(pg_seeded)}


def test_every_strategy_on_both_backends_gives_the_expected_summary(seeded_db, pg_seeded, open_db, catalog):
    with _backends(seeded_db, pg_seeded, open_db) as backends:
        results = {}
        for backend, db in backends.items():
            strategies = _strategies(db, backend)
            for name in TIERS:
                for strategy_name, strategy in strategies.items():
                    with db.session() as session:
                        user = find_user(session, datasets.token_for(name))
                        results[backend, name, strategy_name] = strategy.summary(session, user)
                    if strategy_name == "cached":  # and its hit
                        with db.session() as session:
                            assert strategy.summary(session, user) == results[backend, name, strategy_name]
        for name in TIERS:
            cells = {key: s for key, s in results.items() if key[1] == name}
            assert len(cells) == 9  # 4 strategies on SQLite, 5 on PostgreSQL
            first = next(iter(cells.values()))
            assert all(s == first for s in cells.values()), {k: s for k, s in cells.items() if s != first}
            repos, prs = SIZES[name]
            assert first.total_repos == repos
            assert first.total_open_prs == repos * min(10, prs // repos)  # 10 open per repository
    # the partitioned one really ran in partitions on both backends (threshold 0)
    assert all(results[b, "very_large", "partitioned"] for b in ("sqlite", "postgresql"))


def test_partitions_ran_in_parallel_sessions_on_postgresql(pg_seeded, open_db):
    db = open_db(pg_seeded)
    strategy = make_storage_strategy("partitioned", db, StorageOptions(threshold=0, workers=2))
    with db.session(), db.session(), db.session():
        pass  # three connections in the pool: the caller's and one per PR range
    with db.session() as session:
        user = find_user(session, datasets.token_for("large"))
        summary = strategy.summary(session, user)
        assert session.queries == 2  # the token and the repositories' half: the PR ranges ran elsewhere
    assert strategy.partitioned == 1 and summary.total_open_prs == 1000


def test_a_full_pool_runs_the_partitions_on_the_callers_connection(pg_seeded, open_db):
    db = open_db(pg_seeded, pool_size=1)
    strategy = make_storage_strategy("partitioned", db, StorageOptions(threshold=0, workers=2))
    with db.session() as session:
        user = find_user(session, datasets.token_for("large"))
        summary = strategy.summary(session, user)
        assert session.queries == 4  # the token, the repositories and both PR ranges: no deadlock
    assert summary.total_open_prs == 1000 and summary.total_repos == 100


def test_the_rows_are_the_same_in_both_backends(seeded_db, pg_seeded):
    repos = ("SELECT r.name, r.provider, r.visibility, r.archived FROM repositories r JOIN users u "
             "ON u.id = r.user_id WHERE u.name = {} ORDER BY r.name")
    prs = ("SELECT r.name, p.number, p.title, p.state, p.status FROM pull_requests p JOIN repositories r "
           "ON r.id = p.repository_id JOIN users u ON u.id = p.user_id WHERE u.name = {} ORDER BY r.name, p.number")
    users = "SELECT uuid, name, token_sha256 FROM users ORDER BY name"
    lite = sqlite3.connect(seeded_db)
    with psycopg.connect(pg_seeded) as pg:
        assert lite.execute(users).fetchall() == pg.execute(users).fetchall()
        for name in ("small", "medium"):
            for sql in (repos, prs):
                left = lite.execute(sql.format("?"), (name,)).fetchall()
                right = [tuple(r) for r in pg.execute(sql.format("%s"), (name,)).fetchall()]
                assert left == right and left
    lite.close()


def test_reseeding_postgresql_replaces_a_dataset(pg_url, catalog, open_db):
    url = storage.parse(pg_url)
    small = datasets.select(default_config(), ["small"])
    storage.seed(url, small)
    storage.seed(url, small)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (1,)
        assert conn.execute("SELECT COUNT(*) FROM pull_requests").fetchone() == (50,)
        assert conn.execute("SELECT total_open_prs FROM dashboard_summaries").fetchone() == (50,)
        # ids continue after the copied ones: a plain insert does not collide
        conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES ('x', 'x', 'x')")


@pytest.mark.parametrize("column, value", [("status", "purple"), ("provider", "sourcehut")])
def test_unknown_values_are_a_calculation_error_on_postgresql(pg_url, catalog, open_db, column, value):
    storage.seed(storage.parse(pg_url), datasets.select(default_config(), ["small"]))
    table = "pull_requests" if column == "status" else "repositories"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"UPDATE {table} SET {column} = %s WHERE id = (SELECT MIN(id) FROM {table})", (value,))
        conn.execute("REFRESH MATERIALIZED VIEW dashboard_summaries")
    db = open_db(pg_url)
    for strategy_name, strategy in _strategies(db, "postgresql").items():
        with db.session() as session:
            user = find_user(session, datasets.token_for("small"))
            with pytest.raises(CalculationError):
                strategy.summary(session, user)


def test_status_ranges_cover_every_value():
    assert status_ranges(1) == [(None, None)]
    assert status_ranges(2) == [(None, "red"), ("red", None)]
    assert status_ranges(3) == [(None, "red"), ("red", "yellow"), ("yellow", None)]
    assert status_ranges(16) == status_ranges(3)


def test_partitions_only_where_they_pay(seeded_db, pg_seeded, open_db):
    def partitioned_runs(db, threshold=None, name="large", calls=2) -> int:
        strategy = make_storage_strategy("partitioned", db, StorageOptions(threshold=threshold, workers=2))
        for _ in range(calls):
            with db.session() as session:
                strategy.summary(session, find_user(session, datasets.token_for(name)))
        return strategy.partitioned

    sqlite_db, pg_db = open_db(str(seeded_db)), open_db(pg_seeded)
    assert partitioned_runs(sqlite_db) == 0  # SQLite: never by default, it measured slower
    assert partitioned_runs(pg_db) == 0  # PostgreSQL: 1,000 open PRs is far under the default 20,000
    assert partitioned_runs(pg_db, threshold=1000) == 1  # the first call learns the size, the second partitions
    assert partitioned_runs(pg_db, threshold=1001) == 0
    assert partitioned_runs(sqlite_db, threshold=0) == 2  # explicit: on either backend
