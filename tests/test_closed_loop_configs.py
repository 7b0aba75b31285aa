"""The closed loop's configs, checked by the real tools without starting anything: Prometheus config and
time-scaled rules by promtool, the redirected Alertmanager config by amtool."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from tests.e2e.configs import (
    TIME_SCALE, alertmanager_loop_config, loop_rule_files, prometheus_config, substitute_grafana_variables,
)
from tests.support.paths import AMPEL, REPO

# make test installs both; without them these tests fail, never skip.
PROMTOOL, AMTOOL = shutil.which("promtool") or "promtool", shutil.which("amtool") or "amtool"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(AMPEL.relative_to(REPO))


def test_prometheus_config_and_scaled_rules_pass_promtool(catalog, tmp_path):
    names = []
    for rel, text in loop_rule_files(catalog).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        names.append(str(path))
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(catalog, "127.0.0.1:1", "127.0.0.1:2", names)))
    result = subprocess.run([PROMTOOL, "check", "config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(names)} rule files found" in result.stdout + result.stderr or "SUCCESS" in result.stdout


def test_scaled_rules_keep_names_and_expressions_and_divide_windows(catalog):
    full = {r.name: r for g in build_rule_groups(catalog) for r in g.rules}
    scaled = {r.name: r for g in build_rule_groups(catalog, scale=TIME_SCALE) for r in g.rules}
    assert set(full) == set(scaled)
    assert scaled["DashboardSummarySlowResponse"].for_ == "5s" and full["DashboardSummarySlowResponse"].for_ == "5m"
    for name, rule in full.items():
        assert rule.expr.replace("[5m]", "[5s]") == scaled[name].expr, name
        assert rule.annotations == scaled[name].annotations and rule.labels == scaled[name].labels


def test_redirected_alertmanager_config_keeps_the_generated_routes(catalog, tmp_path):
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(alertmanager_loop_config(catalog, "http://127.0.0.1:9")))
    check = subprocess.run([AMTOOL, "check-config", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    for severity in ("critical", "warning"):
        route = subprocess.run([AMTOOL, "config", "routes", "test", f"--config.file={config}", f"severity={severity}",
                                *(f"{k}={v}" for k, v in catalog.alerting.match)],
                               capture_output=True, text=True, timeout=30)
        assert route.stdout.strip() == catalog.alerting.receiver_for(severity)


def test_grafana_variables_are_substituted_in_every_panel_target(catalog):
    exprs = [t.expr for d in catalog.dashboards for r in d.rows for p in r.panels for t in p.targets]
    assert any("$__rate_interval" in e for e in exprs)
    for expr in exprs:
        out = substitute_grafana_variables(expr.replace("$selector", 'job="x"'))
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
