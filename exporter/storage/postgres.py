"""PostgreSQL access for the service: a psycopg 3 connection pool, sessions that count their queries.

The strategies' SQL is written once with `?` placeholders (`?1` for a parameter used twice); a
session translates it to psycopg's `%s` once per statement text. Connections are in autocommit:
a summary's statements need no transaction, and none is left open. psycopg prepares a statement
server-side after its fifth use on a connection, which the naive path's thousands of repeats use.

Every psycopg error (server down or restarted, a broken connection, no connection free within
`busy_timeout`) becomes `DatabaseUnavailable`: 503 with error_type "database". Connections are
not checked before each use (that would be one more round trip per request); instead the first
broken connection makes the pool check all its idle ones in the background, so after a server
restart the stale connections are dropped after one failed request, not one each.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from exporter.database import DatabaseUnavailable
from exporter.storage.migrations import migrate
from exporter.storage.postgres_schema import MIGRATIONS

CONNECT_TIMEOUT = 2  # seconds to establish one connection
_PLACEHOLDER = re.compile(r"\?(\d*)")


@lru_cache(maxsize=256)
def translate(sql: str) -> tuple[str, tuple[int, ...] | None]:
    """`?` -> `%s`; with numbered `?N`, also the parameter index each placeholder takes."""
    order: list[int] = []
    numbered = False

    def repl(match: re.Match) -> str:
        nonlocal numbered
        if match.group(1):
            numbered = True
            order.append(int(match.group(1)) - 1)
        else:
            order.append(len(order))
        return "%s"

    out = _PLACEHOLDER.sub(repl, sql.replace("%", "%%"))
    return out, tuple(order) if numbered else None


def _params(order: tuple[int, ...] | None, params: tuple) -> tuple:
    return params if order is None else tuple(params[i] for i in order)


class PgSession:
    """One checked-out connection. `queries` counts every statement sent through it."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.cursor = conn.cursor()
        self.queries = 0

    def all(self, sql: str, params: tuple = ()) -> list[tuple]:
        self.queries += 1
        text, order = translate(sql)
        return self.cursor.execute(text, _params(order, params)).fetchall()

    def one(self, sql: str, params: tuple = ()) -> tuple | None:
        self.queries += 1
        text, order = translate(sql)
        return self.cursor.execute(text, _params(order, params)).fetchone()


def _unavailable(exc: Exception) -> DatabaseUnavailable:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DatabaseUnavailable(f"database error: {detail}")


class _PoolLog(logging.Handler):
    """psycopg_pool's log records (a failed reconnection, ...) as the service's JSON lines."""

    def __init__(self, log):
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        level = "ERROR" if record.levelno >= logging.ERROR else "WARN" if record.levelno >= logging.WARNING else "INFO"
        self.log.event(level, record.getMessage().splitlines()[0], target="psycopg.pool")


# psycopg_pool logs three INFO lines around every checkout (the pool's name, nothing else): on the
# summary path they were three JSON lines per request, 3/4 of the log and 18 % of the samples that
# held the GIL (py-spy), the largest Python cost after the queries.
_PER_CHECKOUT = frozenset(("connection requested from %r", "connection given by %r", "returning connection to %r"))


def _not_per_checkout(record: logging.LogRecord) -> bool:
    return record.msg not in _PER_CHECKOUT


def route_pool_log(log) -> None:
    """Send psycopg_pool's log to `log` (one JSON line each) instead of stderr's plain text; its
    per-checkout chatter is dropped, everything else (growing, failed checks, reconnections) kept."""
    logger = logging.getLogger("psycopg.pool")
    logger.handlers = [_PoolLog(log)]
    logger.filters = [_not_per_checkout]
    logger.setLevel(logging.INFO)
    logger.propagate = False


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database, safe to share between request threads."""

    dialect = "postgresql"

    def __init__(self, dsn: str, busy_timeout: float = 1.0, pool_size: int = 16, min_size: int = 2,
                 display: str | None = None, log=None):
        if pool_size < 1:
            raise ValueError(f"the pool size must be at least 1, got {pool_size}")
        self.dsn = dsn
        self.display = display or dsn
        if log is not None:
            route_pool_log(log)
        self.busy_timeout = busy_timeout
        self.pool = ConnectionPool(
            dsn, min_size=min(min_size, pool_size), max_size=pool_size, open=False, timeout=busy_timeout,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT, "application_name": "obsgen-exporter"},
            name="obsgen")
        self.pool.open(wait=False)
        self._closers: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._checking = False

    @contextmanager
    def session(self, wait: float | None = None) -> Iterator[PgSession]:
        """A connection for one request; `wait` overrides how long to wait for a free one."""
        timeout = self.busy_timeout if wait is None else wait
        try:
            with self.pool.connection(timeout=timeout) as conn:
                try:
                    yield PgSession(conn)
                except psycopg.Error:
                    if conn.broken:
                        self._check_idle()
                    raise
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no database connection within {timeout:g}s "
                                      f"({self.display}): {exc}") from None
        except psycopg.Error as exc:
            raise _unavailable(exc) from None

    def _check_idle(self) -> None:
        """Drop the pool's broken idle connections, in the background, one check at a time."""
        with self._lock:
            if self._checking:
                return
            self._checking = True

        def check() -> None:
            try:
                self.pool.check()
            except Exception:  # noqa: BLE001 - a closed pool, the server still down: the next failure checks again
                pass
            finally:
                with self._lock:
                    self._checking = False

        threading.Thread(target=check, name="pool-check", daemon=True).start()

    def ping(self) -> None:
        """Raise `DatabaseUnavailable` unless the schema can be read."""
        with self.session() as s:
            s.one("SELECT COUNT(*) FROM users")

    def connect(self) -> psycopg.Connection:
        """A connection outside the pool (LISTEN, long maintenance statements); the caller closes it."""
        try:
            return psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise _unavailable(exc) from None

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the database is closed (background workers stop with it)."""
        with self._lock:
            self._closers.append(callback)

    def close(self) -> None:
        with self._lock:
            closers, self._closers = self._closers, []
        for callback in closers:
            callback()
        self.pool.close()


def prepare(dsn: str) -> list[int]:
    """Apply the pending migrations; the versions applied now."""
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            return migrate(conn, MIGRATIONS, "postgresql")
    except psycopg.Error as exc:
        raise _unavailable(exc) from None
