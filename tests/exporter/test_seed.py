"""`obsgen-exporter seed`: dataset sizes from the exporter configuration, one user per dataset, deterministic,
re-runnable."""
from __future__ import annotations

import sqlite3

from exporter import datasets
from exporter.auth import hash_token
from exporter.seeding import OPEN_PER_REPO
from exporter.config import default_config
from tests.exporter.conftest import SIZES, TIERS
from tests.support.inprocess import run_exporter


def dump(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        rows = []
        for table in ("users", "repositories", "pull_requests"):
            rows += [(table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
        return rows


def test_datasets_are_seeded_with_the_configured_sizes(seeded_db):
    with sqlite3.connect(seeded_db) as conn:
        for name in TIERS:
            (user_id, token_hash), = conn.execute(
                "SELECT id, token_sha256 FROM users WHERE name = ?", (name,)).fetchall()
            assert token_hash == hash_token(f"token-{name}")
            repos = conn.execute("SELECT COUNT(*) FROM repositories WHERE user_id = ?", (user_id,)).fetchone()[0]
            prs, open_prs = conn.execute(
                "SELECT COUNT(*), SUM(pr.state = 'open') FROM pull_requests pr "
                "JOIN repositories r ON r.id = pr.repository_id WHERE r.user_id = ?", (user_id,)).fetchone()
            want_repos, want_prs = SIZES[name]
            assert (repos, prs) == (want_repos, want_prs)
            assert open_prs == want_repos * min(OPEN_PER_REPO, want_prs // want_repos)
        assert [n for (n,) in conn.execute("SELECT name FROM users ORDER BY id")] == list(TIERS)


def test_xl_is_configured_but_not_seeded_by_default():
    known = datasets.available(default_config())
    assert (known["xl"].repos, known["xl"].prs) == (10_000, 1_000_000)
    assert datasets.default_names(default_config()) == list(TIERS)


def test_seeding_is_deterministic_and_reseeding_replaces(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    for db in (first, second):
        result = run_exporter("seed", "--db", str(db), "--dataset", "small", "--dataset", "medium")
        assert result.returncode == 0, result.stderr
        assert "token-small" in result.stdout and "token-medium" in result.stdout
    assert dump(first) == dump(second)
    again = run_exporter("seed", "--db", str(first), "--dataset", "small")
    assert again.returncode == 0, again.stderr
    counts = sqlite3.connect(first).execute(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM repositories), "
        "(SELECT COUNT(*) FROM pull_requests)").fetchone()
    assert counts == (2, 10 + 50, 50 + 1000)


def test_unknown_dataset_is_a_usage_error_naming_the_known_ones(tmp_path):
    result = run_exporter("seed", "--db", str(tmp_path / "x.db"), "--dataset", "huge")
    assert result.returncode == 2
    assert "huge" in result.stderr and "very_large" in result.stderr and "xl" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_pull_request_owner_must_match_its_repository(seeded_db, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(seeded_db.read_bytes())
    with sqlite3.connect(db) as conn:
        repo_id, owner = conn.execute("SELECT id, user_id FROM repositories LIMIT 1").fetchone()
        try:
            conn.execute("INSERT INTO pull_requests (repository_id, user_id, number, title, state, status) "
                         "VALUES (?, ?, 999, 't', 'open', 'green')", (repo_id, owner + 1))
        except sqlite3.IntegrityError as exc:
            assert "owner" in str(exc)
        else:
            raise AssertionError("a pull request with another owner than its repository was accepted")
