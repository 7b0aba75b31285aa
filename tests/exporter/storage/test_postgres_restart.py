"""PostgreSQL restarted under a running exporter: the requests it cannot answer are 503s counted as
error_type="database", /readyz says so, and the service answers again once the server is back,
without a restart of its own."""
from __future__ import annotations

import pytest
import requests

from exporter import datasets, storage
from exporter.config import default_config
from tests.exporter.storage.conftest import errors_by_type, new_database
from tests.support.processes import wait_until

AUTH = {"Authorization": "Bearer token-small"}


@pytest.mark.parametrize("strategy", ["aggregate", "materialized"])
def test_a_restart_is_counted_as_database_errors_then_recovers(postgres, catalog, serve_pg, strategy):
    url = new_database(postgres)
    storage.seed(storage.parse(url), datasets.select(default_config(), ["small"]))
    exporter = serve_pg(url, "--strategy", strategy, "--busy-timeout", "0.5")
    base = exporter.url
    expected = requests.get(base + "/api/dashboard/summary", headers=AUTH, timeout=10)
    assert expected.status_code == 200 and expected.json()["total_open_prs"] == 50
    assert errors_by_type(base).get("database", 0) == 0

    postgres.stop_server()
    try:
        down = [requests.get(base + "/api/dashboard/summary", headers=AUTH, timeout=10) for _ in range(3)]
        assert [r.status_code for r in down] == [503, 503, 503]
        assert all(r.json()["error_type"] == "database" for r in down)
        assert "Traceback" not in "".join(r.text for r in down)
        ready = requests.get(base + "/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["error_type"] == "database"
        counted = errors_by_type(base)
        assert counted["database"] == 3
        assert sum(v for k, v in counted.items() if k != "database") == 0
    finally:
        postgres.start_server()

    back = wait_until(lambda: (r := requests.get(base + "/api/dashboard/summary", headers=AUTH, timeout=10))
                      .status_code == 200 and r, 20, interval=0.2, what="the exporter to answer again")
    assert back.json() == expected.json()
    after = [requests.get(base + "/api/dashboard/summary", headers=AUTH, timeout=10).status_code for _ in range(5)]
    assert after == [200] * 5
    assert requests.get(base + "/readyz", timeout=10).status_code == 200
    # the pool's complaints about the lost server are JSON log lines too, never plain text on stderr
    lines = exporter.proc.log_text().splitlines()[1:]  # after the command line the test runner writes
    assert lines and all(line.startswith("{") for line in lines), [l for l in lines if not l.startswith("{")][:3]
    failed = [r for r in exporter.records() if r["message"] == "Dashboard summary failed"]
    assert len(failed) >= 3 and {r["error_type"] for r in failed} == {"database"}  # + any while it came back
    assert errors_by_type(base)["database"] == len(failed)
