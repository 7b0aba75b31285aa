"""Keeps the P3 materialized view fresh: on writes, on invalidation, and on a schedule.

- Writes: triggers `NOTIFY obsgen_dashboard_changed` at commit (migration 3); a listener thread
  holds its own connection with `LISTEN` and asks for a refresh on every notification. After a
  lost connection it reconnects (with backoff) and refreshes once, for what it may have missed.
- Invalidation: `refresh_now()` returns once a refresh that *started after the call* has
  finished, so everything committed before it is in the view.
- Schedule: a refresh at least every `interval` seconds, whatever happened.

Requests that arrive while a refresh runs are folded into the next one (at most one runs at a
time per process). `REFRESH MATERIALIZED VIEW CONCURRENTLY` never blocks the readers.
"""
from __future__ import annotations

import threading
import time

import psycopg

from exporter.database import DatabaseUnavailable
from exporter.storage.postgres_schema import CHANGE_CHANNEL, VIEW

REFRESH_SQL = f"REFRESH MATERIALIZED VIEW CONCURRENTLY {VIEW}"


class Refresher:
    def __init__(self, db, interval: float = 60.0, log=None, listen: bool = True):
        if interval <= 0:
            raise ValueError(f"the refresh interval must be positive, got {interval}")
        self.db = db
        self.interval = interval
        self.log = log
        self._cond = threading.Condition()
        self._asked = 0      # refreshes asked for (a ticket number)
        self._done = 0       # every ticket up to this one is served by a finished refresh
        self._failed = 0     # every ticket up to this one was served by a failed refresh
        self._stop = threading.Event()
        self.refreshes = 0
        self.last_duration: float | None = None
        self._threads = [threading.Thread(target=self._run, name="mv-refresh", daemon=True)]
        if listen:
            self._threads.append(threading.Thread(target=self._listen, name="mv-listen", daemon=True))

    def start(self) -> "Refresher":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(5)

    def request(self) -> int:
        """Ask for a refresh, without waiting; the ticket it will serve."""
        with self._cond:
            self._asked += 1
            self._cond.notify_all()
            return self._asked

    def refresh_now(self, timeout: float = 30.0) -> None:
        """Return once a refresh started after this call has finished; `DatabaseUnavailable` if it
        failed or did not finish within `timeout`."""
        ticket = self.request()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._done < ticket and self._failed < ticket:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    raise DatabaseUnavailable(f"the summary view was not refreshed within {timeout:g}s")
                self._cond.wait(left)
            if self._done < ticket:
                raise DatabaseUnavailable("the summary view could not be refreshed")

    # --- the worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        next_scheduled = time.monotonic() + self.interval
        while not self._stop.is_set():
            with self._cond:
                while self._asked <= max(self._done, self._failed) and not self._stop.is_set():
                    left = next_scheduled - time.monotonic()
                    if left <= 0:
                        self._asked += 1  # the schedule asks too
                        break
                    self._cond.wait(left)
                if self._stop.is_set():
                    return
                ticket = self._asked  # everything asked so far is served by the refresh starting now
            next_scheduled = time.monotonic() + self.interval
            ok = self._refresh()
            with self._cond:
                if ok:
                    self._done = ticket
                else:
                    self._failed = ticket
                self._cond.notify_all()
            if not ok:
                self._stop.wait(0.5)  # the database is down: do not spin

    def _refresh(self) -> bool:
        started = time.perf_counter()
        try:
            with self.db.session(wait=5.0) as session:
                session.cursor.execute(REFRESH_SQL)
        except DatabaseUnavailable as exc:
            self._log("WARN", "Summary view refresh failed", error=str(exc))
            return False
        self.last_duration = time.perf_counter() - started
        self.refreshes += 1
        self._log("INFO", "Summary view refreshed", duration_ms=round(self.last_duration * 1000, 3))
        return True

    def _listen(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                conn = self.db.connect()
            except DatabaseUnavailable:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            try:
                with conn:
                    conn.execute(f"LISTEN {CHANGE_CHANNEL}")
                    backoff = 0.2
                    self.request()  # writes may have happened while nobody listened
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5):
                            self.request()
            except psycopg.Error as exc:
                self._log("WARN", "Change listener lost its connection", error=str(exc).strip())
                self._stop.wait(backoff)

    def _log(self, level: str, message: str, **fields) -> None:
        if self.log is not None:
            self.log.event(level, message, target="exporter.storage", **fields)
