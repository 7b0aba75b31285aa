"""What a cache backend offers the cached strategy.

Every entry is stored with the generation of its key at the time the computation started;
invalidation bumps the generation and drops the entry, so a computation that raced with an
invalidation is never stored (the store is refused) and an entry of an older generation is never
served. A backend that cannot be reached raises `CacheUnavailable`; the strategy then serves from
the database and counts the lookup as an error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class CacheUnavailable(Exception):
    """The backend could not be reached or answered nonsense; the detail is the message."""


@dataclass(frozen=True)
class Lookup:
    value: bytes | None  # None: a miss
    generation: int  # the key's generation now: pass it to store()


class CacheBackend(Protocol):
    kind: str  # "memory" | "redis"

    def lookup(self, key: str) -> Lookup: ...

    def store(self, key: str, value: bytes, generation: int, ttl: float) -> bool:
        """Keep `value` for `ttl` seconds unless the key's generation moved on; True when kept."""

    def invalidate(self, key: str) -> bool:
        """Bump the key's generation and drop its entry; True when there was one."""

    def acquire(self, key: str, ttl: float) -> str | None:
        """A lock for recomputing `key` across replicas: a token, or None when another holds it."""

    def release(self, key: str, token: str) -> None: ...

    def status(self) -> dict:
        """For /readyz: {"backend": kind, "status": "ok" | "unavailable", "error"?: text}."""

    def close(self) -> None: ...
