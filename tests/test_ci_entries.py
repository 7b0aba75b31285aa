"""The GitHub Actions workflow and the pre-commit hooks run the real commands: their scripts are
executed here in a generated project, passing on a clean tree and failing on a stale one."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from generator.validators.grafana_schema import default_schema_dir
from tests.support.catalog_builder import every_artifact
from tests.support.paths import REPO
from tests.support.project import edit, generated_project

WORKFLOW = REPO / ".github" / "workflows" / "validate.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _env() -> dict:
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "OBSGEN_GRAFANA_SCHEMA_DIR": str(default_schema_dir())}


def test_workflow_runs_on_pull_requests_with_pinned_tools(workflow):
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["env"]["PROMETHEUS_VERSION"] == "2.42.0"
    steps = workflow["jobs"]["validate"]["steps"]
    schemas = next(s for s in steps if s.get("name") == "Grafana dashboard schemas")
    assert schemas["with"]["repository"] == "grafana/grafana-foundation-sdk"
    assert schemas["with"]["ref"] == "${{ env.GRAFANA_SCHEMA_REF }}" and len(workflow["env"]["GRAFANA_SCHEMA_REF"]) == 40
    upload = steps[-1]
    assert upload["if"] == "always()" and upload["with"]["path"] == "validate-report.xml"


def test_workflow_validate_step_passes_then_fails_on_a_stale_file(workflow, tmp_path):
    step = next(s for s in workflow["jobs"]["validate"]["steps"] if s.get("name") == "obsgen validate")
    project = generated_project(tmp_path, (every_artifact().write(tmp_path / "src"),))
    ok = subprocess.run(["bash", "-ec", step["run"]], cwd=project, env=_env(), capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ET.parse(project / "validate-report.xml").getroot().tag == "testsuites"
    edit(project / "alerts/shop-alerts.yaml", "for: 3m", "for: 4m")
    bad = subprocess.run(["bash", "-ec", step["run"]], cwd=project, env=_env(), capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "validate FAILED" in bad.stdout and "alert-test-failed [ShopHighErrorRate]" in bad.stdout


def test_pre_commit_hooks_run_obsgen(tmp_path):
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"obsgen-generate-check", "obsgen-validate"}
    project = generated_project(tmp_path, (every_artifact().write(tmp_path / "src"),))
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        result = subprocess.run(shlex.split(hook["entry"]), cwd=project, env=_env(), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, (hook["id"], result.stdout + result.stderr)
    edit(project / "dashboards/shop.json", '"title": "Test / shop"', '"title": "Hand edited"')
    stale = subprocess.run(shlex.split(hooks["obsgen-generate-check"]["entry"]), cwd=project, env=_env(),
                           capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1 and "dashboards/shop.json" in stale.stdout


def test_ci_and_the_test_workflow_run_the_readme_test_command():
    """`.ci/run` and the GitHub test workflow both run `make test`, the command the README names."""
    assert "make test" in (REPO / "README.md").read_text()
    assert "make test" in (REPO / ".ci" / "run").read_text()
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "test.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["test"]["steps"]]
    assert "make test" in runs
