"""The in-process cache: one dict, one lock. Invalidation reaches this process only."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from exporter.cache.backend import Lookup


class MemoryCache:
    kind = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, int, bytes]] = {}  # key -> (expires, generation, value)
        self._generations: dict[str, int] = {}

    def lookup(self, key: str) -> Lookup:
        now = self.clock()
        with self._lock:
            generation = self._generations.get(key, 0)
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now and entry[1] == generation:
                return Lookup(entry[2], generation)
            return Lookup(None, generation)

    def store(self, key: str, value: bytes, generation: int, ttl: float) -> bool:
        if ttl <= 0:
            return False
        expires = self.clock() + ttl
        with self._lock:
            if self._generations.get(key, 0) != generation:
                return False
            self._entries[key] = (expires, generation, value)
            return True

    def invalidate(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            self._generations[key] = self._generations.get(key, 0) + 1
            entry = self._entries.pop(key, None)
            return entry is not None and entry[0] > now

    def acquire(self, key: str, ttl: float) -> str | None:
        return "local"  # one process: the strategy's own single-flight already serialises

    def release(self, key: str, token: str) -> None:
        pass

    def status(self) -> dict:
        return {"backend": self.kind, "status": "ok"}

    def close(self) -> None:
        pass
