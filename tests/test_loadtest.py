"""`obsgen loadtest` and the generated k6 scripts against the real reference exporter."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from generator.cli import cli
from generator.cli.common import run_guarded
from generator.errors import EXIT_TOOL, ToolMissing
from generator.loadtest.binary import K6_EXIT_THRESHOLDS, find_k6
from tests.support.cli import obsgen
from tests.support.exporter_server import running_exporter
from tests.support.paths import AMPEL, REPO
from tests.support.project import generated_project


@pytest.fixture(scope="module")
def exporter(tmp_path_factory):
    with running_exporter(tmp_path_factory.mktemp("exporter"), ("small",), "--enable-fault-injection") as url:
        yield url


def test_smoke_run_on_the_small_dataset_passes_its_thresholds(exporter, tmp_path):
    summary = tmp_path / "small.json"
    result = obsgen("loadtest", "small_dataset", "--base-url", exporter, "--token", "token-small", "--duration", "3s", "--think-time", "0.01",
                    "--summary", str(summary), cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scenario small_dataset: PASS" in result.stdout
    assert f"JSON summary: {summary}" in result.stdout
    report = json.loads(summary.read_text())
    assert report["verdict"] == "PASS" and report["requests"] > 10
    assert {t["threshold"] for t in report["thresholds"]} == {"p(95)<100", "p(95)<200", "rate<0.01", "rate==1",
                                                               "rate<0.001", "p(99)<500"}  # and the two SLOs'
    assert all(t["ok"] for t in report["thresholds"])
    tagged = report["k6"]["metrics"]
    assert "http_req_duration{scenario:small_dataset}" in tagged


def test_sequential_sampling_reports_average_min_and_max(exporter, tmp_path):
    result = obsgen("loadtest", "sequential_sampling", "--base-url", exporter, "--token", "token-small", "--summary", str(tmp_path / "s.json"),
                    cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(l for l in result.stdout.splitlines() if "response time:" in l)
    assert all(word in line for word in ("avg", "min", "max"))
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["requests"] == 5
    times = report["response_time_ms"]
    assert 0 < times["min"] <= times["avg"] <= times["max"]


def test_crossed_thresholds_exit_with_k6s_code_99(exporter, tmp_path):
    requests.post(f"{exporter}/-/faults", json={"latency_seconds": 0.25, "error_rate": 0}, timeout=5).raise_for_status()
    try:
        result = obsgen("loadtest", "small_dataset", "--base-url", exporter, "--token", "token-small", "--duration", "2s",
                        "--summary", str(tmp_path / "slow.json"), cwd=REPO, timeout=60)
    finally:
        requests.post(f"{exporter}/-/faults", json={"latency_seconds": 0, "error_rate": 0}, timeout=5)
    assert result.returncode == K6_EXIT_THRESHOLDS, result.stdout + result.stderr
    assert "scenario small_dataset: FAIL" in result.stdout
    assert "CROSSED http_req_duration{scenario:small_dataset}: p(95)<100" in result.stdout


def test_a_wrong_token_fails_the_checks(exporter, tmp_path):
    result = obsgen("loadtest", "sequential_sampling", "--base-url", exporter, "--token", "not-a-token",
                    "--summary", str(tmp_path / "t.json"), cwd=REPO, timeout=60)
    assert result.returncode == K6_EXIT_THRESHOLDS
    assert "CROSSED checks{scenario:sequential_sampling}: rate==1" in result.stdout


def test_unknown_scenario_is_a_usage_error_listing_the_known_ones():
    result = obsgen("loadtest", "nope", cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert "unknown scenario 'nope'" in result.stderr and "small_dataset" in result.stderr


def test_missing_k6_is_a_clear_error_with_exit_code_4(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(ToolMissing, match="k6 not found on PATH"):
        find_k6()
    monkeypatch.setattr(sys, "argv", ["obsgen", "loadtest", "small_dataset", "--base-url", "http://127.0.0.1:9"])
    with pytest.raises(SystemExit) as exc:
        run_guarded(cli)
    assert exc.value.code == EXIT_TOOL
    assert "k6 not found" in capsys.readouterr().err


def test_the_default_summary_goes_to_var_loadtest_under_the_root_not_the_working_directory(exporter, tmp_path):
    root, cwd = generated_project(tmp_path / "project", (AMPEL,)), tmp_path / "cwd"
    cwd.mkdir()
    result = obsgen("loadtest", "sequential_sampling", "--base-url", exporter, "--token", "token-small", "--root", str(root), cwd=cwd, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(cwd.iterdir()) == []
    summary = root / "var" / "loadtest" / "k6-summary-sequential_sampling.json"
    assert f"JSON summary: {summary}" in result.stdout
    assert json.loads(summary.read_text())["requests"] == 5


def _ignored(path: str) -> bool:
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO, capture_output=True)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


def test_gitignore_covers_k6_summaries_and_no_tracked_file():
    assert _ignored("var/loadtest/k6-summary-small_dataset.json")
    assert _ignored("k6-summary-small_dataset.json")  # a bare `k6 run` writes it to the working directory
    assert not _ignored("k6/small_dataset.js") and not _ignored("k6/lib/obsgen.js")
    tracked_but_ignored = subprocess.run(["git", "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=REPO,
                                         capture_output=True, text=True, check=True).stdout
    assert tracked_but_ignored == ""
