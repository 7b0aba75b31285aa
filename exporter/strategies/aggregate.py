"""The performance plan's P1: the whole summary in one SQL statement, read from two covering indexes.

Both halves group in index order (no sort): open pull requests by status, repositories by
provider, visibility and archival. At most a few dozen rows come back, folded here.
"""
from __future__ import annotations

from collections import Counter

from exporter.database import Session
from exporter.summary import Summary, User

QUERY = (
    "SELECT 'pr', status, NULL, NULL, COUNT(*) FROM pull_requests "
    "WHERE user_id = ?1 AND state = 'open' GROUP BY status "
    "UNION ALL "
    "SELECT 'repo', provider, visibility, archived, COUNT(*) FROM repositories "
    "WHERE user_id = ?1 GROUP BY provider, visibility, archived"
)


class AggregateStrategy:
    name = "aggregate"

    def summary(self, session: Session, user: User) -> Summary:
        statuses: Counter[str] = Counter()
        providers: Counter[str] = Counter()
        visibility: Counter[str] = Counter()
        for part, key, vis, archived, count in session.all(QUERY, (user.id,)):
            if part == "pr":
                statuses[key] += count
            else:
                providers[key] += count
                visibility["archived" if archived else vis] += count
        return Summary.from_counts(sum(providers.values()), sum(statuses.values()),
                                   statuses, providers, visibility)

    def invalidate(self, user: User) -> bool:
        """Nothing is cached: nothing to drop."""
        return False
