"""Deterministic bulk seeding: each dataset becomes one user with its repositories and pull requests.

Pull requests are spread evenly over the repositories. In each repository the newest
`OPEN_PER_REPO` (10) are open and the older ones closed: the performance plan's N+1 count (100 repositories x
10 open PRs x 2 queries + 100 + 1 = 2,101) for the large tier, and a realistic history for `xl`,
where 1,000,000 PRs hold 100,000 open ones.
Providers, visibility, archival and statuses are drawn from a random generator seeded with the
dataset's name: the same command always writes the same rows.
"""
from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from exporter import schema
from exporter.auth import hash_token
from exporter.datasets import Dataset
from exporter.summary import PROVIDERS, STATUSES, VISIBILITIES

PROVIDER_WEIGHTS = (60, 25, 15)
VISIBILITY_WEIGHTS = (60, 40)
ARCHIVED_SHARE = 0.05
STATUS_WEIGHTS = (50, 30, 20)
OPEN_PER_REPO = 10
_UUID_NAMESPACE = uuid.UUID("6f1c2b7e-0d8a-4c55-9a53-3f0e2d7c9b11")


@dataclass(frozen=True)
class Seeded:
    dataset: Dataset
    user_uuid: str
    open_prs: int


def user_uuid(name: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, name))


def seed(path: str | Path, datasets: list[Dataset]) -> list[Seeded]:
    """Write the datasets into the SQLite database at `path` (created and migrated if needed),
    replacing earlier copies."""
    from exporter.storage import sqlite as sqlite_storage  # the migrations; no import cycle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        sqlite_storage.migrate_connection(conn)
        conn.execute("BEGIN IMMEDIATE")
        schema.drop_indexes(conn)  # rebuilt once after the bulk load: faster than row by row
        seeded = [_seed_one(conn, dataset) for dataset in datasets]
        schema.create_indexes(conn)
        conn.execute("ANALYZE")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return seeded


def _next_id(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]


@dataclass(frozen=True)
class Draw:
    """A dataset's rows before they have ids: the same for every backend."""
    dataset: Dataset
    user_uuid: str
    token_sha256: str
    providers: list[str]
    visibilities: list[str]
    archived: list[int]
    statuses: list[str]

    def repositories(self, user_id: int, first_id: int) -> Iterator[tuple]:
        """(id, user_id, name, provider, visibility, archived) per repository."""
        name = self.dataset.name
        for i in range(self.dataset.repos):
            yield (first_id + i, user_id, f"{name}-repo-{i:05d}", self.providers[i], self.visibilities[i],
                   self.archived[i])

    def pull_requests(self, user_id: int, first_repo_id: int) -> Iterator[tuple]:
        """(repository_id, user_id, number, title, state, status) per pull request."""
        repo_ids = range(first_repo_id, first_repo_id + self.dataset.repos)
        return _pull_requests(repo_ids, user_id, self.dataset.prs, self.statuses)

    @property
    def open_prs(self) -> int:
        return sum(min(n, OPEN_PER_REPO) for n in _per_repo(self.dataset.repos, self.dataset.prs))

    def seeded(self) -> Seeded:
        return Seeded(self.dataset, self.user_uuid, self.open_prs)


def draw(dataset: Dataset) -> Draw:
    """The dataset's random choices, from a generator seeded with its name."""
    rng = random.Random(f"obsgen-seed:{dataset.name}")
    providers = rng.choices(PROVIDERS, PROVIDER_WEIGHTS, k=dataset.repos)
    visibilities = rng.choices(VISIBILITIES, VISIBILITY_WEIGHTS, k=dataset.repos)
    archived = [int(rng.random() < ARCHIVED_SHARE) for _ in range(dataset.repos)]
    statuses = rng.choices(STATUSES, STATUS_WEIGHTS, k=dataset.prs)
    return Draw(dataset, user_uuid(dataset.name), hash_token(dataset.token), providers, visibilities,
                archived, statuses)


def _seed_one(conn: sqlite3.Connection, dataset: Dataset) -> Seeded:
    old = conn.execute("SELECT id FROM users WHERE name = ?", (dataset.name,)).fetchone()
    if old is not None:
        conn.execute("DELETE FROM pull_requests WHERE user_id = ?", old)
        conn.execute("DELETE FROM repositories WHERE user_id = ?", old)
        conn.execute("DELETE FROM users WHERE id = ?", old)
    rows = draw(dataset)
    user_id = conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES (?, ?, ?)",
                           (rows.user_uuid, dataset.name, rows.token_sha256)).lastrowid
    first_repo = _next_id(conn, "repositories")
    conn.executemany(
        "INSERT INTO repositories (id, user_id, name, provider, visibility, archived) VALUES (?, ?, ?, ?, ?, ?)",
        rows.repositories(user_id, first_repo))
    conn.executemany(
        "INSERT INTO pull_requests (repository_id, user_id, number, title, state, status) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows.pull_requests(user_id, first_repo))
    return rows.seeded()


def _per_repo(repos: int, prs: int) -> list[int]:
    base, extra = divmod(prs, repos) if repos else (0, 0)
    return [base + (1 if i < extra else 0) for i in range(repos)]


def _pull_requests(repo_ids: range, user_id: int, prs: int, statuses: list[str]) -> Iterator[tuple]:
    k = 0
    for repo_id, count in zip(repo_ids, _per_repo(len(repo_ids), prs)):
        for number in range(1, count + 1):
            state = "open" if number > count - OPEN_PER_REPO else "closed"
            yield repo_id, user_id, number, f"Change {number}", state, statuses[k]
            k += 1
