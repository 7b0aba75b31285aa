"""Fixtures for the exporter tests: a seeded database and exporters that are always stopped."""
from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from generator.catalog import load_catalog
from tests.support.exporter_server import STARTUP_TIMEOUT, listening_url, seed, serve, wait_ready
from tests.support.paths import AMPEL
from tests.support.processes import ManagedProcess, wait_until

TIERS = ("small", "medium", "large", "very_large")
# (repositories, pull requests) of each dataset in the shipped exporter.yaml: the performance plan's table
SIZES = {"small": (10, 50), "medium": (50, 1000), "large": (100, 2000), "very_large": (200, 4000),
         "xl": (10_000, 1_000_000)}


@dataclass
class Exporter:
    url: str
    proc: ManagedProcess

    def get(self, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(self.url + path, headers=headers, timeout=10, **kw)

    def post(self, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(self.url + path, headers=headers, timeout=10, **kw)

    def records(self) -> list[dict]:
        """The JSON log lines written so far."""
        out = []
        for line in self.proc.log_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def metrics_text(self) -> str:
        response = self.get("/metrics")
        assert response.status_code == 200
        return response.text


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(AMPEL)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """Every tier seeded once; tests that change data use `db_copy`."""
    work = tmp_path_factory.mktemp("exporter-db")
    db = work / "ampel.db"
    seed(db, TIERS, work / "seed.log")
    return db


@pytest.fixture
def db_copy(seeded_db, tmp_path) -> Path:
    target = tmp_path / "ampel.db"
    shutil.copy(seeded_db, target)
    return target


@pytest.fixture
def start_exporter(tmp_path):
    """start_exporter(db, *serve_args, ready=True, env=None) -> an Exporter; every one is stopped at teardown.

    ready=False only waits for the "listening" line (for a service whose database is unavailable)."""
    with ExitStack() as stack:
        count = 0

        def start(db: Path, *extra: str, ready: bool = True, env: dict | None = None) -> Exporter:
            nonlocal count
            count += 1
            proc = stack.enter_context(serve(db, tmp_path / f"exporter-{count}.log", *extra, env=env))
            if ready:
                return Exporter(wait_ready(proc), proc)
            return Exporter(wait_until(lambda: listening_url(proc), STARTUP_TIMEOUT, what="listening"), proc)

        yield start


@pytest.fixture(scope="module")
def shared_exporter(seeded_db, tmp_path_factory):
    """One aggregate exporter over the seeded tiers for tests that only read (module-wide)."""
    log = tmp_path_factory.mktemp("shared-exporter") / "exporter.log"
    with serve(seeded_db, log) as proc:
        yield Exporter(wait_ready(proc), proc)
