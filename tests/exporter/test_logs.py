"""One structured JSON line per summary request: the performance plan's fields and the standard ones."""
from __future__ import annotations

from exporter.seeding import user_uuid

STANDARD = ["timestamp", "level", "target", "message"]


# the log_fields of the shipped exporter.yaml, in its order
LOG_FIELDS = ["user_id", "duration_ms", "total_repos", "total_open_prs", "green_count", "yellow_count", "red_count",
              "github_count", "gitlab_count", "bitbucket_count", "public_repos", "private_repos", "archived_repos"]


def test_success_line_carries_the_configured_log_fields(shared_exporter):
    before = len(shared_exporter.records())
    body = shared_exporter.get("/api/dashboard/summary", "token-medium").json()
    lines = [r for r in shared_exporter.records()[before:] if r["target"] == "exporter.handlers.dashboard"]
    assert len(lines) == 1
    line = lines[0]
    assert list(line) == STANDARD + LOG_FIELDS
    assert (line["level"], line["message"]) == ("INFO", "Dashboard summary generated")
    assert line["user_id"] == user_uuid("medium")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert {k: line[k] for k in body} == body
    assert line["timestamp"].endswith("Z") and len(line["timestamp"]) == len("2025-12-24T11:50:00.000Z")


def test_failed_requests_log_one_line_with_the_error_type(shared_exporter):
    before = len(shared_exporter.records())
    shared_exporter.get("/api/dashboard/summary", "token-nobody")
    lines = shared_exporter.records()[before:]
    assert len(lines) == 1
    line = lines[0]
    assert (line["level"], line["message"], line["error_type"], line["status"]) == (
        "WARN", "Dashboard summary failed", "auth", 401)
    assert line["user_id"] is None and "duration_ms" in line


def test_other_routes_do_not_log(shared_exporter):
    before = len(shared_exporter.records())
    for path in ("/healthz", "/readyz", "/metrics", "/nowhere"):
        shared_exporter.get(path)
    assert shared_exporter.records()[before:] == []


def test_listening_line_names_the_url(shared_exporter):
    first = shared_exporter.records()[0]
    assert (first["message"], first["target"], first["url"]) == ("listening", "exporter.server", shared_exporter.url)
