"""The closed loop's configs, checked by the real tools without starting anything: Prometheus config and
time-scaled committed rules by promtool, the redirected committed Alertmanager config by amtool; and
the loop reads the committed files, so a hand edit to one changes what it runs."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from generator.catalog import load_catalog
from tests.e2e.configs import (
    _dashboard_variables, alertmanager_loop_config, dashboard_targets, grafana_variables, loop_rule_files,
    prometheus_config, substitute_grafana_variables,
)
from tests.support.paths import AMPEL, REPO

# make test installs both; without them these tests fail, never skip.
PROMTOOL, AMTOOL = shutil.which("promtool") or "promtool", shutil.which("amtool") or "amtool"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(AMPEL.relative_to(REPO))


def test_prometheus_config_and_scaled_rules_pass_promtool(catalog, tmp_path):
    names = []
    for rel, text in loop_rule_files(REPO).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        names.append(str(path))
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(catalog, "127.0.0.1:1", "127.0.0.1:2", names)))
    result = subprocess.run([PROMTOOL, "check", "config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(names)} rule files found" in result.stdout + result.stderr or "SUCCESS" in result.stdout


def test_the_loop_runs_the_committed_files_so_a_hand_edit_changes_what_it_runs(tmp_path):
    for folder in ("alerts", "recording_rules", "alertmanager", "dashboards"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    assert loop_rule_files(tmp_path) == loop_rule_files(REPO)
    alerts = tmp_path / "alerts/ampel-dashboard-summary-alerts.yaml"
    alerts.write_text(alerts.read_text().replace("ratio_rate5m > 0.01", "ratio_rate5m > 0.99"))
    scaled = yaml.safe_load(loop_rule_files(tmp_path)["alerts/ampel-dashboard-summary-alerts.yaml"])
    rule = next(r for r in scaled["groups"][0]["rules"] if r["alert"] == "DashboardSummaryHighErrorRate")
    assert rule["expr"] == "job:ampel_dashboard_errors:ratio_rate5m > 0.99" and rule["for"] == "3s"
    config = tmp_path / "alertmanager/alertmanager.yml"
    config.write_text(config.read_text().replace("repeat_interval: 1h", "repeat_interval: 2h"))
    routes = alertmanager_loop_config(tmp_path, "http://127.0.0.1:9")["route"]["routes"][0]["routes"]  # ampel's subtree
    assert routes[0]["repeat_interval"] == "12s"  # 2h / 600
    board = tmp_path / "dashboards/ampel-dashboard-summary.json"
    board.write_text(board.read_text().replace('sum(up{job=~\\"$job\\", instance=~\\"$instance\\"})',
                                               'sum(up{job=\\"nope\\"})'))
    assert "sum(up{job=\"nope\"})" in [expr for _, expr in dashboard_targets(tmp_path)]


def test_redirected_alertmanager_config_keeps_the_generated_routes(catalog, tmp_path):
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(alertmanager_loop_config(REPO, "http://127.0.0.1:9")))
    check = subprocess.run([AMTOOL, "check-config", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    for severity in ("critical", "warning"):
        route = subprocess.run([AMTOOL, "config", "routes", "test", f"--config.file={config}", f"severity={severity}",
                                *(f"{k}={v}" for k, v in catalog.alerting.match)],
                               capture_output=True, text=True, timeout=30)
        assert route.stdout.strip() == {"critical": "pagerduty-backend", "warning": "slack-backend"}[severity]


def test_grafana_variables_are_substituted_in_every_panel_target(catalog):
    exprs = [t.expr for d in catalog.dashboards for r in d.rows for p in r.panels for t in p.targets]
    assert any("$__rate_interval" in e for e in exprs)
    board = json.loads((REPO / "dashboards" / "ampel-dashboard-summary.json").read_text(encoding="utf-8"))
    variables = {**grafana_variables(), **_dashboard_variables(board)}
    assert variables["$job"] == variables["$instance"] == ".+"  # "All": any value of the label
    for expr in exprs:
        out = substitute_grafana_variables(expr.replace("$selector", 'job="x"'), variables)
        assert "$" not in out and "[4s]" in out or "[" not in out
    with pytest.raises(ValueError, match=r"\$__unknown"):
        substitute_grafana_variables("rate(x[$__unknown])")


def test_ci_runs_the_closed_loop_and_keeps_its_logs_on_failure():
    ci_script = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci_script  # make test includes the e2e marker
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "closed-loop.yml").read_text())
    steps = workflow["jobs"]["e2e"]["steps"]
    run = next(s for s in steps if s.get("name") == "make e2e")
    assert run["run"] == "make e2e" and run["env"]["OBSGEN_E2E_LOGS"].endswith("/e2e-logs")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "failure()" and upload["with"]["path"] == "e2e-logs/"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^e2e:.*\n\t\$\(PYTEST\) -q -m e2e$", makefile, re.M)
