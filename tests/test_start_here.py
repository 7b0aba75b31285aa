"""docs/start-here.md is a walk-through that works: each of its `obsgen init`, `schema`, `import`,
`lint`, `generate`, `validate` and `diff` lines is run here, in the page's order, in a fresh git
repository that already holds a hand-written rule file."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from generator.validators.grafana_schema import fetch_commands
from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

PAGE = REPO / "docs" / "start-here.md"
RUN = {"init", "schema", "import", "lint", "generate", "validate", "diff"}
# the repository's hand-written alerts the page imports and lints (clean: lint exits 0)
LEGACY_ALERTS = """groups:
  - name: legacy
    rules:
      - alert: DemoApiDown
        expr: up{job="demo-api"} == 0
        for: 5m
        labels: {severity: critical, team: payments}
        annotations:
          summary: demo-api is down
          description: Prometheus has not scraped {{ $labels.instance }} for 5 minutes.
          runbook_url: https://runbooks.example.com/demo-api/DemoApiDown
"""


def _sections() -> list[tuple[str, list[list[str]]]]:
    """(heading, obsgen command lines of its sh blocks) per `## ` section."""
    out: list[tuple[str, list[list[str]]]] = []
    for chunk in re.split(r"^## ", PAGE.read_text(), flags=re.M)[1:]:
        heading = chunk.splitlines()[0]
        commands = []
        for block in re.findall(r"```sh\n(.*?)```", chunk, flags=re.S):
            for line in block.splitlines():
                words = shlex.split(line, comments=True)
                if words and words[0] == "obsgen":
                    commands.append(words[1:])
        out.append((heading, commands))
    return out


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def test_every_command_of_the_walk_through_runs(tmp_path, monkeypatch):
    repo = tmp_path / "service-repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "legacy").mkdir()
    (repo / "legacy" / "alerts.yaml").write_text(LEGACY_ALERTS)
    monkeypatch.chdir(repo)
    ran_commands = []
    for heading, commands in _sections():
        if heading.startswith("6."):  # review a change: commit the first artifacts, then change the catalog
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "adopt obsgen")
            catalog = repo / "catalog" / "demo-api.yaml"
            catalog.write_text(catalog.read_text().replace("threshold: 0.5\n", "threshold: 1\n", 1))
        for args in commands:
            if args[0] not in RUN:
                continue
            ran = run_obsgen(*args)
            assert ran.returncode == 0, f"obsgen {' '.join(args)}: {ran.output}"
            ran_commands.append((args, ran))
    assert [a[0] for a, _ in ran_commands] == ["init", "schema", "import", "lint", "generate", "validate", "generate",
                                               "diff"]
    imported = (repo / "imported-rules.yaml").read_text()
    assert "name: DemoApiDown" in imported and "expr: up{$selector} == 0" in imported
    validate = ran_commands[5][1]
    assert "validate passed: 0 error(s), 0 warning(s)" in validate.output
    diff = ran_commands[-1][1].stdout
    assert "~ alert DemoApiSlowResponses" in diff and "threshold: > 0.5 -> > 1" in diff
    assert "thresholds: green, red from 0.5 -> green, red from 1" in diff


def test_the_page_names_every_step_and_the_fetch_command_is_the_tools():
    text = PAGE.read_text()
    for named in ("obsgen import metrics URL|FILE", "obsgen import rules FILE...", "obsgen import dashboards FILE...",
                  "obsgen lint PATH...", "obsgen deploy grafana", "obsgen deploy prometheus"):
        assert named in text
    assert fetch_commands(Path("~/.cache/obsgen/grafana-schema")) in text
    assert "(docs/start-here.md)" in (REPO / "README.md").read_text()
