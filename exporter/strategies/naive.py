"""The performance plan's N+1 pattern, kept as the A/B baseline.

One query for the user's repositories, one per repository for its open pull requests, then two per
pull request (the pull request, then its repository to check ownership), as an ORM with lazy
relations does it: 1 + 100 + 2 x 1,000 = 2,101 queries for the large tier.
"""
from __future__ import annotations

from collections import Counter

from exporter.database import Session
from exporter.summary import Summary, User


class NaiveStrategy:
    name = "naive"

    def summary(self, session: Session, user: User) -> Summary:
        repos = session.all(
            "SELECT id, provider, visibility, archived FROM repositories WHERE user_id = ?", (user.id,))
        providers: Counter[str] = Counter()
        visibility: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        open_prs = 0
        for repo_id, provider, vis, archived in repos:
            providers[provider] += 1
            visibility["archived" if archived else vis] += 1
            pr_ids = session.all(
                "SELECT id FROM pull_requests WHERE repository_id = ? AND state = 'open'", (repo_id,))
            for (pr_id,) in pr_ids:
                pr = session.one("SELECT id, repository_id, number, title, state, status "
                                 "FROM pull_requests WHERE id = ?", (pr_id,))
                owner = session.one("SELECT id, user_id, name, provider, visibility, archived "
                                    "FROM repositories WHERE id = ?", (pr[1],))
                if owner[1] != user.id:
                    continue
                open_prs += 1
                statuses[pr[5]] += 1
        return Summary.from_counts(len(repos), open_prs, statuses, providers, visibility)

    def invalidate(self, user: User) -> bool:
        """Nothing is cached: nothing to drop."""
        return False
