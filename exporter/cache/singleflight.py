"""One computation per key at a time in this process: concurrent callers for a key wait for the
first one's result instead of computing it again (the cache stampede)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    def __init__(self):
        self.done = threading.Event()
        self.result: T | None = None


class SingleFlight(Generic[T]):
    def __init__(self, wait: float):
        self.wait = wait
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight[T]] = {}

    def run(self, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
        """(result, computed here). A caller that finds a computation under way waits up to
        `wait` seconds for it; if it failed or is slower than that, the caller computes itself."""
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
        if not leader:
            if flight.done.wait(self.wait) and flight.result is not None:
                return flight.result, False
            return compute(), True
        try:
            flight.result = compute()
            return flight.result, True
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()
