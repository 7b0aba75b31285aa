"""Summary strategies, all returning the same `Summary`: `aggregate` (default), `naive`, `cached`."""
from __future__ import annotations

from exporter.strategies.aggregate import AggregateStrategy
from exporter.strategies.cached import CachedStrategy
from exporter.strategies.naive import NaiveStrategy

STRATEGIES = ("aggregate", "naive", "cached")
DEFAULT_STRATEGY = "aggregate"


def make_strategy(name: str, cache_ttl: float = 5.0, cache=None):
    """`cache`: the backend of the cached strategy (default: this process's memory)."""
    if name == "aggregate":
        return AggregateStrategy()
    if name == "naive":
        return NaiveStrategy()
    if name == "cached":
        return CachedStrategy(AggregateStrategy(), ttl=cache_ttl, backend=cache)
    raise ValueError(f"unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
