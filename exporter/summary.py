"""The summary a user's dashboard shows, and the consistency check every strategy applies.

Repositories are partitioned twice (by provider; by public / private / archived) and open pull
requests once (by status). A partition that does not add up (a status or provider the service does
not know) is a calculation error, not a silently wrong dashboard.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

STATUSES = ("green", "yellow", "red")
PROVIDERS = ("github", "gitlab", "bitbucket")
VISIBILITIES = ("public", "private")  # an archived repository counts as archived, whatever its visibility


class CalculationError(Exception):
    """The counts are inconsistent: the summary cannot be trusted."""


@dataclass(frozen=True)
class Summary:
    total_repos: int
    total_open_prs: int
    green_count: int
    yellow_count: int
    red_count: int
    github_count: int
    gitlab_count: int
    bitbucket_count: int
    public_repos: int
    private_repos: int
    archived_repos: int

    @classmethod
    def from_counts(cls, total_repos: int, total_open_prs: int, statuses: Mapping[str, int],
                    providers: Mapping[str, int], visibility: Mapping[str, int]) -> "Summary":
        """Build from tallies that may hold unknown keys; `checked()` then reports them."""
        fields = {f"{s}_count": statuses.get(s, 0) for s in STATUSES}
        fields.update({f"{p}_count": providers.get(p, 0) for p in PROVIDERS})
        fields.update({f"{v}_repos": visibility.get(v, 0) for v in VISIBILITIES + ("archived",)})
        return cls(total_repos=total_repos, total_open_prs=total_open_prs, **fields).checked()

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}

    def checked(self) -> "Summary":
        """Self, once every partition adds up; else `CalculationError` naming the one that does not."""
        parts = {
            "open pull requests by status": (self.total_open_prs, (self.green_count, self.yellow_count, self.red_count)),
            "repositories by provider": (self.total_repos, (self.github_count, self.gitlab_count, self.bitbucket_count)),
            "repositories by visibility": (self.total_repos, (self.public_repos, self.private_repos, self.archived_repos)),
        }
        for what, (total, counts) in parts.items():
            if sum(counts) != total:
                raise CalculationError(f"{what} add up to {sum(counts)}, not {total}: unknown values in the data")
        return self


FIELDS = tuple(f.name for f in fields(Summary))


@dataclass(frozen=True)
class User:
    id: int
    uuid: str
    name: str
