"""The PostgreSQL connection pool under 10 concurrent clients: everyone is answered, correctly, and
the server never sees more connections than the pool allows; a pool that stays full past the busy
timeout is a database error, not a hang."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from exporter import datasets
from exporter.auth import find_user
from exporter.database import DatabaseUnavailable
from exporter.strategies import make_strategy

CLIENTS = 10


def _exporter_connections(admin_url: str, dbname: str) -> int:
    with psycopg.connect(admin_url) as conn:
        return conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s "
                            "AND application_name = 'obsgen-exporter'", (dbname,)).fetchone()[0]


def test_ten_clients_share_a_pool_of_four_over_http(postgres, pg_seeded, serve_pg):
    base = serve_pg(pg_seeded, "--pool-size", "4").url
    dbname = pg_seeded.rsplit("/", 1)[1]
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _exporter_connections(postgres.url, dbname))
            time.sleep(0.02)

    def client(i: int) -> list[tuple[int, dict]]:
        with requests.Session() as s:
            token = datasets.token_for(("small", "medium", "large", "very_large")[i % 4])
            return [(r.status_code, r.json()) for r in
                    (s.get(base + "/api/dashboard/summary", headers={"Authorization": f"Bearer {token}"}, timeout=30)
                     for _ in range(20))]

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(client, range(CLIENTS)))
    finally:
        stop.set()
        watcher.join()
    flat = [a for per_client in answers for a in per_client]
    assert len(flat) == 200 and {code for code, _ in flat} == {200}
    expected_open = {"small": 50, "medium": 500, "large": 1000, "very_large": 2000}
    for i, per_client in enumerate(answers):
        name = ("small", "medium", "large", "very_large")[i % 4]
        assert {body["total_open_prs"] for _, body in per_client} == {expected_open[name]}
    assert 1 <= peak <= 4


def test_ten_threads_never_hold_more_than_the_pool(pg_seeded, open_db):
    db = open_db(pg_seeded, pool_size=3, busy_timeout=10)
    strategy = make_strategy("aggregate")
    lock = threading.Lock()
    held, most = 0, 0

    def one(_: int) -> int:
        nonlocal held, most
        with db.session() as session:
            with lock:
                held += 1
                most = max(most, held)
            user = find_user(session, datasets.token_for("large"))
            result = strategy.summary(session, user)
            time.sleep(0.01)  # hold the connection so that the others have to wait for it
            with lock:
                held -= 1
        return result.total_open_prs

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, range(100)))
    assert results == [1000] * 100
    assert most == 3  # all three used, never a fourth
    assert db.pool.get_stats()["pool_max"] == 3


def test_a_pool_full_past_the_busy_timeout_is_unavailable(pg_seeded, open_db):
    db = open_db(pg_seeded, pool_size=1, busy_timeout=0.2)
    with db.session():
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="no database connection within 0.2s"):
            with db.session():
                pass
        assert time.monotonic() - started < 2
