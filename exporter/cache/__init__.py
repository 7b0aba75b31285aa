"""Where cached summaries live: in this process (`memory://`, the default) or in Redis
(`redis://host:port/db`), shared by every replica that names the same server.

`open_cache(url)` parses the URL (a bad one is a `CacheURLError` naming the part at fault) and
returns a backend; `exporter.strategies.cached.CachedStrategy` puts one in front of a strategy.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from exporter.cache.backend import CacheBackend, CacheUnavailable, Lookup
from exporter.cache.memory import MemoryCache
from exporter.cache.urls import DEFAULT_CACHE_URL, CacheURL, CacheURLError, parse_cache_url

__all__ = ["CacheBackend", "CacheUnavailable", "CacheURL", "CacheURLError", "DEFAULT_CACHE_URL", "Lookup",
           "MemoryCache", "open_cache", "parse_cache_url"]


def open_cache(url: str | CacheURL, clock: Callable[[], float] = time.monotonic) -> CacheBackend:
    """The backend a `--cache` URL names. Connecting to Redis is lazy: a server that is down at
    start is reported by /readyz and served around, not a start-up failure."""
    parsed = url if isinstance(url, CacheURL) else parse_cache_url(url)
    if parsed.scheme == "memory":
        return MemoryCache(clock=clock)
    from exporter.cache.redis_cache import RedisCache  # the client library only when Redis is asked for
    return RedisCache(parsed.host, parsed.port, parsed.db)
