"""Shared fixtures: every test runs from the repository root, so catalog paths in headers are stable."""
from __future__ import annotations

import os

import pytest

from tests.support.paths import REPO


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)
    # Projects generated in temporary folders have no ../shared/grafana-schema beside them: give them the
    # repository's, the way CI does (tests of the search order itself unset it).
    if not os.environ.get("OBSGEN_GRAFANA_SCHEMA_DIR"):
        monkeypatch.setenv("OBSGEN_GRAFANA_SCHEMA_DIR", str(REPO.parent / "shared" / "grafana-schema"))
