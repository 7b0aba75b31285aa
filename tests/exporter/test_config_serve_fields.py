"""`cache` and `strategy_split` in the exporter configuration: read from the file and used by a real
`serve` (Redis shared by two replicas, the split's strategies labelled), overridden by --cache,
--strategy-split and --strategy, and every bad value a located refusal (file:line: field), exit 3,
nothing started."""
from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.cache.urls import CacheURL
from exporter.config import default_config, load_config
from tests.support.inprocess import run_exporter
from tests.support.paths import AMPEL
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer

SUMMARY = "/api/dashboard/summary"
# the shipped datasets and log fields (serve's exporters read the seeded tiers' tokens), 5 lines
BASE = """\
summary_path: /api/dashboard/summary
datasets:
  - {name: small, repos: 10, prs: 50, token: token-small}
  - {name: medium, repos: 50, prs: 1000, token: token-medium}
log_fields: [user_id, duration_ms, total_repos]
"""


def write(tmp_path: Path, extra: str, name: str = "exporter.yaml") -> Path:
    path = tmp_path / name
    path.write_text(BASE + extra)
    return path


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server


def listening(exporter) -> dict:
    return next(r for r in exporter.records() if r.get("message") == "listening")


def strategies_timed(exporter) -> dict[str, float]:
    return {s.labels["strategy"]: s.value for family in text_string_to_metric_families(exporter.metrics_text())
            for s in family.samples if s.name == "ampel_dashboard_summary_duration_seconds_count"}


def cache_lookups(exporter) -> dict[str, float]:
    return {s.labels["result"]: s.value for family in text_string_to_metric_families(exporter.metrics_text())
            for s in family.samples if s.name == "ampel_dashboard_cache_requests_total"}


# --- read from the file ---------------------------------------------------------------------------

def test_both_fields_are_read_from_the_file(tmp_path):
    config = load_config(write(tmp_path, "cache: redis://cache.internal:6380/2\n"
                                         "strategy_split: {aggregate: 90, naive: 10}\n"))
    assert config.cache == CacheURL("redis", "cache.internal", 6380, 2)
    assert config.strategy_split.weights == (("aggregate", 90), ("naive", 10))
    block = load_config(write(tmp_path, "cache: memory://\nstrategy_split:\n  naive: 0\n  partitioned: 30\n"
                                        "  cached: 70\n", "block.yaml"))
    assert block.cache == CacheURL("memory")
    assert block.strategy_split.weights == (("naive", 0), ("partitioned", 30), ("cached", 70))  # the file's order
    assert block.strategy_split.names == ("partitioned", "cached")
    assert str(block.strategy_split) == "naive=0,partitioned=30,cached=70"


def test_absent_fields_leave_the_defaults(tmp_path):
    assert (default_config().cache, default_config().strategy_split) == (None, None)
    plain = load_config(write(tmp_path, ""))
    assert (plain.cache, plain.strategy_split) == (None, None)


def test_serve_uses_the_files_redis_cache_shared_by_two_replicas(start_exporter, db_copy, redis_server, tmp_path):
    config = write(tmp_path, f"cache: {redis_server.url}\n")
    args = ("--config", str(config), "--strategy", "cached", "--cache-ttl", "600")
    first, second = start_exporter(db_copy, *args), start_exporter(db_copy, *args)
    assert listening(first)["cache"] == f"redis://127.0.0.1:{redis_server.port}/0"
    assert first.get("/readyz").json()["cache"]["backend"] == "redis"
    small = first.get(SUMMARY, "token-small")
    assert small.status_code == 200, small.text
    assert second.get(SUMMARY, "token-small").json() == small.json()
    assert cache_lookups(first) == {"hit": 0, "miss": 1, "error": 0}
    assert cache_lookups(second) == {"hit": 1, "miss": 0, "error": 0}  # the entry the first stored in Redis


def test_serve_uses_the_files_strategy_split(start_exporter, db_copy, tmp_path):
    config = write(tmp_path, "strategy_split:\n  aggregate: 50\n  naive: 50\n")
    exporter = start_exporter(db_copy, "--config", str(config))
    assert listening(exporter)["strategy"] == "aggregate=50,naive=50"
    assert listening(exporter)["cache"] == "memory://"  # the default, the file names none
    assert strategies_timed(exporter) == {"aggregate": 0, "naive": 0}
    for token in ("token-small", "token-medium"):
        assert exporter.get(SUMMARY, token).status_code == 200
    timed = strategies_timed(exporter)
    assert set(timed) == {"aggregate", "naive"} and sum(timed.values()) == 2


# --- the command line wins ------------------------------------------------------------------------

def test_the_flags_override_the_file(start_exporter, db_copy, tmp_path):
    down = f"redis://127.0.0.1:{free_port()}/5"  # nothing listens: used, it would show in /readyz
    config = write(tmp_path, f"cache: {down}\nstrategy_split: {{aggregate: 50, naive: 50}}\n")
    split = start_exporter(db_copy, "--config", str(config), "--strategy-split", "naive=100", "--cache", "memory://")
    assert (listening(split)["strategy"], listening(split)["cache"]) == ("naive=100", "memory://")
    assert strategies_timed(split) == {"naive": 0}
    # --strategy replaces the file's split as it replaces none on the command line; --cache memory://,
    # the default's own value, still wins over the file
    single = start_exporter(db_copy, "--config", str(config), "--strategy", "cached", "--cache", "memory://")
    assert (listening(single)["strategy"], listening(single)["cache"]) == ("cached=100", "memory://")
    assert single.get("/readyz").json()["cache"] == {"backend": "memory", "status": "ok"}
    assert strategies_timed(single) == {"cached": 0}


