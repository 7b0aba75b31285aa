"""The three strategies return identical summaries on every dataset; their SQL statement counts."""
from __future__ import annotations

import sqlite3

import pytest

from exporter import datasets, seeding
from exporter.auth import find_user
from exporter.database import Database
from exporter.strategies import STRATEGIES, make_strategy
from exporter.summary import CalculationError
from exporter.config import default_config
from tests.exporter.conftest import SIZES, TIERS


def summaries(db_path, name: str) -> dict[str, tuple]:
    """strategy -> (summary, statements counted by the session, statements seen by sqlite3's trace)."""
    db = Database(db_path)
    out = {}
    try:
        for strategy_name in STRATEGIES:
            with db.session() as session:
                user = find_user(session, datasets.token_for(name))
                traced: list[str] = []
                session.conn.set_trace_callback(traced.append)
                before = session.queries
                summary = make_strategy(strategy_name, cache_ttl=60).summary(session, user)
                session.conn.set_trace_callback(None)
                out[strategy_name] = (summary, session.queries - before, len(traced))
    finally:
        db.close()
    return out


@pytest.mark.parametrize("name", TIERS)
def test_every_strategy_returns_the_same_summary(seeded_db, name):
    results = summaries(seeded_db, name)
    assert results["aggregate"][0] == results["naive"][0] == results["cached"][0]
    repos, prs = SIZES[name]
    summary = results["aggregate"][0]
    assert summary.total_repos == repos
    assert summary.total_open_prs == repos * min(seeding.OPEN_PER_REPO, prs // repos)
    for counted, traced in (r[1:] for r in results.values()):
        assert counted == traced  # the session's counter is honest
    assert results["aggregate"][1] == 1
    assert results["naive"][1] == 1 + summary.total_repos + 2 * summary.total_open_prs


def test_naive_makes_the_seeds_2101_queries_on_the_large_tier(seeded_db):
    assert summaries(seeded_db, "large")["naive"][1] == 2101


def test_strategies_agree_on_xl(tmp_path_factory):
    db = tmp_path_factory.mktemp("xl") / "xl.db"
    seeding.seed(db, datasets.select(default_config(), ["xl"]))
    results = summaries(db, "xl")
    assert results["aggregate"][0] == results["naive"][0] == results["cached"][0]
    assert (results["aggregate"][0].total_repos, results["aggregate"][0].total_open_prs) == (10_000, 100_000)
    assert results["naive"][1] == 1 + 10_000 + 2 * 100_000


@pytest.mark.parametrize("column, value", [("status", "purple"), ("provider", "sourcehut")])
def test_unknown_values_are_calculation_errors_in_every_strategy(db_copy, column, value):
    with sqlite3.connect(db_copy) as conn:
        if column == "status":
            conn.execute("UPDATE pull_requests SET status = ? WHERE id = (SELECT MIN(id) FROM pull_requests "
                         "WHERE state = 'open' AND user_id = (SELECT id FROM users WHERE name = 'small'))", (value,))
        else:
            conn.execute("UPDATE repositories SET provider = ? WHERE id = (SELECT MIN(id) FROM repositories "
                         "WHERE user_id = (SELECT id FROM users WHERE name = 'small'))", (value,))
    db = Database(db_copy)
    try:
        for strategy_name in STRATEGIES:
            with db.session() as session:
                user = find_user(session, "token-small")
                with pytest.raises(CalculationError, match="add up"):
                    make_strategy(strategy_name).summary(session, user)
    finally:
        db.close()
