"""`obsgen init` and `obsgen schema`: the scaffold generates and passes validate as it is, existing
files are never overwritten without --force (exit 5, nothing written), and the catalog's `$schema`
line points at a project-local copy of the schema."""
from __future__ import annotations

import json
import os
import stat

import pytest
import yaml

from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

SCAFFOLD = {".github/workflows/obsgen-validate.yml", ".gitignore", ".obsgen.yaml", ".pre-commit-config.yaml",
            "Makefile", "catalog/catalog.schema.json", "catalog/demo-api.yaml"}


def _files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_then_generate_then_validate_passes(tmp_path):
    ran = run_obsgen("init", "--service", "demo-api", "--team", "payments", "--dir", str(tmp_path))
    assert ran.returncode == 0, ran.output
    assert set(_files(tmp_path)) == SCAFFOLD
    catalog = (tmp_path / "catalog" / "demo-api.yaml").read_text()
    assert catalog.splitlines()[0] == "# yaml-language-server: $schema=catalog.schema.json"
    data = yaml.safe_load(catalog)
    assert data["service"]["name"] == "demo-api" and data["service"]["team"] == "payments"
    assert data["service"]["selector"] == {"job": "demo-api"}
    assert [r["name"] for r in data["alerting"]["receivers"]] == ["payments-pagerduty", "payments-slack"]
    # today's format: routes with matchers, never the old `severities:` shorthand on receivers
    assert "severities" not in catalog
    assert not any("severities" in r or "repeat_interval" in r for r in data["alerting"]["receivers"])
    assert data["alerting"]["default_receiver"] == "payments-slack"
    assert data["alerting"]["group_by"] == ["alertname", "job"]
    assert data["alerting"]["routes"][0] == {"receiver": "payments-pagerduty", "matchers": ['severity="critical"'],
                                             "repeat_interval": "1h"}
    assert [v["name"] for v in data["dashboards"][0]["variables"]] == ["job", "instance"]
    assert [(s["name"], s["target"]) for s in data["slos"]] == [("availability", 99.9)]
    generated = run_obsgen("generate", "--root", str(tmp_path))
    assert generated.returncode == 0, generated.output
    assert "dashboards/demo-api-overview.json" in generated.output
    assert (tmp_path / "alerts" / "demo-api-alerts.yaml").is_file()
    assert (tmp_path / "tests" / "rules" / "demo-api-test.yaml").is_file()
    _assert_the_generated_files_show_the_current_format(tmp_path)
    checked = run_obsgen("validate", "--root", str(tmp_path))
    assert checked.returncode == 0, checked.output
    assert "validate passed: 0 error(s), 0 warning(s)" in checked.output
    # every step ran on the scaffold: none is empty for want of input
    for step in ("promtool-test", "amtool-check", "dashboard-schema"):
        assert any(line.startswith(step) for line in checked.output.splitlines())


def _assert_the_generated_files_show_the_current_format(root):
    """The scaffold's routes, dashboard variables and SLO, as they come out of `generate`."""
    config = yaml.safe_load((root / "alertmanager" / "alertmanager.yml").read_text())
    [subtree] = config["route"]["routes"]
    assert subtree["receiver"] == "payments-slack"  # the default receiver
    assert sorted(subtree["matchers"]) == ['job="demo-api"', 'team="payments"']
    assert subtree["routes"] == [
        {"receiver": "payments-pagerduty", "matchers": ['severity="critical"'], "repeat_interval": "1h"},
        {"receiver": "payments-slack", "matchers": ['severity=~"warning|info"']}]
    # a page of the SLO holds back its tickets
    assert {"source_matchers": ['slo_alert="page"'], "target_matchers": ['slo_alert="ticket"'],
            "equal": ["slo", "job", "team"]} in config["inhibit_rules"]
    overview = json.loads((root / "dashboards" / "demo-api-overview.json").read_text())
    variables = {v["name"]: v for v in overview["templating"]["list"]}
    assert variables["job"]["query"] == 'label_values(up{job="demo-api"}, job)'
    assert variables["instance"]["query"] == 'label_values(up{job=~"$job"}, instance)'
    exprs = [t["expr"] for p in overview["panels"] for t in p.get("targets", [])]
    assert 'http_requests_total{job=~"$job", instance=~"$instance"}' in exprs[-1]
    slo_alerts = yaml.safe_load((root / "alerts" / "demo-api-slo-alerts.yaml").read_text())
    rules = [r for g in slo_alerts["groups"] for r in g["rules"]]
    assert [(r["alert"], r["labels"]["slo_alert"], r["labels"]["severity"]) for r in rules] == [
        ("DemoApiAvailabilityBudgetBurn1h", "page", "critical"), ("DemoApiAvailabilityBudgetBurn6h", "page", "critical"),
        ("DemoApiAvailabilityBudgetBurn1d", "ticket", "warning"), ("DemoApiAvailabilityBudgetBurn3d", "ticket", "warning")]
    recorded = yaml.safe_load((root / "recording_rules" / "demo-api-slo-recording.yaml").read_text())
    records = {r["record"]: r["expr"] for g in recorded["groups"] for r in g["rules"]}
    assert records["job:slo_availability_errors:rate5m"] == 'sum by (job) (rate(http_requests_total{job="demo-api", code="5xx"}[5m]))'
    assert "job:slo_availability_error_budget:remaining_ratio30d" in records
    # one promtool file per evaluation interval: each tier's short window (5m, 30m, 2h, 6h)
    assert sorted(p.name for p in (root / "tests" / "rules").glob("demo-api-slo-*-test.yaml")) == [
        "demo-api-slo-2h-test.yaml", "demo-api-slo-30m-test.yaml", "demo-api-slo-5m-test.yaml",
        "demo-api-slo-6h-test.yaml"]
    assert (root / "dashboards" / "demo-api-slo.json").is_file()


