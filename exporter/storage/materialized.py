"""The performance plan's P3 on PostgreSQL: the summary read from a materialized view, one row.

`dashboard_summaries` (migration 2) holds every user's whole summary; a summary is one primary-key
lookup, whatever the user's size. A `Refresher` keeps it fresh (writes, invalidation, schedule).
Between a write and the refresh it triggers, the view is behind by that refresh's duration (logged
as `Summary view refreshed`); `POST /api/dashboard/invalidate` waits for a refresh, so a client that
invalidates after its write reads its write. A user the view does not hold yet (created after the
last refresh) is answered by the one-query aggregate, and a refresh is asked for.
"""
from __future__ import annotations

from exporter.database import DatabaseUnavailable
from exporter.storage.postgres_schema import SUMMARY_COLUMNS, VIEW
from exporter.storage.refresher import Refresher
from exporter.strategies.aggregate import AggregateStrategy
from exporter.summary import Summary, User

QUERY = f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {VIEW} WHERE user_id = ?"


class MaterializedViewStrategy:
    name = "materialized"

    def __init__(self, db, refresh_interval: float = 60.0, log=None, listen: bool = True):
        if getattr(db, "dialect", None) != "postgresql":
            raise ValueError("strategy materialized needs PostgreSQL (--database postgresql://...)")
        self.refresher = Refresher(db, interval=refresh_interval, log=log, listen=listen).start()
        db.on_close(self.refresher.stop)
        self._fallback = AggregateStrategy()

    def summary(self, session, user: User) -> Summary:
        row = session.one(QUERY, (user.id,))
        if row is None:
            self.refresher.request()
            return self._fallback.summary(session, user)
        return Summary(*row).checked()

    def invalidate(self, user: User) -> bool:
        """Refresh the view now; True once done, False when the database could not do it (the
        refresh is retried by the worker)."""
        try:
            self.refresher.refresh_now()
        except DatabaseUnavailable:
            return False
        return True
