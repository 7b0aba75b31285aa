"""`deploy prometheus` against a real Prometheus (with --web.enable-lifecycle): reload and verify,
and the rollback when Prometheus rejects the new rule files or does not load them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from generator import pipeline
from generator.cli.deploy import rule_files
from generator.deploy.prometheus import PrometheusDeploy, PrometheusDeployError, expected_groups
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, REPO
from tests.support.ports import free_port
from tests.support.processes import ManagedProcess

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def start_prometheus(tmp_path: Path, watched: Path, lifecycle: bool = True):
    """A Prometheus whose rule_files are watched/*.yaml, on a free port; the caller stops it."""
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global:\n  evaluation_interval: 1m\nrule_files:\n  - {watched}/*.yaml\n")
    port = free_port()
    process = ManagedProcess("prometheus", [PROMETHEUS, f"--config.file={config}",
                                            f"--storage.tsdb.path={tmp_path / 'data'}",
                                            f"--web.listen-address=127.0.0.1:{port}"]
                             + (["--web.enable-lifecycle"] if lifecycle else []),
                             tmp_path / "prometheus.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_http_ok(url + "/-/ready", timeout=30)
    except BaseException:
        process.stop()
        raise
    return process, url


@pytest.fixture
def rules_dir(tmp_path):
    path = tmp_path / "rules.d"
    path.mkdir()
    return path


@pytest.fixture
def prometheus(tmp_path, rules_dir):
    process, url = start_prometheus(tmp_path, rules_dir)
    try:
        yield url
    finally:
        process.stop()


@pytest.fixture(scope="module")
def ampel_rules():
    return rule_files(pipeline.load_all([AMPEL]))


def served(url: str) -> dict[tuple[str, str], int]:
    groups = requests.get(url + "/api/v1/rules", timeout=5).json()["data"]["groups"]
    return {(Path(g["file"]).name, g["name"]): len(g["rules"]) for g in groups}


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def expected(files: dict[str, str]) -> dict[tuple[str, str], int]:
    return {(g.file, g.name): g.rules for g in expected_groups(files)}


def test_deploy_reloads_and_verifies_every_group(prometheus, rules_dir, ampel_rules):
    (rules_dir / "team-notes.yaml").write_text("groups: []\n")  # hand-written, must stay
    result = run_obsgen("deploy", "prometheus", "--rules-dir", str(rules_dir), "--url", prometheus, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    files, _ = ampel_rules
    # the alerts and recording rules, and the SLOs' of each
    assert served(prometheus) == expected(files) and sorted(files) == [
        "ampel-dashboard-summary-alerts.yaml", "ampel-dashboard-summary-recording.yaml",
        "ampel-dashboard-summary-slo-alerts.yaml", "ampel-dashboard-summary-slo-recording.yaml"]
    assert snapshot(rules_dir) == {**files, "team-notes.yaml": "groups: []\n"}
    rules = sum(expected(files).values())
    assert result.stdout.splitlines()[-1] == (f"4 file(s) written, 0 removed, 0 unchanged; Prometheus reloaded and "
                                              f"serves 4 group(s) with {rules} rule(s) from them")
    again = run_obsgen("deploy", "prometheus", "--rules-dir", str(rules_dir), "--url", prometheus, cwd=REPO)
    assert again.returncode == 0 and "0 file(s) written, 0 removed, 4 unchanged" in again.stdout


def test_rejected_rules_are_rolled_back(prometheus, rules_dir, ampel_rules):
    files, catalogs = ampel_rules
    deploy = PrometheusDeploy(prometheus, rules_dir, timeout=10, out=lambda line: None)
    deploy.run(files, catalogs)
    before_files, before_served = snapshot(rules_dir), served(prometheus)

    broken = dict(files)
    alerts = next(name for name in files if name.endswith("-alerts.yaml"))
    broken[alerts] = files[alerts].replace("expr: ", "expr: sum(", 1)  # an unbalanced parenthesis
    broken["new-group.yaml"] = files[alerts].replace("-alerts\n", "-extra\n")  # a file new in this deploy
    with pytest.raises(PrometheusDeployError) as raised:
        deploy.run(broken, catalogs)
    assert raised.value.rolled_back and not raised.value.unreachable
    assert "Prometheus rejected the new rule files (HTTP 500" in str(raised.value)
    assert "the previous rule files were restored" in str(raised.value)
    assert snapshot(rules_dir) == before_files  # changed file restored, new one removed
    assert served(prometheus) == before_served  # and Prometheus reloaded onto them
    reload_ok = requests.post(prometheus + "/-/reload", timeout=10)
    assert reload_ok.status_code == 200  # the directory is loadable again


def test_rules_prometheus_does_not_load_are_rolled_back(tmp_path, rules_dir, ampel_rules):
    elsewhere = tmp_path / "other-rules"
    elsewhere.mkdir()
    process, url = start_prometheus(tmp_path, elsewhere)  # rule_files does not name rules_dir
    try:
        (rules_dir / "ampel-dashboard-summary-alerts.yaml").write_text("# previous\ngroups: []\n")
        result = run_obsgen("deploy", "prometheus", "--rules-dir", str(rules_dir), "--url", url, cwd=REPO)
        assert result.returncode == 10, result.stdout + result.stderr
        assert "is not loaded (is " in result.stderr and "the previous rule files were restored" in result.stderr
        assert snapshot(rules_dir) == {"ampel-dashboard-summary-alerts.yaml": "# previous\ngroups: []\n"}
    finally:
        process.stop()


def test_prometheus_without_the_lifecycle_api_is_named(tmp_path, rules_dir):
    process, url = start_prometheus(tmp_path, rules_dir, lifecycle=False)
    try:
        result = run_obsgen("deploy", "prometheus", "--rules-dir", str(rules_dir), "--url", url, cwd=REPO)
        assert result.returncode == 10
        assert "Prometheus refuses /-/reload: start it with --web.enable-lifecycle" in result.stderr
        assert list(rules_dir.iterdir()) == []
    finally:
        process.stop()


def test_unreachable_prometheus_exit_9_and_files_restored(rules_dir):
    url = f"http://127.0.0.1:{free_port()}"
    result = run_obsgen("deploy", "prometheus", "--rules-dir", str(rules_dir), "--url", url, "--timeout", "2", cwd=REPO)
    assert result.returncode == 9
    assert "cannot reach Prometheus" in result.stderr and list(rules_dir.iterdir()) == []
