"""The performance plan's P2: a per-user TTL cache in front of another strategy.

The entries live in a cache backend (`exporter.cache`): this process's memory by default, or
Redis, shared by replicas. A cached summary is never older than `ttl` seconds (counted from before
its computation started) and never served after `invalidate(user)`, from any replica sharing the
backend: each key has a generation that invalidation bumps, and a result computed under an older
generation (a computation that raced with the invalidation) is returned once but never stored.

Concurrent misses of one key compute once: in this process through a single flight, across
replicas through the backend's lock (a replica that does not get it polls the cache, and computes
itself only if nothing appears within `lock_wait`). When the backend is down, every lookup is
counted as an error and the summary is computed from the database, never failed.

Each lookup is counted exactly once: `hit` (served from the cache, or from a computation another
request made for it), `miss` (computed here, then stored), `error` (the backend failed).
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from exporter import compact_json
from exporter.cache import CacheBackend, CacheUnavailable, MemoryCache
from exporter.cache.singleflight import SingleFlight
from exporter.database import Session
from exporter.summary import Summary, User

RESULTS = ("hit", "miss", "error")
_loads = compact_json.orjson.loads if compact_json.orjson is not None else json.loads  # the same dict for our entries
POLL_SECONDS = 0.005


def _encode(summary: Summary) -> bytes:
    return compact_json.dumps(summary.as_dict())


def _decode(value: bytes) -> Summary:
    return Summary(**_loads(value)).checked()


class CachedStrategy:
    name = "cached"

    def __init__(self, inner, ttl: float, clock: Callable[[], float] = time.monotonic,
                 backend: CacheBackend | None = None, lock_wait: float = 2.0):
        if ttl <= 0:
            raise ValueError(f"cache TTL must be positive, got {ttl}")
        self.inner = inner
        self.ttl = ttl
        self.clock = clock
        self.backend = backend if backend is not None else MemoryCache(clock=clock)
        self.lock_wait = lock_wait
        self._flights: SingleFlight[Summary] = SingleFlight(lock_wait)
        self._count_lock = threading.Lock()
        self.counts = dict.fromkeys(RESULTS, 0)

    @property
    def hits(self) -> int:
        return self.counts["hit"]

    @property
    def misses(self) -> int:
        return self.counts["miss"]

    @property
    def errors(self) -> int:
        return self.counts["error"]

    def _count(self, result: str) -> None:
        with self._count_lock:
            self.counts[result] += 1

    def summary(self, session: Session, user: User) -> Summary:
        key = str(user.id)
        try:
            found = self.backend.lookup(key)
        except CacheUnavailable:
            self._count("error")  # served from the database below, never stored
            return self._flights.run(key, lambda: self.inner.summary(session, user))[0]
        if found.value is not None:
            self._count("hit")
            return _decode(found.value)
        result, computed = self._flights.run(key, lambda: self._fill(session, user, key))
        if not computed:
            self._count("hit")  # another request's computation served this one
        return result

    def _fill(self, session: Session, user: User, key: str) -> Summary:
        """The leader of this process's flight: look again (a flight may just have stored it), take the
        replicas' lock, compute, store. Counts the lookup it makes for its own request."""
        try:
            found = self.backend.lookup(key)
            if found.value is not None:
                self._count("hit")
                return _decode(found.value)
            token = self.backend.acquire(key, self.lock_wait)
            if token is None:
                waited = self._wait_for_other_replica(key)
                if waited is not None:
                    self._count("hit")
                    return waited
        except CacheUnavailable:
            self._count("error")
            return self.inner.summary(session, user)
        self._count("miss")
        try:
            computed_at = self.clock()
            result = self.inner.summary(session, user)
            remaining = computed_at + self.ttl - self.clock()
            try:
                self.backend.store(key, _encode(result), found.generation, remaining)
            except CacheUnavailable:
                pass  # served all the same; the next lookup counts the outage
            return result
        finally:
            if token is not None:
                try:
                    self.backend.release(key, token)
                except CacheUnavailable:
                    pass  # the lock expires on its own

    def _wait_for_other_replica(self, key: str) -> Summary | None:
        deadline = time.monotonic() + self.lock_wait
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            found = self.backend.lookup(key)
            if found.value is not None:
                return _decode(found.value)
        return None

    def invalidate(self, user: User) -> bool:
        """Drop the user's cached summary (for every replica sharing the backend); True when there
        was one. Raises CacheUnavailable when the backend cannot be reached."""
        return self.backend.invalidate(str(user.id))

    def cache_status(self) -> dict:
        return self.backend.status()

    def close(self) -> None:
        self.backend.close()
