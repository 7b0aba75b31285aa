"""The Redis cache with real redis-server processes (free ports, temp dirs, always stopped): two
exporter replicas sharing one Redis see one invalidation; Redis killed mid-run costs no 5xx, every
lookup during the outage is counted as an error and /readyz says so; the cache comes back with Redis."""
from __future__ import annotations

import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import wait_until
from tests.support.pull_requests import close_one_open_pr
from tests.support.redis_server import RedisServer

SUMMARY = "/api/dashboard/summary"


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server


def lookups(exporter) -> dict[str, float]:
    return {s.labels["result"]: s.value for family in text_string_to_metric_families(exporter.metrics_text())
            for s in family.samples if s.name == "ampel_dashboard_cache_requests_total"}


def open_prs(exporter, token: str) -> int:
    response = exporter.get(SUMMARY, token)
    assert response.status_code == 200, response.text
    return response.json()["total_open_prs"]


def test_an_invalidation_on_one_replica_reaches_the_other(start_exporter, db_copy, redis_server):
    args = ("--strategy", "cached", "--cache", redis_server.url, "--cache-ttl", "600")
    first, second = start_exporter(db_copy, *args), start_exporter(db_copy, *args)
    before = open_prs(first, "token-small")  # computed by the first replica, stored in Redis
    assert open_prs(second, "token-small") == before
    assert lookups(first) == {"hit": 0, "miss": 1, "error": 0}
    assert lookups(second) == {"hit": 1, "miss": 0, "error": 0}  # the other replica's entry
    close_one_open_pr(db_copy, "small")
    assert open_prs(second, "token-small") == before  # still cached, on both
    response = first.post("/api/dashboard/invalidate", "token-small")
    assert response.status_code == 200 and response.json()["invalidated"] is True
    assert open_prs(second, "token-small") == before - 1  # the second replica recomputes
    assert open_prs(first, "token-small") == before - 1
    assert lookups(second) == {"hit": 2, "miss": 1, "error": 0}
    assert lookups(first) == {"hit": 1, "miss": 1, "error": 0}  # the second replica's fresh entry
    # a second invalidation finds nothing... until the next summary is cached again
    assert second.post("/api/dashboard/invalidate", "token-small").json()["invalidated"] is True
    assert second.post("/api/dashboard/invalidate", "token-small").json()["invalidated"] is False


def test_the_in_process_cache_is_per_replica(start_exporter, db_copy):
    """Why Redis: with memory:// an invalidation reaches only the replica it was sent to."""
    args = ("--strategy", "cached", "--cache", "memory://", "--cache-ttl", "600")
    first, second = start_exporter(db_copy, *args), start_exporter(db_copy, *args)
    before = open_prs(first, "token-small")
    assert open_prs(second, "token-small") == before
    close_one_open_pr(db_copy, "small")
    assert first.post("/api/dashboard/invalidate", "token-small").status_code == 200
    assert open_prs(first, "token-small") == before - 1
    assert open_prs(second, "token-small") == before  # stale until its TTL


def test_redis_killed_mid_run_costs_no_5xx_and_is_counted(start_exporter, db_copy, redis_server):
    exporter = start_exporter(db_copy, "--strategy", "cached", "--cache", redis_server.url, "--cache-ttl", "600")
    ready = exporter.get("/readyz").json()
    assert ready == {"status": "ready", "cache": {"backend": "redis", "status": "ok"}}
    statuses: dict[int, int] = {}
    answers: set[int] = set()
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            response = exporter.get(SUMMARY, "token-medium")
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 200:
                answers.add(response.json()["total_open_prs"])

    clients = [threading.Thread(target=traffic) for _ in range(3)]
    for client in clients:
        client.start()
    try:
        wait_until(lambda: lookups(exporter)["hit"] >= 20, 20, what="cache hits before the outage")
        redis_server.kill()
        killed = lookups(exporter)
        wait_until(lambda: lookups(exporter)["error"] >= killed["error"] + 20, 20, what="lookups during the outage")
        degraded = exporter.get("/readyz")
        assert degraded.status_code == 200  # still serving, from the database
        body = degraded.json()
        assert body["status"] == "degraded" and body["cache"]["status"] == "unavailable"
        assert body["cache"]["backend"] == "redis" and "Connection refused" in body["cache"]["error"]
        during = lookups(exporter)
        redis_server.start()  # back on the same port, empty
        wait_until(lambda: exporter.get("/readyz").json()["status"] == "ready", 10, what="/readyz ready again")
        wait_until(lambda: lookups(exporter)["hit"] >= during["hit"] + 20, 20, what="hits after Redis is back")
    finally:
        stop.set()
        for client in clients:
            client.join(10)
    assert set(statuses) == {200}, statuses
    assert len(answers) == 1  # the same summary throughout, cached or not
    after = lookups(exporter)
    assert after["error"] >= 20 and after["miss"] >= 2  # filled once before, once after the outage
    outage = [r for r in exporter.records() if r.get("message") == "Dashboard summary failed"]
    assert outage == []


def test_an_invalidation_while_redis_is_down_is_a_503_the_caller_can_retry(start_exporter, db_copy, redis_server):
    exporter = start_exporter(db_copy, "--strategy", "cached", "--cache", redis_server.url)
    assert open_prs(exporter, "token-small") > 0
    redis_server.kill()
    response = exporter.post("/api/dashboard/invalidate", "token-small")
    assert response.status_code == 503
    assert response.json() == {"error": "cache unavailable", "error_type": "cache"}
    assert open_prs(exporter, "token-small") > 0  # summaries still served


def test_a_replica_started_while_redis_is_down_serves_and_says_so(start_exporter, db_copy, tmp_path):
    down = RedisServer(tmp_path / "never-started")  # a free port nothing listens on
    exporter = start_exporter(db_copy, "--strategy", "cached", "--cache", down.url, ready=False)
    response = exporter.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert open_prs(exporter, "token-small") == 50  # the small tier: all 50 pull requests open
    assert lookups(exporter)["error"] >= 1 and lookups(exporter)["hit"] == 0
