"""The performance plan's P4: the summary computed in parallel partitions, where that pays.

The user's open pull requests are one contiguous range of the index (user_id, state, status);
it is cut at status values into `workers` ranges (with three statuses and two workers: below
'red', and from 'red' on), and the repositories' half is a partition of its own. Each range is
grouped by a statement of its own on its own connection, in threads (the database does the
work, so the GIL is free), and the partial counts are added up. Every value falls in exactly
one range, unknown ones included, so the consistency check still sees them.

It pays only when one summary is big enough for the saved database time to outweigh the extra
round trips and thread hand-offs, when cores are idle (under load every core is already busy and
the partitions only queue), and only on PostgreSQL, where each partition runs in a server process
of its own: on SQLite the partitions share this process and measured slower than the one query
(docs/exporter.md). So by default a user is summarised in partitions only on PostgreSQL and only
when their last summary held at least 20,000 open pull requests; everything else gets the
one-query aggregate. An explicit `threshold` applies on either backend (0: always partition).
A partition that finds no free connection at once runs on the caller's own connection instead,
so a full pool never deadlocks waiting for itself.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

from exporter.database import DatabaseUnavailable
from exporter.strategies.aggregate import AggregateStrategy
from exporter.summary import STATUSES, Summary, User

DEFAULT_THRESHOLDS = {"postgresql": 20_000}  # open pull requests, per backend; absent: never (docs/exporter.md)
REPOS_SQL = ("SELECT provider, visibility, archived, COUNT(*) FROM repositories "
             "WHERE user_id = ? GROUP BY provider, visibility, archived")
_PRS = "SELECT status, COUNT(*) FROM pull_requests WHERE user_id = ? AND state = 'open'"


def status_ranges(workers: int) -> list[tuple[str | None, str | None]]:
    """[low, high) bounds cutting the status axis into up to `workers` ranges covering every value."""
    cuts = sorted(STATUSES)[1:max(1, min(workers, len(STATUSES)))]
    bounds = [None, *cuts, None]
    return list(zip(bounds[:-1], bounds[1:]))


def range_sql(low: str | None, high: str | None) -> tuple[str, tuple]:
    sql, params = _PRS, ()
    if low is not None:
        sql, params = sql + " AND status >= ?", params + (low,)
    if high is not None:
        sql, params = sql + " AND status < ?", params + (high,)
    return sql + " GROUP BY status", params


class PartitionedStrategy:
    name = "partitioned"

    def __init__(self, db, workers: int | None = None, threshold: int | None = None):
        """`threshold` None: the backend's default; 0: every summary in partitions."""
        self.db = db
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.threshold = threshold if threshold is not None else DEFAULT_THRESHOLDS.get(getattr(db, "dialect", ""))
        self.ranges = status_ranges(self.workers)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="partition")
        self._sizes: dict[int, int] = {}
        self._lock = threading.Lock()
        self._aggregate = AggregateStrategy()
        self.partitioned = 0  # summaries computed in partitions (for the benchmark and tests)
        if hasattr(db, "on_close"):
            db.on_close(lambda: self._pool.shutdown(wait=False))

    def summary(self, session, user: User) -> Summary:
        with self._lock:
            size = self._sizes.get(user.id)
        if self.threshold is None or (self.threshold > 0 and (size is None or size < self.threshold)):
            result = self._aggregate.summary(session, user)
        else:
            result = self.summary_in_partitions(session, user)
        with self._lock:
            self._sizes[user.id] = result.total_open_prs
        return result

    def summary_in_partitions(self, session, user: User) -> Summary:
        jobs = [(REPOS_SQL, (user.id,))] + [
            (sql, (user.id,) + params) for sql, params in (range_sql(lo, hi) for lo, hi in self.ranges)]
        futures: list[Future] = [self._pool.submit(self._on_spare, sql, params) for sql, params in jobs[1:]]
        results = [session.all(*jobs[0])]
        for future, (sql, params) in zip(futures, jobs[1:]):
            rows = future.result()
            results.append(rows if rows is not None else session.all(sql, params))
        with self._lock:
            self.partitioned += 1
        return _fold(results[0], [row for part in results[1:] for row in part])

    def _on_spare(self, sql: str, params: tuple) -> list[tuple] | None:
        """The rows from a connection of its own; None when none was free at once."""
        try:
            with self.db.session(wait=0.001) as spare:
                return spare.all(sql, params)
        except DatabaseUnavailable:
            return None

    def invalidate(self, user: User) -> bool:
        return False


def _fold(repo_rows: list[tuple], status_rows: list[tuple]) -> Summary:
    statuses: Counter[str] = Counter()
    providers: Counter[str] = Counter()
    visibility: Counter[str] = Counter()
    for status, count in status_rows:
        statuses[status] += count
    for provider, vis, archived, count in repo_rows:
        providers[provider] += count
        visibility["archived" if archived else vis] += count
    return Summary.from_counts(sum(providers.values()), sum(statuses.values()), statuses, providers, visibility)
