"""SQLite access for the service: a small connection pool, sessions that count their queries.

A database that is missing, locked or broken raises `DatabaseUnavailable`; the HTTP layer turns it
into a 503 with error_type "database". The file is created only by `open_or_create` (at start-up
and by `seed`): a database deleted while the service runs is reported, never silently recreated.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote


# Read-side tuning: the summary reads covering indexes, memory-mapped when the file is large.
_READ_PRAGMAS = ("PRAGMA query_only = ON", "PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -65536")


class DatabaseUnavailable(Exception):
    """The database cannot answer: missing, locked, or failing."""


def open_or_create(path: str | Path) -> None:
    """Create the file when missing (parent directories included) and apply its migrations."""
    from exporter.storage import sqlite  # the migrations live with the other backends

    sqlite.prepare(path)


class Session:
    """One checked-out connection. `queries` counts every statement sent through it."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.queries = 0

    def all(self, sql: str, params: tuple = ()) -> list[tuple]:
        self.queries += 1
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple = ()) -> tuple | None:
        self.queries += 1
        return self.conn.execute(sql, params).fetchone()


class Database:
    """A pool of read connections to one SQLite file, safe to share between request threads."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, busy_timeout: float = 1.0, max_idle: int = 16):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._identity: tuple[int, int] | None = None

    def _file_identity(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise DatabaseUnavailable(f"database file {self.path} is missing") from None
        except OSError as exc:
            raise DatabaseUnavailable(f"database file {self.path} cannot be read: {exc.strerror}") from None
        return st.st_dev, st.st_ino

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{quote(str(self.path.resolve()))}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, check_same_thread=False,
                               isolation_level=None)
        for pragma in _READ_PRAGMAS:
            conn.execute(pragma)
        return conn

    def _checkout(self) -> sqlite3.Connection:
        identity = self._file_identity()
        stale: list[sqlite3.Connection] = []
        with self._lock:
            if identity != self._identity:  # replaced file: pooled connections point at the old one
                stale, self._idle = self._idle, []
                self._identity = identity
            conn = self._idle.pop() if self._idle else None
        for old in stale:
            old.close()
        return conn if conn is not None else self._connect()

    def _checkin(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def session(self, wait: float | None = None) -> Iterator[Session]:
        """A connection for one request (`wait` is for pooled backends: SQLite never waits for one).
        sqlite3 errors become `DatabaseUnavailable`."""
        try:
            conn = self._checkout()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot open database {self.path}: {exc}") from None
        try:
            yield Session(conn)
        except sqlite3.Error as exc:
            conn.close()  # its state is unknown after a failure: never reuse it
            raise DatabaseUnavailable(f"database error: {exc}") from None
        except BaseException:
            conn.close()
            raise
        else:
            self._checkin(conn)

    def ping(self) -> None:
        """Raise `DatabaseUnavailable` unless the schema can be read."""
        with self.session() as s:
            s.one("SELECT COUNT(*) FROM users")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
