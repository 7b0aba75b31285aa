"""Changing the reference exporter's data behind its back, as a PR event would."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def close_one_open_pr(db_path: Path, user_name: str) -> None:
    """Close the oldest open pull request of the user named `user_name`."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE pull_requests SET state = 'closed' WHERE id = (SELECT MIN(id) FROM pull_requests "
                     "WHERE state = 'open' AND user_id = (SELECT id FROM users WHERE name = ?))", (user_name,))
