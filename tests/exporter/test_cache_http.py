"""The cached strategy over HTTP: stale at most the TTL, fresh right after invalidation."""
from __future__ import annotations

import time

from tests.support.pull_requests import close_one_open_pr


def open_prs(exporter, token: str) -> int:
    response = exporter.get("/api/dashboard/summary", token)
    assert response.status_code == 200
    return response.json()["total_open_prs"]


def test_invalidation_makes_the_next_answer_fresh(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--strategy", "cached", "--cache-ttl", "600")
    first = open_prs(exporter, "token-small")
    close_one_open_pr(db_copy, "small")
    assert open_prs(exporter, "token-small") == first  # cached
    response = exporter.post("/api/dashboard/invalidate", "token-small")
    assert response.status_code == 200 and response.json()["invalidated"] is True
    assert open_prs(exporter, "token-small") == first - 1
    invalidated = [r for r in exporter.records() if r["message"] == "Dashboard summary invalidated"]
    assert len(invalidated) == 1 and invalidated[0]["dropped"] is True


def test_a_cached_answer_is_never_older_than_the_ttl(start_exporter, db_copy):
    ttl = 1.0
    exporter = start_exporter(db_copy, "--strategy", "cached", "--cache-ttl", str(ttl))
    first = open_prs(exporter, "token-medium")
    changed_at = time.monotonic()
    close_one_open_pr(db_copy, "medium")
    while True:
        sent = time.monotonic()  # time the request left, so a slow answer is not blamed on the cache
        answer = open_prs(exporter, "token-medium")
        if answer != first:
            break
        assert sent - changed_at <= ttl, "served a summary older than the TTL"
        time.sleep(0.05)
    assert answer == first - 1
