"""`obsgen import rules`: the three file shapes, `$selector` extraction and what is reported, not dropped."""
from __future__ import annotations

import yaml

from tests.support.inprocess import run_obsgen

ALERT = """\
      - alert: QueueBacklog
        expr: sum(queue_depth{job="worker", queue="mail"}) > 100
        for: 10m
        labels: {severity: page, team: mail}
        annotations:
          summary: Backlog
          description: 'Mail backlog is {{ $value }}.'
"""

PROMETHEUS_RULE = f"""\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: worker, namespace: monitoring}}
spec:
  groups:
    - name: worker-alerts
      interval: 1m
      rules:
{ALERT}"""

MIMIR = """\
namespace: worker
groups:
  - name: worker-recording
    rules:
      - record: job:queue_depth:sum
        expr: sum by (job) (queue_depth{job="worker"})
      - record: queue_depth_by_job
        expr: sum by (job) (queue_depth{job="worker"})
"""


def _import(tmp_path, *files: str):
    paths = []
    for index, text in enumerate(files):
        path = tmp_path / f"in{index}.yaml"
        path.write_text(text)
        paths.append(str(path))
    out = tmp_path / "catalog.yaml"
    ran = run_obsgen("import", "rules", *paths, "--service", "worker", "-o", str(out))
    assert ran.returncode == 0, ran.output
    return yaml.safe_load(out.read_text()), ran.stderr, paths


def test_prometheusrule_and_mimir_files_become_one_catalog(tmp_path):
    catalog, warnings, paths = _import(tmp_path, PROMETHEUS_RULE, MIMIR)
    assert catalog["service"]["selector"] == {"job": "worker"}
    assert catalog["service"]["team"] == "mail"
    assert catalog["service"]["severities"] == ["critical", "info", "page", "warning"]
    assert catalog["alerts"] == [{
        "name": "QueueBacklog", "expr": 'sum(queue_depth{$selector, queue="mail"}) > 100', "for": "10m",
        "severity": "page", "summary": "Backlog", "description": "Mail backlog is {{ $value }}.",
        "labels": {"team": "mail"}}]
    assert catalog["recording_rules"] == [{"record": "job:queue_depth:sum", "expr": "sum by (job) (queue_depth{$selector})"}]
    assert catalog["metrics"] == [{"name": "queue_depth", "type": "gauge", "labels": [{"name": "queue"}],
                                   "help": "Read by imported expressions; declared by `obsgen import`."}]
    assert f"{paths[0]}:6: group 'worker-alerts': `interval: 1m` cannot be expressed" in warnings
    assert f"{paths[1]}:7: groups[worker-recording].rules[1]: recording rule 'queue_depth_by_job' does not " \
           "follow level:metric:operations" in warnings
    assert f"{paths[0]}:9: groups[worker-alerts].rules[0]: alert 'QueueBacklog' has no runbook_url" in warnings


def test_no_common_matcher_means_no_selector_extraction(tmp_path):
    text = """groups:
  - name: mixed
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        labels: {severity: critical}
        annotations: {summary: down, description: down}
      - alert: DbDown
        expr: up{job="db"} == 0
        keep_firing_for: 5m
        labels: {severity: critical}
      - alert: bad_name
        expr: vector(1)
      - alert: Instant
        expr: vector(1)
        for: 0
        labels: {severity: info}
"""
    catalog, warnings, paths = _import(tmp_path, text)
    assert [a["expr"] for a in catalog["alerts"]] == ['up{job="api"} == 0', 'up{job="db"} == 0', "vector(1)"]
    assert catalog["alerts"][2]["for"] == "0s"
    assert catalog["service"]["selector"] == {"job": "worker"}
    assert catalog["alerts"][0]["for"] == "0s"
    assert catalog["alerts"][1]["summary"] == "DbDown" and catalog["alerts"][1]["description"] == "DbDown"
    assert f"{paths[0]}:8: groups[mixed].rules[1]: alert 'DbDown': `keep_firing_for` cannot be expressed" in warnings
    assert f"{paths[0]}:8: groups[mixed].rules[1]: alert 'DbDown' has no summary annotation" in warnings
    assert f"{paths[0]}:12: groups[mixed].rules[2]: alert name 'bad_name' is not CamelCase" in warnings


def test_a_name_defined_twice_keeps_the_first_and_says_so(tmp_path):
    text = """groups:
  - name: a
    rules:
      - alert: Down
        expr: up == 0
        labels: {severity: critical}
      - alert: Down
        expr: up == 0
        for: 1h
        labels: {severity: warning}
"""
    catalog, warnings, paths = _import(tmp_path, text)
    assert [(a["name"], a["severity"]) for a in catalog["alerts"]] == [("Down", "critical")]
    assert f"{paths[0]}:7: groups[a].rules[1]: alert 'Down' is defined twice; only the first is kept" in warnings


def test_import_loads_neither_the_exporter_nor_the_http_client(tmp_path):
    from tests.test_cli_imports import _modules

    source = tmp_path / "in.yaml"
    source.write_text(MIMIR)
    code, modules = _modules(["import", "rules", str(source)], tmp_path)
    assert code == 0
    assert "generator.importers.rules" in modules
    assert not {m for m in modules if m.split(".")[0] in ("exporter", "requests", "grafanalib")
                or m.startswith(("generator.validators", "generator.deploy", "generator.importers.dashboards"))}