def test_the_schema_copy_is_the_package_schema_and_obsgen_schema_prints_it(tmp_path):
    source = json.loads((REPO / "generator" / "catalog" / "catalog.schema.json").read_text())
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    assert json.loads((tmp_path / "catalog" / "catalog.schema.json").read_text()) == source
    printed = run_obsgen("schema")
    assert printed.returncode == 0 and json.loads(printed.stdout) == source
    target = tmp_path / "elsewhere" / "catalog.schema.json"
    written = run_obsgen("schema", "-o", str(target))
    assert written.returncode == 0 and written.stdout == ""
    assert json.loads(target.read_text()) == source


def test_files_are_written_with_the_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "Makefile").stat().st_mode) == 0o644
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_existing_files_are_refused_with_exit_5_and_nothing_is_written(tmp_path):
    (tmp_path / "Makefile").write_text("all:\n\techo mine\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    ran = run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path))
    assert ran.returncode == 5
    assert ".pre-commit-config.yaml, Makefile" in ran.stderr and "nothing was written" in ran.stderr
    assert set(_files(tmp_path)) == {"Makefile", ".pre-commit-config.yaml"}
    assert (tmp_path / "Makefile").read_text() == "all:\n\techo mine\n"


def test_force_overwrites_and_a_second_run_changes_nothing(tmp_path):
    (tmp_path / "Makefile").write_text("all:\n")
    ran = run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path), "--force")
    assert ran.returncode == 0, ran.output
    assert "$(OBSGEN) generate dashboards" in (tmp_path / "Makefile").read_text()
    before = _files(tmp_path)
    again = run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path))
    assert again.returncode == 0, again.output  # same content is no conflict
    assert "0 file(s) written" in again.stdout and _files(tmp_path) == before


def test_an_existing_gitignore_is_extended_not_replaced(tmp_path):
    (tmp_path / ".gitignore").write_text("node_modules/\n/validate-report.xml")
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules/", "/validate-report.xml"]
    assert lines.count("/validate-report.xml") == 1 and "/.grafana-schema/" in lines


def test_another_service_does_not_conflict_with_the_first(tmp_path):
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    ran = run_obsgen("init", "--service", "billing", "--dir", str(tmp_path))
    # the shared files are the same for every service, so only the new catalog is written
    assert ran.returncode == 0, ran.output
    assert "wrote    catalog/billing.yaml" in ran.stdout and (tmp_path / "catalog" / "demo-api.yaml").is_file()
    # one team's services share its receivers (the same declaration in both), so the project still validates
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    checked = run_obsgen("validate", "--root", str(tmp_path))
    assert checked.returncode == 0 and "validate passed: 0 error(s), 0 warning(s)" in checked.output, checked.output
    config = yaml.safe_load((tmp_path / "alertmanager" / "alertmanager.yml").read_text())
    assert sorted(m for r in config["route"]["routes"] for m in r["matchers"] if m.startswith("job=")) == [
        'job="billing"', 'job="demo-api"']
    assert [r["name"] for r in config["receivers"]] == ["platform-pagerduty", "platform-slack"]  # the default team


@pytest.mark.parametrize("args, message", [
    (["--service", "Demo_API"], "not a valid service name"),
    (["--service", "demo-api", "--team", "a team"], "not a valid team name"),
    ([], "Missing option '--service'"),
])
def test_bad_arguments_are_usage_errors_and_write_nothing(tmp_path, args, message):
    ran = run_obsgen("init", *args, "--dir", str(tmp_path / "p"))
    assert ran.returncode == 2 and message in ran.stderr
    assert not (tmp_path / "p").exists()


def test_the_workflow_validates_pull_requests_with_the_pinned_tools(tmp_path):
    assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
    ours = yaml.safe_load((tmp_path / ".github" / "workflows" / "obsgen-validate.yml").read_text())
    project = yaml.safe_load((REPO / ".github" / "workflows" / "validate.yml").read_text())
    assert "pull_request" in ours[True]
    assert ours["env"]["GRAFANA_SCHEMA_REF"] == project["env"]["GRAFANA_SCHEMA_REF"]
    assert ours["env"]["PROMETHEUS_VERSION"] == project["env"]["PROMETHEUS_VERSION"] == "2.42.0"
    assert ours["env"]["ALERTMANAGER_VERSION"] == "0.25.0"
    script = "\n".join(s.get("run", "") for s in ours["jobs"]["validate"]["steps"])
    assert "/promtool\"" in script and "/amtool\"" in script and "AMTOOL=" in script and "PROMTOOL=" in script
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["entry"] for h in hooks] == ["obsgen generate --check", "obsgen validate"]


def test_a_write_that_fails_midway_leaves_nothing_behind(tmp_path):
    (tmp_path / "catalog").write_text("a file where the catalog folder goes\n")  # staged last: others are staged
    ran = run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path))
    assert ran.returncode == 5 and "Traceback" not in ran.stderr
    assert "none was half-written" in ran.stderr
    assert set(_files(tmp_path)) == {"catalog"}
    assert [p.name for p in tmp_path.iterdir()] == ["catalog"]  # the folders made for staging are gone


def test_generated_files_and_the_schema_copy_get_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        assert run_obsgen("init", "--service", "demo-api", "--dir", str(tmp_path)).returncode == 0
        assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
        assert run_obsgen("schema", "-o", str(tmp_path / "copy.json")).returncode == 0
    finally:
        os.umask(old)
    for rel in ("alerts/demo-api-alerts.yaml", "dashboards/demo-api-overview.json", "copy.json"):
        assert stat.S_IMODE((tmp_path / rel).stat().st_mode) == 0o640, rel
