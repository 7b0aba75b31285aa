"""Shared fixtures: every test runs from the repository root, so catalog paths in headers are stable."""
from __future__ import annotations

import pytest

from tests.support.paths import REPO


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)
