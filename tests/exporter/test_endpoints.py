"""The HTTP surface: summary, invalidate, health, readiness, metrics, and every bad request."""
from __future__ import annotations

import socket
import sqlite3
from urllib.parse import urlsplit

import pytest
import requests

from exporter import datasets
from exporter.auth import find_user, hash_token
from exporter.database import Database
from exporter.strategies import AggregateStrategy
from exporter.summary import FIELDS
from tests.exporter.conftest import TIERS


def expected(db_path, name: str) -> dict:
    db = Database(db_path)
    try:
        with db.session() as s:
            return AggregateStrategy().summary(s, find_user(s, datasets.token_for(name))).as_dict()
    finally:
        db.close()


def raw_request(url: str, data: bytes) -> bytes:
    """Send bytes as they are (for malformed requests) and read the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("name", TIERS)
def test_summary_answers_the_users_own_counts(shared_exporter, seeded_db, name):
    response = shared_exporter.get("/api/dashboard/summary", datasets.token_for(name))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == list(FIELDS)
    assert body == expected(seeded_db, name)


def test_users_never_see_each_others_repositories(start_exporter, db_copy):
    with sqlite3.connect(db_copy) as conn:  # a user with no repositories at all, beside the seeded ones
        conn.execute("INSERT INTO users (uuid, name, token_sha256) VALUES ('u-empty', 'empty', ?)",
                     (hash_token("token-empty"),))
    exporter = start_exporter(db_copy)
    empty = exporter.get("/api/dashboard/summary", "token-empty").json()
    assert set(empty.values()) == {0}
    answers = {name: exporter.get("/api/dashboard/summary", datasets.token_for(name)).json() for name in TIERS}
    assert len({a["total_repos"] for a in answers.values()}) == len(TIERS)
    for name, body in answers.items():
        assert body == expected(db_copy, name)


@pytest.mark.parametrize("headers, reason", [
    ({}, "missing Authorization header"),
    ({"Authorization": "Bearer token-nobody"}, "unknown bearer token"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Authorization header is not 'Bearer <token>'"),
    ({"Authorization": "Bearer "}, "Authorization header is not 'Bearer <token>'"),
])
def test_missing_or_unknown_tokens_get_401_and_count_as_auth_errors(shared_exporter, headers, reason):
    def auth_errors() -> float:
        for line in shared_exporter.metrics_text().splitlines():
            if line.startswith('ampel_dashboard_errors_total{error_type="auth"}'):
                return float(line.split()[-1])
        raise AssertionError("no auth error series")

    before = auth_errors()
    response = requests.get(shared_exporter.url + "/api/dashboard/summary", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": reason, "error_type": "auth"}
    assert auth_errors() == before + 1


def test_invalidate_needs_a_token_and_reports_what_it_dropped(shared_exporter):
    assert shared_exporter.post("/api/dashboard/invalidate").status_code == 401
    response = shared_exporter.post("/api/dashboard/invalidate", "token-small")
    assert response.status_code == 200
    assert response.json()["invalidated"] is False  # aggregate caches nothing


def test_health_and_readiness(shared_exporter):
    assert shared_exporter.get("/healthz").json() == {"status": "ok"}
    assert shared_exporter.get("/readyz").json() == {"status": "ready"}
    head = requests.head(shared_exporter.url + "/healthz", timeout=5)
    assert head.status_code == 200 and head.content == b""


def test_unknown_route_is_a_json_404(shared_exporter):
    response = shared_exporter.get("/api/dashboard/summary/extra")
    assert response.status_code == 404
    assert response.json() == {"error": "not found", "path": "/api/dashboard/summary/extra"}


def test_fault_injection_route_does_not_exist_without_the_flag(shared_exporter):
    response = shared_exporter.post("/-/faults", json={"latency_seconds": 1, "error_rate": 1})
    assert response.status_code == 404
    assert shared_exporter.get("/api/dashboard/summary", "token-small").status_code == 200


@pytest.mark.parametrize("method, path, allowed", [
    ("POST", "/api/dashboard/summary", ["GET", "HEAD"]),
    ("DELETE", "/metrics", ["GET", "HEAD"]),
    ("GET", "/api/dashboard/invalidate", ["POST"]),
    ("BREW", "/healthz", ["GET", "HEAD"]),
])
def test_bad_methods_get_405_with_the_allowed_ones(shared_exporter, method, path, allowed):
    response = requests.request(method, shared_exporter.url + path, timeout=5)
    assert response.status_code == 405
    assert response.json()["allowed"] == allowed


def test_malformed_requests_get_json_errors_without_tracebacks(shared_exporter):
    for data in (b"NONSENSE\r\n\r\n", b"GET / HTTP/2.0\r\n\r\n", b"GET /healthz HTTP/1.1\r\nno colon\r\n\r\n",
                 b"POST /api/dashboard/invalidate HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"):
        answer = raw_request(shared_exporter.url, data)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split()[1] in (b"400", b"413"), answer
        assert body.startswith(b'{"error":')
        assert b"Traceback" not in answer
    assert "Traceback" not in shared_exporter.proc.log_text()


def test_keep_alive_serves_many_requests_on_one_connection(shared_exporter):
    with requests.Session() as session:
        for _ in range(20):
            response = session.get(shared_exporter.url + "/api/dashboard/summary",
                                   headers={"Authorization": "Bearer token-small"}, timeout=5)
            assert response.status_code == 200
            assert "close" not in response.headers.get("Connection", "")
