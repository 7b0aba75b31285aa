"""Strategies that need the database object itself, not only a request's session: `partitioned`
(P4, on SQLite and PostgreSQL: it opens sessions of its own) and `materialized` (P3, PostgreSQL:
it refreshes the view in the background; imported only when asked for, as it needs psycopg).
The SQL-only strategies are in `exporter.strategies`.
"""
from __future__ import annotations

from dataclasses import dataclass

from exporter.storage.partitioned import PartitionedStrategy

STORAGE_STRATEGIES = ("partitioned", "materialized")
POSTGRESQL_ONLY = ("materialized",)
DEFAULT_REFRESH_INTERVAL = 60.0


@dataclass(frozen=True)
class StorageOptions:
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL  # materialized: seconds between scheduled refreshes
    workers: int | None = None                          # partitioned: parallel partitions (default: cores)
    threshold: int | None = None                        # partitioned: open PRs from which it partitions


def make_storage_strategy(name: str, db, options: StorageOptions = StorageOptions(), log=None):
    if name == "partitioned":
        return PartitionedStrategy(db, workers=options.workers, threshold=options.threshold)
    if name == "materialized":
        from exporter.storage.materialized import MaterializedViewStrategy  # needs psycopg
        return MaterializedViewStrategy(db, refresh_interval=options.refresh_interval, log=log)
    raise ValueError(f"unknown strategy {name!r}; expected one of {', '.join(STORAGE_STRATEGIES)}")
