"""Stampede protection: N concurrent misses of one key run one computation, in one process (memory://
and redis://) and across two replicas sharing one real Redis; everyone gets the same summary and each
lookup is counted once (one miss, the rest hits)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from exporter.auth import find_user
from exporter.cache import open_cache
from exporter.database import Database
from exporter.strategies import AggregateStrategy, CachedStrategy
from tests.support.redis_server import RedisServer

CLIENTS = 20
COMPUTE_SECONDS = 0.3  # long enough for every client to miss while the first computation runs


class SlowCountingAggregate:
    """The real aggregate, made slow, counting how often it runs."""

    name = "aggregate"

    def __init__(self):
        self.inner = AggregateStrategy()
        self.calls = 0
        self._lock = threading.Lock()

    def summary(self, session, user):
        with self._lock:
            self.calls += 1
        time.sleep(COMPUTE_SECONDS)
        return self.inner.summary(session, user)

    def invalidate(self, user):
        return False


@pytest.fixture
def db(db_copy):
    database = Database(db_copy)
    yield database
    database.close()


@pytest.fixture
def redis_url(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server.url


def _concurrent_summaries(db, caches: list[CachedStrategy]) -> list:
    barrier = threading.Barrier(CLIENTS)

    def one(i: int):
        with db.session() as session:
            user = find_user(session, "token-large")
            barrier.wait()
            return caches[i % len(caches)].summary(session, user)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_concurrent_misses_in_one_process_compute_once(db, redis_url, backend):
    inner = SlowCountingAggregate()
    cache = CachedStrategy(inner, ttl=60, backend=open_cache("memory://" if backend == "memory" else redis_url))
    results = _concurrent_summaries(db, [cache])
    assert inner.calls == 1
    assert len(set(results)) == 1 and results[0].total_repos == 100  # the large tier
    assert cache.counts == {"hit": CLIENTS - 1, "miss": 1, "error": 0}


def test_concurrent_misses_on_two_replicas_sharing_redis_compute_once(db, redis_url):
    inner_a, inner_b = SlowCountingAggregate(), SlowCountingAggregate()
    a = CachedStrategy(inner_a, ttl=60, backend=open_cache(redis_url))
    b = CachedStrategy(inner_b, ttl=60, backend=open_cache(redis_url))
    results = _concurrent_summaries(db, [a, b])
    assert inner_a.calls + inner_b.calls == 1  # the replica without Redis' lock waited for the entry
    assert len(set(results)) == 1
    assert a.counts["miss"] + b.counts["miss"] == 1
    assert a.counts["hit"] + b.counts["hit"] == CLIENTS - 1


def test_a_failed_computation_is_not_shared_and_the_waiters_compute_themselves(db):
    class FailsOnce(SlowCountingAggregate):
        def summary(self, session, user):
            with self._lock:
                self.calls += 1
                first = self.calls == 1
            time.sleep(COMPUTE_SECONDS)
            if first:
                raise RuntimeError("the first computation fails")
            return self.inner.summary(session, user)

    inner = FailsOnce()
    cache = CachedStrategy(inner, ttl=60)
    barrier = threading.Barrier(4)

    def one(_):
        with db.session() as session:
            user = find_user(session, "token-small")
            barrier.wait()
            try:
                return cache.summary(session, user).total_repos
            except RuntimeError:
                return "failed"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(one, range(4)))
    assert outcomes.count("failed") == 1 and outcomes.count(10) == 3
