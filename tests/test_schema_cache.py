"""The catalog-schema pass cache: keyed by content, records passes only, safe to delete."""
from __future__ import annotations

import shutil

import pytest

from generator.catalog import load_catalog, schema_cache
from generator.errors import CatalogError
from tests.support.paths import AMPEL
from tests.test_cli_imports import _modules


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("OBSGEN_CACHE", raising=False)
    return folder


def _entries(cache) -> list[str]:
    folder = cache / schema_cache.FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_pass_is_recorded_and_reused_and_an_edit_is_checked_again(cache, tmp_path):
    catalog = tmp_path / "c.yaml"
    shutil.copy(AMPEL, catalog)
    first = load_catalog(catalog, tmp_path)
    assert len(_entries(cache)) == 1
    assert load_catalog(catalog, tmp_path) == first  # the hit gives the same model
    assert len(_entries(cache)) == 1
    # the same catalog with one field the schema refuses: a new key, checked, refused, not recorded
    text = catalog.read_text().replace("  team: backend\n", "  team: backend\n  colour: blue\n", 1)
    assert text != catalog.read_text()
    catalog.write_text(text)
    for _ in range(2):
        with pytest.raises(CatalogError) as raised:
            load_catalog(catalog, tmp_path)
        assert any("unknown field 'colour'" in p.message for p in raised.value.problems)
    assert len(_entries(cache)) == 1


def test_deleting_the_cache_is_safe(cache, tmp_path):
    load_catalog(AMPEL, tmp_path)
    shutil.rmtree(cache)
    assert load_catalog(AMPEL, tmp_path).service.name == "ampel-dashboard-summary"
    assert len(_entries(cache)) == 1


def test_the_cache_can_be_turned_off(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_CACHE", "off")
    load_catalog(AMPEL, tmp_path)
    assert _entries(cache) == []


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(blocker))
    assert load_catalog(AMPEL, tmp_path).service.name == "ampel-dashboard-summary"


def test_generate_dashboards_of_a_known_catalog_never_imports_jsonschema(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "catalog").mkdir()
    shutil.copy(AMPEL, tmp_path / "catalog" / AMPEL.name)
    _, cold = _modules(["generate", "dashboards"], tmp_path)
    assert "jsonschema" in cold  # first time: checked against the schema
    _, warm = _modules(["generate", "dashboards"], tmp_path)
    assert "jsonschema" not in warm
