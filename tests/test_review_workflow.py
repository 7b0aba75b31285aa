"""The pull-request workflow example: its diff step, run for real in a clone laid out like a PR checkout."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.diff.formatters.markdown import MARKER
from tests.support.paths import REPO

WORKFLOW = REPO / ".github" / "workflows" / "review-diff.yml"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
RULES = "groups:\n- name: api\n  rules:\n  - alert: ApiSlow\n    expr: p95 > {t}\n    for: 5m\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _step(workflow: dict, step_id: str) -> dict:
    return next(s for s in workflow["jobs"]["diff"]["steps"] if s.get("id") == step_id)


def test_workflow_shape(workflow):
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = workflow["jobs"]["diff"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    comment = workflow["jobs"]["diff"]["steps"][-1]
    assert comment["uses"].startswith("actions/github-script@")
    assert 'body.split("\\n", 1)[0]' in comment["with"]["script"]  # finds its comment by the marker line


@pytest.fixture()
def pr_checkout(tmp_path: Path) -> Path:
    """A clone as actions/checkout leaves it for a PR: detached HEAD, only origin/main, no local main."""
    origin = tmp_path / "origin"
    (origin / "alerts").mkdir(parents=True)
    _git(origin, "init", "-q", "-b", "main")
    (origin / "alerts" / "api.yaml").write_text(RULES.format(t="0.5"))
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _git(clone, "checkout", "-q", "--detach")
    _git(clone, "branch", "-q", "-D", "main")
    return clone


def _run_diff_step(workflow: dict, cwd: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, str, str]:
    step = _step(workflow, "diff")
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    env = {**os.environ, **GIT_ENV, "BASE_REF": "main", "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    return done, output.read_text() if output.exists() else "", summary.read_text() if summary.exists() else ""


def test_diff_step_reports_a_change(workflow, pr_checkout, tmp_path):
    (pr_checkout / "alerts" / "api.yaml").write_text(RULES.format(t="0.75"))
    _git(pr_checkout, "commit", "-q", "-am", "raise the threshold")
    done, output, summary = _run_diff_step(workflow, pr_checkout, tmp_path)
    assert done.returncode == 0, done.stderr
    assert output == "changed=true\n"
    comment = (pr_checkout / "obsgen-diff.md").read_text()
    assert comment.splitlines()[0] == MARKER
    assert "| ~ | alert `ApiSlow` | threshold | `> 0.5` | `> 0.75` |" in comment
    assert summary == comment


def test_diff_step_without_changes(workflow, pr_checkout, tmp_path):
    done, output, _ = _run_diff_step(workflow, pr_checkout, tmp_path)
    assert done.returncode == 0, done.stderr
    assert output == "changed=false\n"
    assert "**no semantic changes**" in (pr_checkout / "obsgen-diff.md").read_text()


def test_diff_step_fails_on_a_usage_error(workflow, tmp_path):
    (tmp_path / "not-a-repo").mkdir()
    done, output, _ = _run_diff_step(workflow, tmp_path / "not-a-repo", tmp_path)
    assert done.returncode == 2
    assert output == ""
