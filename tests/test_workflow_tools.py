"""Each GitHub workflow's job, run here with PATH holding only the base image's tools and what the
job's own steps install (tests/support/workflow_runner.py). This machine has promtool, amtool and k6
installed; the runner does not, so a job that relies on a tool no step installs fails here too."""
from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from generator import pipeline
from tests.support.grafana_server import running_grafana
from tests.support.catalog_builder import every_artifact
from tests.support.paths import REPO
from tests.support.project import edit, generated_project
from tests.support.workflow_runner import Runner, step_name

WORKFLOWS = REPO / ".github" / "workflows"
RUN_HERE = {("validate.yml", "validate"), ("review-diff.yml", "diff"), ("deploy.yml", "dashboards")}
NOT_RUN_HERE = {
    ("test.yml", "test"): "runs `make test`, whose bootstrap installs the Debian packages itself: this suite",
    ("closed-loop.yml", "e2e"): "runs `make e2e`, whose bootstrap installs the Debian packages itself",
    ("deploy.yml", "rules"): "runs on the self-hosted Prometheus host, not on a GitHub image",
}
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _explain(run) -> str:
    return "\n".join(f"--- {s.name} [{s.action} rc={s.returncode}] linked={s.linked}\n{s.output[-3000:]}"
                     for s in run.steps)


def test_every_workflow_job_is_run_here_or_excluded_with_a_reason():
    jobs = {(path.name, job) for path in WORKFLOWS.glob("*.y*ml") for job in _workflow(path.name)["jobs"]}
    assert jobs == RUN_HERE | set(NOT_RUN_HERE)


def test_the_runner_path_lacks_the_tools_this_machine_has(tmp_path):
    """The control: before any step, none of the tools under test is reachable."""
    empty = {"jobs": {"j": {"steps": []}}}
    runner = Runner(empty, "j", tmp_path, tmp_path / "runner")
    done = subprocess.run([str(runner.bin / "bash"), "-c", "command -v promtool amtool k6 obsgen; echo end"],
                          env={"PATH": str(runner.bin)}, capture_output=True, text=True, timeout=30)
    assert done.stdout == "end\n"
    assert {"bash", "git", "tar", "curl"} <= {p.name for p in runner.bin.iterdir()}


def _validate_job(tmp_path: Path, workflow: dict):
    project = generated_project(tmp_path / "workspace", (every_artifact().write(tmp_path / "src"),))
    return project, Runner(workflow, "validate", project, tmp_path / "runner").run()


def test_the_validate_workflow_passes_with_only_what_it_installs(tmp_path):
    project, run = _validate_job(tmp_path, _workflow("validate.yml"))
    assert run.failed is None, _explain(run)
    ran = {s.name: s for s in run.steps}
    assert ran["obsgen validate"].action == "ran"
    report = ET.parse(project / "validate-report.xml").getroot()
    steps = {suite.get("name"): suite for suite in report.iter("testsuite")}
    for step in ("promtool-check", "promtool-test", "k6-archive", "amtool-check"):
        assert steps[step].get("skipped") == "0" and steps[step].get("failures") == "0", step
    assert "k6" in run.tools() and "obsgen" in run.tools()


@pytest.mark.parametrize("tool", ["amtool", "promtool"])
def test_the_validate_workflow_fails_without_an_install_step(tmp_path, tool):
    """Drop the step that installs `tool`: the job must fail here as on GitHub (validate exits 4)."""
    workflow = copy.deepcopy(_workflow("validate.yml"))
    steps = workflow["jobs"]["validate"]["steps"]
    installing = [s for s in steps if "run" in s and tool in s["run"] and "obsgen" not in s["run"]]
    assert len(installing) == 1, [step_name(s) for s in steps]
    steps.remove(installing[0])
    _, run = _validate_job(tmp_path, workflow)
    assert run.failed is not None and run.failed.name == "obsgen validate", _explain(run)
    out = run.failed.output
    assert tool in out and ("not found" in out or "not installed" in out), out


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def test_the_review_diff_workflow_passes_with_only_what_it_installs(tmp_path):
    origin = generated_project(tmp_path / "origin", (every_artifact().write(tmp_path / "src"),))
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _git(clone, "checkout", "-q", "--detach")
    _git(clone, "branch", "-q", "-D", "main")
    edit(clone / "catalog/shop.yaml", "for: 3m", "for: 4m")
    pipeline.generate(clone, pipeline.load_all(pipeline.catalog_paths((), clone), base=clone))
    _git(clone, "commit", "-q", "-am", "wait longer")
    runner = Runner(_workflow("review-diff.yml"), "diff", clone, tmp_path / "runner")
    runner.env.update(GIT_ENV)
    run = runner.run()
    assert run.failed is None, _explain(run)
    assert [s.name for s in run.steps if s.action == "ran"] == ["Generated files match the catalog",
                                                                "Semantic diff against the base branch"]
    assert runner.files["GITHUB_OUTPUT"].read_text() == "changed=true\n"
    diff = (clone / "obsgen-diff.md").read_text()
    assert "ShopHighErrorRate" in diff and "3m" in diff and "4m" in diff


def test_the_deploy_dashboards_job_passes_with_only_what_it_installs(tmp_path):
    project = generated_project(tmp_path / "workspace", (every_artifact().write(tmp_path / "src"),))
    with running_grafana(tokens={"glsa_ci-0000": "Editor"}) as grafana:
        runner = Runner(_workflow("deploy.yml"), "dashboards", project, tmp_path / "runner",
                        {"vars": {"GRAFANA_URL": grafana.url, "GRAFANA_ORG_ID": "1"},
                         "secrets": {"GRAFANA_TOKEN": "glsa_ci-0000"}, "inputs": {"force": False}})
        run = runner.run()
        assert run.failed is None, _explain(run)
        assert [s.name for s in run.steps if s.action == "ran"] == [
            "Generated files match the catalog", "Plan (read only)", "Deploy dashboards"]
        assert set(grafana.dashboards) == {"shop"}
