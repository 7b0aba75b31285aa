"""The Redis cache, shared by every replica that names the same server and database.

Keys, under `obsgen-exporter:summary:`: `<key>` holds `<generation>|<summary JSON>` with a TTL,
`<key>:gen` the key's generation, `<key>:lock` the recomputation lock. A lookup is one round trip,
one MGET of both (one command to pack and parse: cheaper than a pipeline of two GETs); storing
checks the generation in the same Lua step that writes, so an invalidation from any replica
between a miss and its store wins. A down or hanging server costs
at most the socket timeout once: after a failure the backend answers `CacheUnavailable` at once for
`RETRY_SECONDS`, then tries again.
"""
from __future__ import annotations

import threading
import time
import uuid

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from exporter.cache.backend import CacheUnavailable, Lookup

PREFIX = "obsgen-exporter:summary:"
SOCKET_TIMEOUT = 0.25
RETRY_SECONDS = 0.5

_STORE = """
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
"""
_INVALIDATE = """
redis.call('INCR', KEYS[1])
return redis.call('DEL', KEYS[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCache:
    kind = "redis"

    def __init__(self, host: str, port: int, db: int = 0, socket_timeout: float = SOCKET_TIMEOUT):
        self.where = f"redis://{host}:{port}/{db}"
        self.client = redis.Redis(host=host, port=port, db=db, socket_timeout=socket_timeout,
                                  socket_connect_timeout=socket_timeout, retry=Retry(NoBackoff(), 0))
        # The pool is not capped: a cap would turn a burst of requests into "Too many connections"
        # errors (and a 0.5 s outage); the HTTP server's own connection limit bounds it.
        self._store = self.client.register_script(_STORE)
        self._invalidate = self.client.register_script(_INVALIDATE)
        self._release = self.client.register_script(_RELEASE)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_error = ""

    # --- failure handling ----------------------------------------------------------------------
    def _call(self, operation):
        with self._lock:
            if time.monotonic() < self._down_until:
                raise CacheUnavailable(f"{self.where} unavailable: {self._last_error}")
        try:
            return operation()
        except (redis.RedisError, OSError, ValueError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._down_until = time.monotonic() + RETRY_SECONDS
                self._last_error = detail
            raise CacheUnavailable(f"{self.where}: {detail}") from None

    # --- the backend -----------------------------------------------------------------------------
    def lookup(self, key: str) -> Lookup:
        def read():
            generation, entry = self.client.mget([PREFIX + key + ":gen", PREFIX + key])
            return int(generation or 0), entry

        generation, entry = self._call(read)
        if entry is None:
            return Lookup(None, generation)
        stored, _, value = entry.partition(b"|")
        if stored != str(generation).encode():
            return Lookup(None, generation)
        return Lookup(value, generation)

    def store(self, key: str, value: bytes, generation: int, ttl: float) -> bool:
        milliseconds = int(ttl * 1000)
        if milliseconds <= 0:
            return False
        kept = self._call(lambda: self._store(keys=[PREFIX + key + ":gen", PREFIX + key],
                                              args=[str(generation), value, milliseconds]))
        return bool(kept)

    def invalidate(self, key: str) -> bool:
        return bool(self._call(lambda: self._invalidate(keys=[PREFIX + key + ":gen", PREFIX + key])))

    def acquire(self, key: str, ttl: float) -> str | None:
        token = uuid.uuid4().hex
        taken = self._call(lambda: self.client.set(PREFIX + key + ":lock", token, nx=True, px=max(1, int(ttl * 1000))))
        return token if taken else None

    def release(self, key: str, token: str) -> None:
        self._call(lambda: self._release(keys=[PREFIX + key + ":lock"], args=[token]))

    def status(self) -> dict:
        try:
            with self._lock:  # /readyz always asks the server, even while lookups are short-circuited
                self._down_until = 0.0
            self._call(self.client.ping)
        except CacheUnavailable as exc:
            return {"backend": self.kind, "status": "unavailable", "error": str(exc)}
        return {"backend": self.kind, "status": "ok"}

    def close(self) -> None:
        self.client.close()
