"""Written artifacts get the mode a plain write would give them, not mkstemp's 0600.

A 0600 rule file cannot be read by a Prometheus running as another user, so this is about
deployments, not tidiness: new files get 0666 & ~umask, replaced files keep their mode.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from generator import pipeline, writers
from tests.support.catalog_builder import every_artifact


@pytest.fixture
def umask():
    """Set the process umask for one test and put the previous one back."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_follow_the_umask(tmp_path, umask):
    umask(0o022)
    writers.write_text_atomic(tmp_path / "a.yaml", "a: 1\n")
    umask(0o027)
    writers.write_text_atomic(tmp_path / "sub" / "b.yaml", "b: 1\n")
    assert _mode(tmp_path / "a.yaml") == 0o644
    assert _mode(tmp_path / "sub" / "b.yaml") == 0o640


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    target = tmp_path / "rules.yaml"
    target.write_text("old\n")
    target.chmod(0o664)
    writers.write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert _mode(target) == 0o664


def test_generate_writes_world_readable_artifacts_and_keeps_modes(tmp_path, umask):
    umask(0o022)
    every_artifact("shop").write(tmp_path)
    catalogs = pipeline.load_all(pipeline.catalog_paths((), tmp_path), base=tmp_path)
    result = pipeline.generate(tmp_path, catalogs)
    assert result.create, "nothing was generated"
    modes = {rel: _mode(tmp_path / rel) for rel in result.create}
    assert set(modes.values()) == {0o644}, modes
    assert not [p for p in tmp_path.rglob("*.tmp")]

    # a catalog change rewrites the alert file: its mode (set by hand to 0640) is kept
    alerts = next(rel for rel in result.create if rel.startswith("alerts/"))
    (tmp_path / alerts).chmod(0o640)
    catalog = tmp_path / "catalog" / "shop.yaml"
    assert catalog.read_text().count("for: 2m") == 1  # the free-form alert's
    catalog.write_text(catalog.read_text().replace("for: 2m", "for: 4m", 1))
    catalogs = pipeline.load_all(pipeline.catalog_paths((), tmp_path), base=tmp_path)
    again = pipeline.generate(tmp_path, catalogs)
    assert alerts in again.update
    assert _mode(tmp_path / alerts) == 0o640
    assert all(_mode(tmp_path / rel) == 0o644 for rel in again.update if rel != alerts)
