"""The performance plan's P2, in process: a per-user TTL cache in front of another strategy.

A cached summary is never older than `ttl` seconds, and never served after `invalidate(user)`:
each user has a generation number that invalidation bumps, and a result computed under an older
generation (a computation that raced with the invalidation) is returned once but never stored.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from exporter.database import Session
from exporter.summary import Summary, User


class CachedStrategy:
    name = "cached"

    def __init__(self, inner, ttl: float, clock: Callable[[], float] = time.monotonic):
        if ttl <= 0:
            raise ValueError(f"cache TTL must be positive, got {ttl}")
        self.inner = inner
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, Summary]] = {}
        self._generations: dict[int, int] = {}
        self.hits = 0
        self.misses = 0

    def summary(self, session: Session, user: User) -> Summary:
        now = self.clock()
        with self._lock:
            entry = self._entries.get(user.id)
            if entry is not None and entry[0] > now:
                self.hits += 1
                return entry[1]
            self.misses += 1
            generation = self._generations.get(user.id, 0)
        computed_at = self.clock()
        result = self.inner.summary(session, user)
        with self._lock:
            if self._generations.get(user.id, 0) == generation:
                self._entries[user.id] = (computed_at + self.ttl, result)
        return result

    def invalidate(self, user: User) -> bool:
        """Drop the user's cached summary; True when there was one."""
        with self._lock:
            self._generations[user.id] = self._generations.get(user.id, 0) + 1
            return self._entries.pop(user.id, None) is not None
