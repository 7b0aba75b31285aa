"""`promtool test rules` past its time limit: the report keeps everything that finished, names what did
not, and validate exits 4; the limit is an option (and an environment variable)."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from generator.validators import promtool_steps
from generator.validators.run import validate
from tests.support.cli import obsgen
from tests.support.paths import AMPEL
from tests.support.project import generated_project

pytestmark = pytest.mark.promtool


@pytest.fixture()
def project(tmp_path):
    return generated_project(tmp_path / "project", (AMPEL,))


def _report_lines(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines() if "finding(s)" in line}


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_timeout_keeps_the_report_and_exits_4(project, how):
    args, env = (["--promtool-timeout", "0.001"], None) if how == "option" else ([], {"OBSGEN_PROMTOOL_TIMEOUT": "0.001"})
    out = obsgen("validate", *args, cwd=project, env=env)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "promtool-test/promtool-timeout" in out.stdout
    assert "tests/rules/ampel-dashboard-summary-test.yaml" in out.stdout
    assert "did not finish within 0.001 s" in out.stdout
    steps = _report_lines(out.stdout)
    # every step ran and is in the report, the ones after promtool-test included
    assert {"fresh", "promtool-check", "promtool-test", "crosscheck", "lint", "k6-archive", "amtool-check"} <= set(steps)
    # one timeout finding per test file and batch it was cut into (the SLO test files are split too),
    # and every test file of the project is named
    timeouts = [line for line in out.stdout.splitlines() if "promtool-test/promtool-timeout" in line]
    assert f"{len(timeouts)} finding(s)" in steps["promtool-test"]
    for path in sorted((project / "tests" / "rules").glob("*.yaml")):
        assert any(f"tests/rules/{path.name}:" in line for line in timeouts), path.name
    assert "Traceback" not in out.stderr


def test_the_default_limit_lets_the_tests_finish(project):
    out = obsgen("validate", "--promtool-timeout", "120", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_bad_limit_is_a_usage_error(project):
    out = obsgen("validate", "--promtool-timeout", "0", cwd=project)
    assert out.returncode == 2


HANG_WRAPPER = """\
#!/bin/sh
# promtool, except that a test run naming a "hang" file never ends
case "$*" in *hang*) exec sleep 60;; esac
exec {promtool} "$@"
"""

UNSPLIT_TEST = """\
rule_files: ['../../alerts/*.yaml']
evaluation_interval: 1m
tests:
- name: '{name}'
  interval: 1m
  input_series:
  - series: 'up{{job="ampel-api", instance="i"}}'
    values: '0x10'
  alert_rule_test:
  - eval_time: 5m
    alertname: DashboardSummaryTargetDown
    exp_alerts: []
"""


def test_batches_that_finished_keep_their_verdicts(project, tmp_path, monkeypatch):
    """Two batches side by side: one hangs past the limit, the other's planted failure is still reported."""
    real = shutil.which("promtool")
    wrapper = tmp_path / "promtool"
    wrapper.write_text(HANG_WRAPPER.format(promtool=real))
    wrapper.chmod(0o755)
    monkeypatch.setenv("PROMTOOL", str(wrapper))
    monkeypatch.setattr(promtool_steps, "TESTS_PER_BATCH", 1)
    monkeypatch.setattr(promtool_steps, "cores", lambda: 2)
    rules = project / "tests" / "rules"
    for path in rules.glob("*.yaml"):
        path.unlink()
    # globbed rule files: each file runs whole, as one job, so each lands in its own batch
    (rules / "planted-test.yaml").write_text(UNSPLIT_TEST.format(name="planted: the target is down, so it fires"))
    (rules / "hang-test.yaml").write_text(UNSPLIT_TEST.format(name="never answered"))
    result = validate(project, skip=("k6-archive", "amtool-check", "dashboard-schema"), promtool_timeout=3)
    step = next(s for s in result.steps if s.name == "promtool-test")
    found = sorted((f.file, f.rule) for f in step.findings if f.rule != "untested-rule")
    assert found == [("tests/rules/hang-test.yaml", "promtool-timeout"),
                     ("tests/rules/planted-test.yaml", "alert-test-failed")]
    assert step.seconds < 30  # the hung process was stopped at the limit, not waited for
    assert [s.name for s in result.steps][-3:] == ["lint", "k6-archive", "amtool-check"]
