"""The exporter's own configuration: the shipped default, --config replacing it, and every refusal
located (file:line, field), exit 3, nothing written."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exporter.auth import hash_token
from exporter.config import ConfigError, default_config, load_config
from tests.support.inprocess import run_exporter
from tests.support.paths import AMPEL

GOOD = """\
summary_path: /api/dashboard/summary
datasets:
  - {name: tiny, repos: 2, prs: 3, token: secret-tiny}
  - {name: later, repos: 1, prs: 0, token: secret-later, default: false}
log_fields: [duration_ms, total_repos]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exporter.yaml"
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_configuration():
    config = default_config()
    assert config.summary_path == "/api/dashboard/summary"
    assert [(d.name, d.repos, d.prs, d.token, d.default) for d in config.datasets] == [
        ("small", 10, 50, "token-small", True), ("medium", 50, 1000, "token-medium", True),
        ("large", 100, 2000, "token-large", True), ("very_large", 200, 4000, "token-very_large", True),
        ("xl", 10_000, 1_000_000, "token-xl", False)]
    assert config.log_fields[:2] == ("user_id", "duration_ms") and len(config.log_fields) == 13


def test_seed_with_its_own_configuration(tmp_path):
    config, db = write(tmp_path, GOOD), tmp_path / "own.db"
    ran = run_exporter("seed", "--db", str(db), "--config", str(config))
    assert ran.returncode == 0, ran.output
    assert "token secret-tiny" in ran.stdout and "seeded 1 dataset(s)" in ran.stdout  # `later` only on request
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name, token_sha256 FROM users").fetchall() == [("tiny", hash_token("secret-tiny"))]
        assert conn.execute("SELECT COUNT(*) FROM repositories").fetchone() == (2,)
        assert conn.execute("SELECT COUNT(*) FROM pull_requests").fetchone() == (3,)
    unknown = run_exporter("seed", "--db", str(db), "--config", str(config), "--dataset", "small")
    assert unknown.returncode == 2 and "unknown dataset(s) small; known: tiny, later" in unknown.stderr


def test_seed_refuses_the_catalog_option_and_says_where_the_sizes_are(tmp_path):
    ran = run_exporter("seed", "--db", str(tmp_path / "x.db"), "--catalog", str(AMPEL))
    assert ran.returncode == 2
    assert "seed no longer reads the catalog" in ran.stderr and "--config" in ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_summary_route_the_catalog_does_not_count_is_refused_with_the_catalog_line(tmp_path):
    config = write(tmp_path, GOOD.replace("/api/dashboard/summary", "/api/elsewhere"))
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--port", "0", "--catalog", str(AMPEL),
                       "--config", str(config))
    assert ran.returncode == 3, ran.output
    assert "path label (allowing /api/elsewhere)" in ran.stderr
    assert "catalog/ampel.yaml:" in ran.stderr and "metrics[3].labels" in ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_every_problem_is_located_exit_3_and_nothing_written(tmp_path):
    config = write(tmp_path, """\
summary_path: api/summary
datasets:
  - {name: small, repos: 10, prs: 50, token: t1}
  - name: empty
    repos: 0
    prs: -1
    token: t1
    colour: blue
  - {name: "has space", repos: 1, prs: true, token: "two words", default: maybe}
log_fields: [user_id, colour, user_id]
extra: 1
""")
    db = tmp_path / "x.db"
    for command in (["seed"], ["serve", "--port", "0", "--catalog", str(AMPEL)]):
        ran = run_exporter(*command, "--db", str(db), "--config", str(config))
        assert ran.returncode == 3, ran.output
        assert ran.stderr.startswith("error: the exporter configuration is invalid; nothing was written:\n")
        assert "Traceback" not in ran.stderr
    assert not db.exists()
    found = problems(config)
    assert found == [
        f"{config}:11: extra: unknown field 'extra' (allowed: summary_path, datasets, log_fields, cache, "
        "strategy_split)",
        f"{config}:1: summary_path: 'api/summary' is not a route: it starts with '/' and has no spaces, query or fragment",
        f"{config}:8: datasets[1].colour: unknown field 'colour' (allowed: name, repos, prs, token, default)",
        f"{config}:5: datasets[1].repos: 0 is not a whole number of repositories >= 1",
        f"{config}:6: datasets[1].prs: -1 is not a whole number of pull requests >= 0",
        f"{config}:7: datasets[1].token: the same token as datasets[0]: a token names one user",
        f"{config}:9: datasets[2].name: 'has space' is not a dataset name (letters, digits, '_', '.', '-')",
        f"{config}:9: datasets[2].prs: True is not a whole number of pull requests >= 0",
        f"{config}:9: datasets[2].token: a token is visible ASCII without spaces (it goes in an Authorization header)",
        f"{config}:9: datasets[2].default: 'maybe' is not true or false",
        f"{config}:10: log_fields[1]: 'colour' is not a field the exporter logs (it can log: user_id, duration_ms, "
        "total_repos, total_open_prs, green_count, yellow_count, red_count, github_count, gitlab_count, "
        "bitbucket_count, public_repos, private_repos, archived_repos)",
        f"{config}:10: log_fields[2]: duplicate log field 'user_id'",
    ]


@pytest.mark.parametrize("text, expected", [
    pytest.param("datasets: [\n", ":2: invalid YAML", id="yaml-syntax"),
    pytest.param(GOOD + "summary_path: /again\n", ":6: summary_path: duplicate key 'summary_path': already given at line 1",
                 id="duplicate-key"),
    pytest.param("- just\n- a list\n", ":1: (document): the exporter configuration must be a YAML mapping", id="not-a-mapping"),
    pytest.param("summary_path: /x\n", ":1: (document): missing field 'datasets'", id="missing-field"),
    pytest.param(GOOD.replace("datasets:\n", "datasets: []\nx:\n"), ":2: datasets: must be a non-empty list", id="no-datasets"),
    pytest.param(GOOD.replace("{name: later", "{name: tiny"), ":4: datasets[1].name: duplicate dataset 'tiny' (first at "
                 "datasets[0])", id="duplicate-dataset"),
])
def test_refusals_are_located(tmp_path, text, expected):
    config = write(tmp_path, text)
    ran = run_exporter("seed", "--db", str(tmp_path / "x.db"), "--config", str(config))
    assert ran.returncode == 3, ran.output
    assert f"  {config}{expected}" in ran.stderr, ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_missing_or_non_utf8_file_is_a_located_refusal(tmp_path):
    ran = run_exporter("seed", "--db", str(tmp_path / "x.db"), "--config", str(tmp_path / "absent.yaml"))
    assert ran.returncode == 3 and f"{tmp_path / 'absent.yaml'}: cannot read the exporter configuration" in ran.stderr
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes(b"summary_path: /x\ndatasets: caf\xe9\n")
    assert problems(binary) == [f"{binary}:2: the exporter configuration is not UTF-8"]
