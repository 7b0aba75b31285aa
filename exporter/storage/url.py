"""`--database URL`: `sqlite:///path`, a plain path (SQLite), or `postgresql://...` (also `postgres://`).

A URL that is none of these is a `ValueError` naming what is accepted. The password of a
PostgreSQL URL never reaches a log line: `display` masks it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class DatabaseURL:
    kind: str                 # SQLITE | POSTGRESQL
    path: Path | None = None  # SQLite: the file
    dsn: str = ""             # PostgreSQL: the libpq connection URI

    @property
    def display(self) -> str:
        """For logs and messages: the path, or the URL with its password masked."""
        if self.kind == SQLITE:
            return str(self.path)
        parts = urlsplit(self.dsn)
        if parts.password is None:
            return self.dsn
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, f"{parts.username or ''}:***@{host}", parts.path, parts.query, ""))


def parse(text: str | Path) -> DatabaseURL:
    text = str(text).strip()
    if not text:
        raise ValueError("the database URL is empty; give sqlite:///PATH, a file path, or postgresql://...")
    scheme, sep, rest = text.partition("://")
    if not sep:
        return DatabaseURL(SQLITE, Path(text))
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise ValueError(f"database URL {text!r}: expected sqlite:///relative/path or sqlite:////absolute/path")
        return DatabaseURL(SQLITE, Path(rest[1:]))
    if scheme in ("postgresql", "postgres"):
        return DatabaseURL(POSTGRESQL, dsn="postgresql://" + rest)
    raise ValueError(f"database URL {text!r}: unknown scheme {scheme!r}; "
                     "expected sqlite:///PATH, a file path, or postgresql://...")
