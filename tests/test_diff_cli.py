"""`obsgen diff` end to end: a real git repository in a temp dir, refs, directories, exit codes."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.inprocess import run_obsgen

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
RULES = "groups:\n- name: api\n  rules:\n  - alert: ApiSlow\n    expr: p95 > {t}\n    for: {f}\n"
DASHBOARD = {"uid": "api", "title": "API", "panels": [{"id": 1, "type": "stat", "title": "p95",
                                                       "targets": [{"refId": "A", "expr": "p95"}]}]}


def git(repo: Path, *args: str) -> str:
    import os
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV},
                          check=True)
    return done.stdout.strip()


def write(repo: Path, rel: str, text: str) -> None:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """main with one alert and one dashboard; branch `feature` checked out; main moved on after the fork."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "alerts/api.yaml", RULES.format(t="0.5", f="5m"))
    write(repo, "dashboards/api.json", json.dumps(DASHBOARD))
    write(repo, "other/notes.yaml", "groups: [{name: unrelated, rules: [{alert: NotReviewed, expr: vector(1)}]}]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "checkout", "-q", "main")
    write(repo, "alerts/api.yaml", RULES.format(t="0.9", f="5m"))  # on main only, after the fork
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    return repo


def test_default_is_merge_base_with_main_against_the_working_tree(repo):
    write(repo, "alerts/api.yaml", RULES.format(t="0.5", f="10m"))  # uncommitted
    done = run_obsgen("diff", cwd=repo, env=GIT_ENV)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("diff merge-base of main (") and lines[0].endswith(") -> working tree")
    # main's later threshold change (0.9) is not part of this branch's diff: only `for` changed here
    assert lines[1:] == ["alerts/api.yaml", "  group api", "    ~ alert ApiSlow", "        for: 5m -> 10m",
                         "summary: alerts: 1 changed"]


def test_exit_code_and_refs(repo):
    done = run_obsgen("diff", "--exit-code", cwd=repo, env=GIT_ENV)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "summary: no semantic changes")
    write(repo, "dashboards/api.json", json.dumps({**DASHBOARD, "panels": []}))
    git(repo, "commit", "-q", "-am", "drop the panel")
    done = run_obsgen("diff", "--base", "main", "--head", "feature", "--exit-code", "--format", "json", cwd=repo, env=GIT_ENV)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["before"], report["after"]) == ("main", "feature")
    assert [(c["kind"], c["name"], c["status"]) for c in report["changes"]] == [
        ("alert", "ApiSlow", "changed"), ("panel", "p95", "removed")]


def test_path_option_and_files_outside_the_default_paths(repo):
    write(repo, "other/notes.yaml", "groups: []\n")
    assert run_obsgen("diff", "--exit-code", cwd=repo, env=GIT_ENV).returncode == 0  # other/ is not compared by default
    done = run_obsgen("diff", "--path", "other", "--exit-code", cwd=repo, env=GIT_ENV)
    assert done.returncode == 1
    assert "- alert NotReviewed" in done.stdout


def test_two_directories(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    write(before, "rules/api.yaml", RULES.format(t="0.5", f="5m"))
    write(after, "rules/api.yaml", RULES.format(t="0.75", f="5m"))
    done = run_obsgen("diff", str(before), str(after), "--format", "markdown", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| ~ | alert `ApiSlow` | threshold | `> 0.5` | `> 0.75` |" in done.stdout.splitlines()


def test_unknown_ref_is_a_usage_error(repo):
    done = run_obsgen("diff", "--base", "no-such-ref", cwd=repo, env=GIT_ENV)
    assert done.returncode == 2
    assert "no-such-ref" in done.stderr


def test_directories_and_refs_do_not_mix(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    done = run_obsgen("diff", "a", "b", "--base", "main", cwd=tmp_path)
    assert done.returncode == 2
    assert "do not go with two directories" in done.stderr


def test_refs_of_a_bare_repository(repo, tmp_path):
    """A mirror or CI cache has no working tree: refs still compare; the working tree is a usage error."""
    git(repo, "commit", "-q", "--allow-empty", "-m", "nothing")
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    done = run_obsgen("diff", "--base", "main", "--head", "feature", "--format", "json", cwd=bare, env=GIT_ENV)
    assert done.returncode == 0, done.stderr
    assert [(c["name"], c["fields"]) for c in json.loads(done.stdout)["changes"]] == [
        ("ApiSlow", [{"field": "threshold", "before": "> 0.9", "after": "> 0.5"}])]
    done = run_obsgen("diff", "--base", "main", cwd=bare, env=GIT_ENV)
    assert done.returncode == 2
    assert "bare repository" in done.stderr and "--head" in done.stderr
