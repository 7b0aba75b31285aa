"""`--cache` URLs: `memory://` or `redis://host[:port][/db]`; errors name the part at fault."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_CACHE_URL = "memory://"
REDIS_DEFAULT_PORT = 6379


class CacheURLError(ValueError):
    """A `--cache` URL that names no usable backend."""


@dataclass(frozen=True)
class CacheURL:
    scheme: str  # "memory" | "redis"
    host: str = ""
    port: int = 0
    db: int = 0

    def __str__(self) -> str:
        return "memory://" if self.scheme == "memory" else f"redis://{self.host}:{self.port}/{self.db}"


def parse_cache_url(text: str) -> CacheURL:
    def bad(what: str) -> CacheURLError:
        return CacheURLError(f"{text!r}: {what}")

    if "://" not in text:
        raise bad("expected memory:// or redis://host:port/db")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path.strip("/") or parts.query or parts.fragment:
            raise bad("memory:// takes no host, path or query")
        return CacheURL("memory")
    if scheme != "redis":
        raise bad(f"unknown scheme {parts.scheme!r}; expected memory or redis")
    if parts.query or parts.fragment:
        raise bad("redis URLs take no query or fragment here")
    if "@" in parts.netloc:
        raise bad("no user or password in the URL (the exporter supports unauthenticated Redis only)")
    host = parts.hostname
    if not host:
        raise bad("the host is missing (redis://host:port/db)")
    try:
        port = parts.port
    except ValueError:
        raise bad(f"port {parts.netloc.rsplit(':', 1)[-1]!r} is not a number between 1 and 65535") from None
    if port == 0:
        raise bad("port 0 is not a Redis port")
    db_text = parts.path.lstrip("/")
    if db_text and not db_text.isdigit():
        raise bad(f"database {db_text!r} is not a number (redis://host:port/0)")
    return CacheURL("redis", host, port or REDIS_DEFAULT_PORT, int(db_text or 0))
