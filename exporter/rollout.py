"""The A/B rollout: each user is served by one strategy, chosen by a stable hash of the user id.

`--strategy-split aggregate=90,naive=10` sends 90 % of the users to `aggregate` and 10 % to
`naive`; a user keeps their strategy across requests, restarts and replicas (the hash is SHA-256 of
the user's UUID, not Python's salted hash), and moving from 10 % to 50 % only moves users towards
the growing strategy. Weights are whole percentages adding up to 100.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from exporter.strategies import STRATEGIES
from exporter.summary import User

BUCKETS = 10_000  # resolution of the split: 0.01 %


class SplitError(ValueError):
    """A `--strategy-split` that cannot be used; the message names the item at fault."""


@dataclass(frozen=True)
class Split:
    weights: tuple[tuple[str, int], ...]  # (strategy, percent), in the order given

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, weight in self.weights if weight > 0)

    def __str__(self) -> str:
        return ",".join(f"{name}={weight}" for name, weight in self.weights)


def strategy_problem(name: str, known: tuple[str, ...]) -> str | None:
    """What is wrong with `name` as a strategy of a split, if anything."""
    return None if name in known else f"unknown strategy {name!r}; expected one of {', '.join(known)}"


WEIGHT_PROBLEM = "the percentage must be a whole number from 0 to 100"


def weight_ok(weight: object) -> bool:
    return isinstance(weight, int) and not isinstance(weight, bool) and 0 <= weight <= 100


def total_problem(weights) -> str | None:
    """What is wrong with the (strategy, percent) pairs' total, if anything."""
    total = sum(weight for _, weight in weights)
    return None if total == 100 else f"the percentages add up to {total}, not 100"


def parse_split(text: str, known: tuple[str, ...] = STRATEGIES) -> Split:
    """`--strategy-split`'s text, e.g. aggregate=90,naive=10; the first problem is raised, naming its item.
    The configuration file's mapping form is checked by the same rules (`exporter.config`)."""
    items = text.split(",")
    weights: list[tuple[str, int]] = []
    for position, item in enumerate(items, 1):
        where = f"item {position} {item.strip()!r}"
        name, sep, number = item.strip().partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name or not number:
            raise SplitError(f"{text!r}: {where}: expected STRATEGY=PERCENT, e.g. aggregate=90,naive=10")
        unknown = strategy_problem(name, known)
        if unknown:
            raise SplitError(f"{text!r}: {where}: {unknown}")
        if any(name == seen for seen, _ in weights):
            raise SplitError(f"{text!r}: {where}: {name} is given twice")
        weight = int(number) if number.isdigit() else number
        if not weight_ok(weight):
            raise SplitError(f"{text!r}: {where}: {WEIGHT_PROBLEM}")
        weights.append((name, weight))
    wrong_total = total_problem(weights)
    if wrong_total:
        raise SplitError(f"{text!r}: {wrong_total}")
    return Split(tuple(weights))


def bucket_of(user_uuid: str) -> int:
    digest = hashlib.sha256(user_uuid.encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


class Rollout:
    """The strategies a service serves and which one serves a user. One strategy: everyone's."""

    def __init__(self, split: Split, strategies: dict[str, object]):
        self.split = split
        self.strategies = strategies
        self._bounds: list[tuple[int, object]] = []
        upper = 0
        for name, weight in split.weights:
            if weight:
                upper += weight * BUCKETS // 100
                self._bounds.append((upper, strategies[name]))

    @classmethod
    def single(cls, strategy) -> "Rollout":
        return cls(Split(((strategy.name, 100),)), {strategy.name: strategy})

    def choose(self, user: User):
        if len(self._bounds) == 1:  # one strategy serves everyone: no hash to compute
            return self._bounds[0][1]
        bucket = bucket_of(user.uuid)
        for upper, strategy in self._bounds:
            if bucket < upper:
                return strategy
        return self._bounds[-1][1]

    def invalidate(self, user: User) -> bool:
        """Every strategy drops what it holds for the user (only a cache holds anything)."""
        dropped = False
        for strategy in self.strategies.values():
            dropped = strategy.invalidate(user) or dropped
        return dropped

    @property
    def caches(self) -> list:
        return [s for s in self.strategies.values() if hasattr(s, "cache_status")]

    def cache_counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for cache in self.caches:
            for result, count in cache.counts.items():
                totals[result] = totals.get(result, 0) + count
        return totals

    def cache_status(self) -> dict | None:
        caches = self.caches
        return caches[0].cache_status() if caches else None

    def close(self) -> None:
        for cache in self.caches:
            cache.close()
