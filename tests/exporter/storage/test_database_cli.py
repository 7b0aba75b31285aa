"""`obsgen-exporter seed/serve --database`: both backends from the command line, and every bad
database argument a located usage error (exit 2) or one line with exit 5, never a traceback."""
from __future__ import annotations

import sqlite3

import psycopg

from tests.support.inprocess import run_exporter
from tests.support.ports import free_port


def test_seed_writes_postgresql_and_names_it_without_the_password(postgres, pg_url):
    # trust authentication ignores the password: it shows what the output does with one
    with_password = pg_url.replace("postgres@", "postgres:hunter2@")
    ran = run_exporter("seed", "--database", with_password, "--dataset", "small")
    assert ran.returncode == 0, ran.output
    assert "hunter2" not in ran.output and "postgres:***@" in ran.stdout
    assert "small" in ran.stdout and "50 open" in ran.stdout
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pull_requests").fetchone() == (50,)


def test_seed_takes_a_sqlite_url_like_a_path(tmp_path):
    db = tmp_path / "a.db"
    ran = run_exporter("seed", "--database", f"sqlite:///{db}", "--dataset", "small")
    assert ran.returncode == 0, ran.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pull_requests").fetchone() == (50,)
        assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]


def test_an_unknown_scheme_is_a_usage_error(tmp_path):
    ran = run_exporter("seed", "--database", "mysql://u@127.0.0.1/x")
    assert ran.returncode == 2 and "--database" in ran.stderr and "unknown scheme 'mysql'" in ran.stderr


def test_db_and_database_together_or_neither_are_usage_errors(tmp_path):
    both = run_exporter("serve", "--db", str(tmp_path / "a.db"), "--database", str(tmp_path / "b.db"))
    assert both.returncode == 2 and "either --db or --database" in both.stderr
    neither = run_exporter("seed")
    assert neither.returncode == 2 and "--database URL" in neither.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_materialized_strategy_on_sqlite_is_a_usage_error(tmp_path):
    ran = run_exporter("serve", "--db", str(tmp_path / "a.db"), "--strategy", "materialized", "--port", "0")
    assert ran.returncode == 2 and "--strategy" in ran.stderr and "needs PostgreSQL" in ran.stderr
    assert not (tmp_path / "a.db").exists()


def test_seed_into_an_unreachable_server_is_one_line_and_exit_5():
    ran = run_exporter("seed", "--database", f"postgresql://postgres@127.0.0.1:{free_port()}/x", "--dataset", "small")
    assert ran.returncode == 5, ran.output
    assert ran.stderr.startswith("error: database postgresql://postgres@127.0.0.1:") and "Traceback" not in ran.output
    assert len(ran.stderr.strip().splitlines()) <= 2


def test_serve_refuses_a_schema_newer_than_it_knows(pg_url):
    assert run_exporter("seed", "--database", pg_url, "--dataset", "small").returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', 'x')")
    ran = run_exporter("serve", "--database", pg_url, "--port", "0")
    assert ran.returncode == 5, ran.output
    assert "schema version 99" in ran.stderr and "upgrade the exporter" in ran.stderr
