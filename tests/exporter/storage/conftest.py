"""Fixtures for the storage tests: one real PostgreSQL server per test session, fresh databases in it.

The server is started once (initdb + pg_ctl on a free port in a temp dir, as the `postgres` user
when the tests run as root) and always stopped at the end of the session. Tests that only read
share `pg_seeded` (the shipped configuration's tiers, seeded once); tests that write get a database of their own.
"""
from __future__ import annotations

import itertools

import psycopg
import pytest

from exporter import datasets, storage
from exporter.config import default_config
from tests.exporter.conftest import TIERS
from tests.support.postgres_server import PostgresServer

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    with PostgresServer() as server:
        yield server


def new_database(server: PostgresServer) -> str:
    name = f"obsgen_test_{next(_names)}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.dsn(name)


@pytest.fixture
def pg_url(postgres) -> str:
    """The URL of a new, empty database (no schema yet)."""
    return new_database(postgres)


@pytest.fixture(scope="session")
def pg_seeded(postgres, catalog) -> str:
    """A database with every tier of the shipped configuration seeded, for tests that only read it."""
    url = new_database(postgres)
    storage.seed(storage.parse(url), datasets.select(default_config(), list(TIERS)))
    return url


@pytest.fixture
def open_db():
    """open_db(url, **kw) -> a database object; every one is closed at teardown."""
    opened = []

    def open_(url: str, **kw):
        db = storage.open_database(storage.parse(url), **kw)
        opened.append(db)
        return db

    yield open_
    for db in reversed(opened):
        db.close()


@pytest.fixture
def serve_pg(tmp_path):
    """serve_pg(url, *serve_args) -> a ready `obsgen-exporter serve --database url` (an `Exporter`:
    .url, .records()); every one is stopped at teardown."""
    from contextlib import ExitStack

    from tests.exporter.conftest import Exporter
    from tests.support.cli import OBSGEN_EXPORTER
    from tests.support.exporter_server import wait_ready
    from tests.support.paths import AMPEL, REPO
    from tests.support.processes import ManagedProcess

    with ExitStack() as stack:
        count = itertools.count(1)

        def start(url: str, *extra: str) -> Exporter:
            argv = [str(OBSGEN_EXPORTER), "serve", "--database", url, "--host", "127.0.0.1", "--port", "0",
                    "--catalog", str(AMPEL.relative_to(REPO)), *extra]
            proc = stack.enter_context(ManagedProcess("exporter", argv, tmp_path / f"exporter-{next(count)}.log",
                                                      cwd=REPO))
            return Exporter(wait_ready(proc), proc)

        yield start


def errors_by_type(base_url: str) -> dict[str, float]:
    """ampel_dashboard_errors_total per error_type, read from /metrics."""
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(base_url + "/metrics", timeout=10).text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ampel_dashboard_errors_total":
                out[sample.labels["error_type"]] = sample.value
    return out