def test_a_bad_value_in_the_file_is_refused_even_when_its_flag_is_given(tmp_path):
    config = write(tmp_path, "cache: redis://127.0.0.1:6379/zero\n")
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--port", "0", "--catalog", str(AMPEL),
                       "--config", str(config), "--cache", "memory://")
    # the flag wins, but the file is still checked whole: a bad value is refused, not skipped
    assert ran.returncode == 3, ran.output
    assert f"  {config}:6: cache: 'redis://127.0.0.1:6379/zero': database 'zero' is not a number" in ran.stderr


# --- bad values, located --------------------------------------------------------------------------

@pytest.mark.parametrize("extra, expected", [
    pytest.param("cache: 6379\n", ":6: cache: 6379 is not a cache URL: memory:// or redis://host:port/db",
                 id="cache-not-a-string"),
    pytest.param("cache: memcached://x\n", ":6: cache: 'memcached://x': unknown scheme 'memcached'; expected "
                 "memory or redis", id="cache-scheme"),
    pytest.param("cache: redis://127.0.0.1:notaport/0\n", ":6: cache: 'redis://127.0.0.1:notaport/0': port "
                 "'notaport' is not a number between 1 and 65535", id="cache-port"),
    pytest.param("cache: redis://user:secret@127.0.0.1/0\n", ":6: cache: 'redis://user:secret@127.0.0.1/0': no "
                 "user or password in the URL", id="cache-credentials"),
    pytest.param("cache: memory://here\n", ":6: cache: 'memory://here': memory:// takes no host, path or query",
                 id="cache-memory-host"),
    pytest.param("strategy_split: aggregate=90,naive=10\n", ":6: strategy_split: 'aggregate=90,naive=10': write "
                 "the split as a mapping of strategy to percentage, e.g. {aggregate: 90, naive: 10}",
                 id="split-flag-form"),
    pytest.param("strategy_split: [aggregate, naive]\n", ":6: strategy_split: must be a non-empty mapping of "
                 "strategy to percentage", id="split-list"),
    pytest.param("strategy_split: {}\n", ":6: strategy_split: must be a non-empty mapping", id="split-empty"),
    pytest.param("strategy_split:\n  aggregate: 90\n  naiv: 10\n", ":8: strategy_split.naiv: unknown strategy "
                 "'naiv'; expected one of aggregate, naive, cached, partitioned, materialized", id="split-unknown"),
    pytest.param("strategy_split:\n  aggregate: 90.5\n  naive: 9.5\n", ":7: strategy_split.aggregate: 90.5: the "
                 "percentage must be a whole number from 0 to 100", id="split-fraction"),
    pytest.param("strategy_split: {aggregate: '90', naive: '10'}\n", ":6: strategy_split.aggregate: '90': the "
                 "percentage must be a whole number", id="split-quoted-number"),
    pytest.param("strategy_split: {aggregate: true}\n", ":6: strategy_split.aggregate: True: the percentage must "
                 "be a whole number", id="split-boolean"),
    pytest.param("strategy_split: {aggregate: 110, naive: -10}\n", ":6: strategy_split.aggregate: 110: the "
                 "percentage must be a whole number from 0 to 100", id="split-over-100"),
    pytest.param("strategy_split:\n  aggregate: 90\n  naive: 20\n", ":6: strategy_split: the percentages add up "
                 "to 110, not 100", id="split-total"),
    pytest.param("strategy_split:\n  aggregate: 90\n  aggregate: 10\n", ":8: strategy_split.aggregate: duplicate "
                 "key 'aggregate': already given at line 7", id="split-duplicate"),
    pytest.param("strategy_split:\n  aggregate: 50\n  materialized: 50\n", ":8: strategy_split.materialized: "
                 "materialized needs PostgreSQL (--database postgresql://...), not SQLite", id="split-sqlite"),
])
def test_a_bad_value_in_the_file_is_located_exit_3_nothing_started(tmp_path, extra, expected):
    config, db = write(tmp_path, extra), tmp_path / "x.db"
    ran = run_exporter("serve", "--db", str(db), "--port", "0", "--catalog", str(AMPEL), "--config", str(config))
    assert ran.returncode == 3, ran.output
    assert ran.stderr.startswith("error: the exporter configuration is invalid; nothing was written:\n")
    assert f"  {config}{expected}" in ran.stderr, ran.stderr
    assert "Traceback" not in ran.output and "listening" not in ran.output
    assert not db.exists()


def test_every_bad_serve_field_is_reported_at_once_and_seed_refuses_the_file_too(tmp_path):
    config, db = write(tmp_path, "cache: ftp://x\nstrategy_split:\n  agg: 60\n  naive: 1.5\n"), tmp_path / "x.db"
    ran = run_exporter("seed", "--db", str(db), "--config", str(config))
    assert ran.returncode == 3, ran.output
    located = [line.strip() for line in ran.stderr.splitlines()[1:]]
    assert located == [
        f"{config}:6: cache: 'ftp://x': unknown scheme 'ftp'; expected memory or redis",
        f"{config}:8: strategy_split.agg: unknown strategy 'agg'; expected one of aggregate, naive, cached, "
        "partitioned, materialized",
        f"{config}:9: strategy_split.naive: 1.5: the percentage must be a whole number from 0 to 100",
    ]
    assert not db.exists()
