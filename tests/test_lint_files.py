"""`obsgen lint PATH...` on third-party shaped rule files and dashboards (tests/fixtures/lint): located
findings in every format, config silences, bad input, the catalog cross-checks with --catalog."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.support.catalog_edit import line_containing
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, REPO

FIXTURES = REPO / "tests" / "fixtures" / "lint"
KUBE_FINDINGS = "kube-prometheus/findings/kubernetes-prometheusRule.yaml"
AWESOME_FINDINGS = "awesome-prometheus-alerts/findings/host-and-hardware.yml"
RUNBOOK_MESSAGE = "missing runbook_url annotation: set runbook_url or service.runbook_base_url"


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """A copy of the fixtures as the working directory (so that no .obsgen.yaml of the checkout applies)."""
    shutil.copytree(FIXTURES, tmp_path / "lint")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(*args: str) -> tuple[int, dict]:
    ran = run_obsgen("lint", *args, "--format", "json")
    return ran.returncode, json.loads(ran.stdout)


def _found(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


@pytest.mark.parametrize("folder", ["kube-prometheus/clean", "awesome-prometheus-alerts/clean"])
def test_clean_third_party_files_pass(work, folder):
    ran = run_obsgen("lint", f"lint/{folder}")
    assert ran.returncode == 0, ran.output
    assert ran.stdout.rstrip().splitlines()[-1].startswith("lint passed: 0 error(s), 0 warning(s)")
    assert "Traceback" not in ran.output


def test_missing_runbook_url_is_located_in_a_prometheus_rule(work):
    ran = run_obsgen("lint", "lint/kube-prometheus/findings")
    assert ran.returncode == 1 and "Traceback" not in ran.output
    line = line_containing(work / "lint" / KUBE_FINDINGS, "- alert: KubePodCrashLooping")
    assert (f"lint/{KUBE_FINDINGS}:{line}: error: lint/alert-runbook-url [KubePodCrashLooping]: {RUNBOOK_MESSAGE}"
            in ran.stdout)


def test_third_party_defects_each_at_their_line(work):
    code, report = _json("lint/kube-prometheus/findings", "lint/awesome-prometheus-alerts/findings")
    assert code == 1
    got = sorted((f["file"], f["line"], f["rule"], f["item"]) for f in report["findings"])
    kube, awesome = work / "lint" / KUBE_FINDINGS, work / "lint" / AWESOME_FINDINGS
    mimir = "lint/awesome-prometheus-alerts/findings/mimir-ruler.yaml"
    assert got == sorted([
        (f"lint/{AWESOME_FINDINGS}", line_containing(awesome, "- alert: HostOutOfMemory"), "alert-runbook-url",
         "HostOutOfMemory"),
        (f"lint/{AWESOME_FINDINGS}", line_containing(awesome, "for: 0m"), "alert-for", "HostOomKillDetected"),
        (mimir, 7, "alert-for", "MysqlDown"),
        (f"lint/{KUBE_FINDINGS}", line_containing(kube, "- alert: Watchdog"), "alert-for", "Watchdog"),
        (f"lint/{KUBE_FINDINGS}", line_containing(kube, "severity: none"), "alert-severity", "Watchdog"),
        (f"lint/{KUBE_FINDINGS}", line_containing(kube, "- alert: KubePodCrashLooping"), "alert-runbook-url",
         "KubePodCrashLooping"),
    ])


def test_github_annotations_and_junit(work):
    line = line_containing(work / "lint" / KUBE_FINDINGS, "- alert: KubePodCrashLooping")
    ran = run_obsgen("lint", f"lint/{KUBE_FINDINGS}", "--format", "github")
    assert ran.returncode == 1
    assert (f"::error file=lint/{KUBE_FINDINGS},line={line},title=lint/alert-runbook-url::[KubePodCrashLooping] "
            f"{RUNBOOK_MESSAGE}") in ran.stdout.splitlines()
    ran = run_obsgen("lint", f"lint/{KUBE_FINDINGS}", "--format", "junit")
    suites = ET.fromstring(ran.stdout)
    assert suites.get("name") == "obsgen lint"
    failures = [case for case in suites.iter("testcase") if case.find("failure") is not None]
    assert len(failures) == 3
    runbook = next(c for c in failures if c.find("failure").get("type") == "alert-runbook-url")
    assert (runbook.get("file"), runbook.get("line")) == (f"lint/{KUBE_FINDINGS}", str(line))


def test_github_annotation_escapes_newlines_and_commas(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a,b.yaml").write_text("groups:\n- name: g\n  rules:\n  - record: bad_name\n    expr: up\n")
    ran = run_obsgen("lint", "a,b.yaml", "--format", "github")
    assert ran.stdout.splitlines()[0] == ("::error file=a%2Cb.yaml,line=4,title=lint/recording-rule-name::[bad_name] "
                                          "recording rule 'bad_name' is not named level:metric:operations")


def test_output_file_and_verdict_on_stderr(work):
    ran = run_obsgen("lint", "lint/kube-prometheus/findings", "-o", "out/report.json", "--format", "json")
    assert ran.returncode == 1 and ran.stdout == ""
    assert ran.stderr.strip().endswith("lint FAILED: 3 error(s), 0 warning(s) in " + ran.stderr.split(" in ")[-1].strip())
    assert json.loads((work / "out" / "report.json").read_text())["errors"] == 3


# -- silences from the config file --------------------------------------------------------------

def test_config_silences_by_rule_and_path(work):
    (work / ".obsgen.yaml").write_text(
        "schema: {}\n"  # other keys belong to other commands
        "lint:\n  silences:\n"
        "    - rule: alert-runbook-url\n      path: 'lint/kube-prometheus/*/*.yaml'\n      reason: upstream runbooks\n"
        "    - rule: alert-for\n      reason: watchdogs fire at once\n")
    code, report = _json("lint/kube-prometheus/findings", "lint/awesome-prometheus-alerts/findings")
    assert code == 1
    assert [(f["file"], f["rule"]) for f in report["findings"]] == [
        (f"lint/{AWESOME_FINDINGS}", "alert-runbook-url"),  # the glob does not cover this file
        (f"lint/{KUBE_FINDINGS}", "alert-severity")]


def test_config_given_with_flag_and_unknown_silenced_rule(work):
    config = work / "cfg.yaml"
    config.write_text("lint:\n  silences:\n    - rule: alert-runbok-url\n      reason: typo\n")
    code, report = _json("lint/kube-prometheus/clean", "--config", "cfg.yaml")
    assert code == 0
    [warning] = report["findings"]
    assert (warning["rule"], warning["severity"], warning["file"], warning["line"]) == (
        "silence-unknown-rule", "warning", "cfg.yaml", 3)


def test_config_without_reason_is_a_located_error(work):
    (work / ".obsgen.yaml").write_text("lint:\n  silences:\n    - rule: alert-for\n      path: x\n")
    ran = run_obsgen("lint", "lint/kube-prometheus/clean", "-o", "report.txt")
    assert ran.returncode == 3
    assert ".obsgen.yaml:3: lint.silences[0]: `reason` must say why the rule is silenced" in ran.stderr
    assert not (work / "report.txt").exists()


# -- bad input: located, exit 3, nothing written ------------------------------------------------

@pytest.mark.parametrize("name, text, expected", [
    ("bad.json", '{"panels": [\n  {"id": 1,,}\n]}', "bad.json:2: not valid JSON: Expecting property name"),
    ("bad.yaml", "groups:\n- name: g\n  rules: [\n", "bad.yaml:4: not valid YAML:"),
    ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
     "deploy.yaml:1: unknown kind Deployment: lint reads a Prometheus or Mimir rule file"),
    ("values.yaml", "replicas: 3\n", "values.yaml:1: not a rule file or dashboard: lint reads"),
    ("notes.txt", "hello\n", "notes.txt: not a rule file or dashboard: lint reads .yaml, .yml and .json files"),
    ("groups.yaml", "groups: 3\n", "groups.yaml: `groups` is not a list"),
    ("shape.yaml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: [a]\n",
     "shape.yaml:6: groups[0].rules[0].labels: `labels` must be a mapping of names to values"),
    ("both.yaml", "groups:\n- name: g\n  rules:\n  - alert: A\n    record: a\n    expr: up\n",
     "both.yaml:4: groups[0].rules[0]: not a rule: a rule has one non-empty `alert:` or `record:`"),
    ("expr.yaml", "---\nkind: Other\n---\ngroups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: {x: 1}\n",
     "expr.yaml:8: document 2: groups[0].rules[0].expr: record 'a:b:c': `expr` must be a PromQL string"),
])
def test_bad_input_is_a_located_error(tmp_path, monkeypatch, name, text, expected):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    ran = run_obsgen("lint", name, "-o", "report.txt")
    assert ran.returncode == 3, ran.output
    assert expected in ran.stderr and "Traceback" not in ran.output
    assert not Path("report.txt").exists()


def test_missing_and_unreadable_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("latin1.yaml").write_bytes(b"groups: []\n# caf\xe9\n")
    ran = run_obsgen("lint", "nope.yaml", "latin1.yaml")
    assert ran.returncode == 3
    assert "nope.yaml: no such file or directory" in ran.stderr
    assert "latin1.yaml: cannot read: not UTF-8 text" in ran.stderr


def test_directories_are_walked_and_other_yaml_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("repo/rules/.hidden").mkdir(parents=True)
    Path("repo/values.yaml").write_text("replicas: 3\n")
    Path("repo/rules/.hidden/broken.yaml").write_text("groups: [\n")
    Path("repo/rules/api.yaml").write_text("groups:\n- name: g\n  rules:\n  - record: bad_name\n    expr: up\n")
    ran = run_obsgen("lint", "repo")
    assert ran.returncode == 1
    assert "repo/rules/api.yaml:4: error: lint/recording-rule-name [bad_name]" in ran.stdout
    assert "skipped 1 file(s) with no rules and no dashboard: repo/values.yaml" in ran.stderr


# -- dashboards ---------------------------------------------------------------------------------

def test_dashboard_json_panels_located(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dashboard = {"dashboard": {"uid": "api", "title": "API", "panels": [
        {"type": "row", "title": "Row", "panels": []},
        {"type": "timeseries", "title": "Requests", "description": "per second",
         "targets": [{"expr": "sum(rate(http_requests_total[1m]))"}]},
        {"type": "text", "title": "Notes"},
        {"type": "logs", "title": "Logs", "datasource": {"type": "loki"}, "targets": [{"expr": '{app="api"} |= "x"'}]},
    ]}, "meta": {"slug": "api"}}
    Path("api.json").write_text(json.dumps(dashboard, indent=2))
    code, report = _json("api.json")
    assert code == 1
    lines = Path("api.json").read_text().splitlines()
    panel_line = next(i + 1 for i, text in enumerate(lines) if '"title": "Requests"' in text) - 2  # its "{"
    expr_line = next(i + 1 for i, text in enumerate(lines) if "http_requests_total" in text)
    assert sorted((f["rule"], f["line"]) for f in report["findings"]) == [
        ("dashboard-rate-interval", expr_line), ("panel-unit", panel_line)]


def test_configmap_dashboard_lines_count_from_the_embedded_json(work):
    path = work / "lint/kube-prometheus/clean/grafana-dashboardDefinitions.yaml"
    path.write_text(path.read_text().replace('"fieldConfig": {"defaults": {"unit": "percentunit"}},', ""))
    code, report = _json(str(path.relative_to(work)))
    assert code == 1
    [finding] = report["findings"]
    assert finding["rule"] == "panel-unit" and finding["item"] == "CPU Utilisation"
    assert finding["line"] == line_containing(path, '"panels": [') + 1  # the panel's "{"


# -- with a catalog -----------------------------------------------------------------------------

RULES_ON_AMPEL = """groups:
- name: ampel
  rules:
  - record: job:ampel_requests:rate5m
    expr: sum by (job) (rate(ampel_dashboard_requestz_total[5m]))
"""


def test_catalog_cross_checks_only_with_catalog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rules.yaml").write_text(RULES_ON_AMPEL)
    assert run_obsgen("lint", "rules.yaml").returncode == 0
    code, report = _json("rules.yaml", "--catalog", str(AMPEL))
    assert code == 1
    [unknown] = _found(report, "unknown-metric")
    assert (unknown["file"], unknown["line"], unknown["check"]) == ("rules.yaml", 5, "crosscheck")
    assert "unknown metric 'ampel_dashboard_requestz_total'" in unknown["message"]


CONFIGMAP_RULES = """apiVersion: v1
kind: ConfigMap
metadata:
  name: prometheus-rules
data:
  alerts.yaml: |
    groups:
    - name: api
      rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 5m
        labels: {severity: critical}
        annotations: {summary: API down, description: "{{ $labels.instance }} is down"}
"""


def test_rules_inside_a_configmap_are_located_in_the_manifest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("cm.yaml").write_text(CONFIGMAP_RULES)
    code, report = _json("cm.yaml")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule"], finding["file"], finding["item"]) == ("alert-runbook-url", "cm.yaml", "ApiDown")
    assert finding["line"] == line_containing(tmp_path / "cm.yaml", "- alert: ApiDown")
