"""Database faults, injected faults, and the error counter's error types."""
from __future__ import annotations

import sqlite3
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import wait_until


def samples(exporter) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(exporter.metrics_text()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def errors(exporter, error_type: str) -> float:
    return samples(exporter)[("ampel_dashboard_errors_total", (("error_type", error_type),))]


def test_locked_database_gets_503_database(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--busy-timeout", "0.2")
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200
    locker = sqlite3.connect(db_copy, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        response = exporter.get("/api/dashboard/summary", "token-small")
        assert response.status_code == 503
        assert response.json() == {"error": "database unavailable", "error_type": "database"}
        assert exporter.get("/readyz").status_code == 503
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200
    assert errors(exporter, "database") == 1
    failed = [r for r in exporter.records() if r["message"] == "Dashboard summary failed"]
    assert failed[-1]["error_type"] == "database" and "locked" in failed[-1]["error"]


def test_missing_database_gets_503_and_is_not_recreated(start_exporter, db_copy):
    exporter = start_exporter(db_copy)
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200  # pools a connection
    db_copy.unlink()
    response = exporter.get("/api/dashboard/summary", "token-small")
    assert response.status_code == 503 and response.json()["error_type"] == "database"
    ready = exporter.get("/readyz")
    assert ready.status_code == 503 and "missing" in ready.json()["error"]
    assert not db_copy.exists()
    assert errors(exporter, "database") == 1


def test_database_that_cannot_be_created_leaves_the_service_up_but_not_ready(start_exporter, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database's directory should be")
    exporter = start_exporter(blocker / "ampel.db", ready=False)
    assert exporter.get("/healthz").status_code == 200
    assert exporter.get("/readyz").status_code == 503
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 503
    assert any(r["message"] == "Database unavailable at start" for r in exporter.records())


def test_fresh_path_is_created_empty_and_ready(start_exporter, tmp_path):
    exporter = start_exporter(tmp_path / "new" / "ampel.db")
    assert exporter.get("/readyz").status_code == 200
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 401  # no users yet


def test_injected_latency_shows_in_the_duration_histogram(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--enable-fault-injection")
    set_faults = exporter.post("/-/faults", json={"latency_seconds": 0.35, "error_rate": 0})
    assert set_faults.json() == {"latency_seconds": 0.35, "error_rate": 0.0}
    started = time.monotonic()
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200
    assert time.monotonic() - started >= 0.35
    s = samples(exporter)
    # the default strategy serves every user, and labels the observation
    bucket = lambda le: s[("ampel_dashboard_summary_duration_seconds_bucket", (("le", le), ("strategy", "aggregate")))]  # noqa: E731
    # Lower bounds only: the injected 0.35 s lands above the 0.3 bucket, however slow the machine.
    assert bucket("0.3") == 0 and bucket("+Inf") == 1
    assert s[("ampel_dashboard_summary_duration_seconds_sum", (("strategy", "aggregate"),))] >= 0.35
    exporter.post("/-/faults", json={"latency_seconds": 0, "error_rate": 0})
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200
    s = samples(exporter)
    assert bucket("+Inf") == 2
    assert s[("ampel_dashboard_summary_duration_seconds_sum", (("strategy", "aggregate"),))] < 0.35 + 0.3, "cleared faults still add latency"


def test_injected_error_rate_fails_that_share_as_other(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--enable-fault-injection")
    assert exporter.post("/-/faults", json={"latency_seconds": 0, "error_rate": 0.5}).status_code == 200
    codes = [exporter.get("/api/dashboard/summary", "token-small").status_code for _ in range(10)]
    assert codes == [200, 500] * 5
    assert errors(exporter, "other") == 5
    assert exporter.get("/api/dashboard/summary", "token-small").status_code == 200
    failed = exporter.get("/api/dashboard/summary", "token-small")
    assert failed.json() == {"error": "internal error", "error_type": "other"}
    exporter.post("/-/faults", json={"latency_seconds": 0, "error_rate": 0})
    assert {exporter.get("/api/dashboard/summary", "token-small").status_code for _ in range(4)} == {200}
    summary_500 = samples(exporter)[("http_requests_total", (("method", "GET"), ("path", "/api/dashboard/summary"),
                                                             ("status", "500")))]
    assert summary_500 == 6


def test_bad_fault_settings_are_rejected(start_exporter, db_copy):
    exporter = start_exporter(db_copy, "--enable-fault-injection")
    for payload, field in (({"error_rate": 2}, "error_rate"), ({"latency_seconds": "slow"}, "latency_seconds"),
                           ({"jitter": 1}, "jitter"), ([1, 2], "JSON object")):
        response = exporter.post("/-/faults", json=payload)
        assert response.status_code == 400 and field in response.json()["error"]
    assert exporter.post("/-/faults", data=b"{not json").status_code == 400
    assert exporter.get("/-/faults").status_code == 405


def test_stopping_is_clean_on_sigterm(start_exporter, db_copy):
    exporter = start_exporter(db_copy)
    assert exporter.proc.stop() == 0
    wait_until(lambda: any(r["message"] == "stopped" for r in exporter.records()), 5, what="the stopped line")
