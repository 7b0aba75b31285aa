"""psycopg_pool's messages become the service's JSON lines, except its per-checkout chatter: a summary
request writes its own line and no pool line."""
from __future__ import annotations

import io
import json
import logging

from exporter import datasets
from exporter.logs import JsonLog
from exporter.storage.postgres import route_pool_log

CHATTER = ("connection requested from", "connection given by", "returning connection to")


def test_pool_messages_are_json_lines_but_not_the_per_checkout_ones():
    stream = io.StringIO()
    route_pool_log(JsonLog(stream))
    logger = logging.getLogger("psycopg.pool")
    logger.info("connection requested from %r", "obsgen")
    logger.info("connection given by %r", "obsgen")
    logger.info("returning connection to %r", "obsgen")
    logger.info("growing pool %r to %s", "obsgen", 3)
    logger.warning("error connecting in %r: %s", "obsgen", "connection refused")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["level"], r["target"], r["message"]) for r in lines] == [
        ("INFO", "psycopg.pool", "growing pool 'obsgen' to 3"),
        ("WARN", "psycopg.pool", "error connecting in 'obsgen': connection refused"),
    ]


def test_a_summary_request_logs_its_line_and_no_pool_line(pg_seeded, serve_pg):
    exporter = serve_pg(pg_seeded, "--pool-size", "2")
    for _ in range(5):
        assert exporter.get("/api/dashboard/summary", datasets.token_for("small")).status_code == 200
    records = exporter.records()
    assert sum(r.get("message") == "Dashboard summary generated" for r in records) == 5
    chatter = [r for r in records if r.get("target") == "psycopg.pool" and r["message"].startswith(CHATTER)]
    assert chatter == []
