"""The TTL cache: never older than the TTL, never served after invalidation, races included."""
from __future__ import annotations


import pytest

from exporter.auth import find_user
from exporter.database import Database
from exporter.strategies import AggregateStrategy, CachedStrategy
from tests.support.pull_requests import close_one_open_pr


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(db_copy):
    database = Database(db_copy)
    yield database
    database.close()


def test_cached_answer_lives_exactly_the_ttl(db, db_copy):
    clock = Clock()
    cache = CachedStrategy(AggregateStrategy(), ttl=5, clock=clock)
    with db.session() as s:
        user = find_user(s, "token-small")
        first = cache.summary(s, user)
        close_one_open_pr(db_copy, "small")
        clock.now += 4.999
        assert cache.summary(s, user) == first  # stale, but within the TTL
        assert s.queries == 2  # token lookup + the one computation
        clock.now += 0.001
        fresh = cache.summary(s, user)
    assert fresh.total_open_prs == first.total_open_prs - 1
    assert (cache.hits, cache.misses) == (1, 2)


def test_invalidation_drops_only_the_callers_summary(db, db_copy):
    cache = CachedStrategy(AggregateStrategy(), ttl=60, clock=Clock())
    with db.session() as s:
        small, medium = find_user(s, "token-small"), find_user(s, "token-medium")
        before_small, before_medium = cache.summary(s, small), cache.summary(s, medium)
        close_one_open_pr(db_copy, "small")
        close_one_open_pr(db_copy, "medium")
        assert cache.invalidate(small) is True
        assert cache.invalidate(small) is False  # nothing left to drop
        assert cache.summary(s, small).total_open_prs == before_small.total_open_prs - 1
        assert cache.summary(s, medium) == before_medium  # untouched until its own TTL or invalidation


def test_a_computation_racing_an_invalidation_is_not_stored(db, db_copy):
    class InvalidatesWhileComputing:
        """Runs the real aggregate, with an invalidation landing mid-computation."""

        def __init__(self):
            self.inner, self.cache, self.armed = AggregateStrategy(), None, True

        def summary(self, session, user):
            result = self.inner.summary(session, user)  # reads the data as it was
            if self.armed:
                self.armed = False
                close_one_open_pr(db_copy, "small")  # the change lands ...
                self.cache.invalidate(user)  # ... and its invalidation, before the result is stored
            return result

    inner = InvalidatesWhileComputing()
    cache = CachedStrategy(inner, ttl=60, clock=Clock())
    inner.cache = cache
    with db.session() as s:
        user = find_user(s, "token-small")
        raced = cache.summary(s, user)
        after = cache.summary(s, user)
    assert after.total_open_prs == raced.total_open_prs - 1  # the raced result was never cached


def test_ttl_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        CachedStrategy(AggregateStrategy(), ttl=0)
