"""The catalog-schema pass cache: keyed by content, records passes only, safe to delete."""
from __future__ import annotations

import shutil

import pytest

from generator.catalog import load_catalog, schema_cache
from generator.errors import CatalogError
from tests.support.catalog_builder import CatalogBuilder, every_artifact
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
    catalog.write_text(CatalogBuilder("shop", team="backend").text())
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


def _catalog(tmp_path):
    return CatalogBuilder("shop").write(tmp_path / "project")


def test_deleting_the_cache_is_safe(cache, tmp_path):
    load_catalog(_catalog(tmp_path), tmp_path)
    shutil.rmtree(cache)
    assert load_catalog(_catalog(tmp_path), tmp_path).service.name == "shop"
    assert len(_entries(cache)) == 1


def test_the_cache_can_be_turned_off(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_CACHE", "off")
    load_catalog(_catalog(tmp_path), tmp_path)
    assert _entries(cache) == []


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(blocker))
    assert load_catalog(_catalog(tmp_path), tmp_path).service.name == "shop"


def test_generate_dashboards_of_a_known_catalog_never_imports_jsonschema(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    every_artifact("shop").write(tmp_path)
    _, cold = _modules(["generate", "dashboards"], tmp_path)
    assert "jsonschema" in cold  # first time: checked against the schema
    _, warm = _modules(["generate", "dashboards"], tmp_path)
    assert "jsonschema" not in warm


def test_a_dashboard_that_passed_is_not_checked_again_until_it_or_a_schema_changes(cache, tmp_path, monkeypatch):
    import json

    from generator.validators import grafana_schema
    from tests.support.paths import REPO

    schemas = tmp_path / "schemas"
    shutil.copytree(grafana_schema.default_schema_dir(), schemas)
    dashboard = json.loads((REPO / "dashboards" / "ampel-dashboard-summary.json").read_text())
    checked = []
    real = grafana_schema._violations
    monkeypatch.setattr(grafana_schema, "_violations", lambda *a: checked.append(1) or real(*a))
    assert grafana_schema.validate_dashboard(dashboard, schemas) == []
    assert grafana_schema.validate_dashboard(dashboard, schemas) == []
    assert len(checked) == 1  # the second time, the recorded pass
    assert len(list((cache / schema_cache.GRAFANA_FOLDER).iterdir())) == 1
    # a schema edited in place: a new key, so the dashboard is checked again, and the edit is seen
    document = json.loads((schemas / "dashboard.jsonschema.json").read_text())
    document["definitions"]["Dashboard"]["properties"]["title"] = {"type": "integer"}
    (schemas / "dashboard.jsonschema.json").write_text(json.dumps(document))
    violations = grafana_schema.validate_dashboard(dashboard, schemas)
    assert [v.pointer for v in violations] == ["title"]
    assert len(checked) == 2
    # a broken dashboard is checked every time and never recorded
    broken = {**dashboard, "title": 3}
    for _ in range(2):
        assert grafana_schema.validate_dashboard(broken, grafana_schema.default_schema_dir()) != []
    assert len(checked) == 4
