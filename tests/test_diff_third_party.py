"""diff on rule files and dashboards it did not generate: mixin-style rules, PrometheusRule and
Mimir files, legacy and API-export dashboards, a sidecar ConfigMap (tests/fixtures/review/third_party)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from generator.diff import compare
from generator.diff.sources import read_directory
from tests.support.paths import REPO

FIXTURES = REPO / "tests" / "fixtures" / "review" / "third_party"


@pytest.fixture()
def files() -> dict[str, str]:
    return read_directory(FIXTURES)


def _summary(report) -> list[tuple]:
    return [(c.file, c.kind, c.name, c.status, [(f.field, f.before, f.after) for f in c.fields])
            for c in report.changes]


def test_everything_reads_cleanly_and_shows_as_added(files):
    report = compare({}, files)
    assert report.problems == ()
    assert report.counts() == {
        "group": {"added": 6}, "alert": {"added": 10}, "record": {"added": 5},
        "dashboard": {"added": 3}, "panel": {"added": 9},
    }
    names = {(c.kind, c.name) for c in report.changes}
    assert ("alert", "HostFilesystemAlmostFull #2") in names  # the critical twin of the warning
    assert ("panel", "Checkout errors") in names  # inside a collapsed row
    assert ("panel", "Max connections") in names  # legacy `rows` layout
    assert ("dashboard", "Redis cache (redis-cache)") in names  # inside a ConfigMap


def test_same_files_have_no_changes(files):
    assert not compare(files, dict(files)).changed


def _reformatted(path: str, text: str) -> str:
    """Same content, other layout: YAML re-dumped with one-line expressions, JSON compacted."""
    if path.endswith(".json"):
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    documents = list(yaml.safe_load_all(text))
    for document in documents:
        if not isinstance(document, dict):
            continue
        if document.get("kind") == "ConfigMap":
            document["data"] = {k: (json.dumps(json.loads(v)) if k.endswith(".json") else v)
                                for k, v in document["data"].items()}
        for group in _groups(document):
            for rule in group["rules"]:
                rule["expr"] = " ".join(rule["expr"].split())
    return yaml.safe_dump_all(documents, sort_keys=True, default_flow_style=True)


def _groups(document: dict) -> list[dict]:
    if document.get("kind") == "List":
        return [g for item in document["items"] for g in _groups(item)]
    if document.get("kind") == "PrometheusRule":
        return document["spec"]["groups"]
    return document.get("groups", []) if "groups" in document else []


def test_layout_only_changes_are_not_changes(files):
    reformatted = {path: _reformatted(path, text) for path, text in files.items()}
    assert reformatted != files
    report = compare(files, reformatted)
    assert report.problems == ()
    assert not report.changed, _summary(report)


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_realistic_edits_give_exactly_the_expected_changes(files):
    after = dict(files)
    host = "host-alerts.rules.yaml"
    # the critical twin only: its threshold inside a multi-line `and`
    after[host] = _edit(after[host], "* 100 < 4\n", "* 100 < 5\n")
    after[host] = _edit(after[host], "for: 2m\n        labels:\n          severity: critical",
                        "for: 5m\n        labels:\n          severity: critical")
    platform = "platform-prometheusrule.yaml"
    after[platform] = _edit(after[platform], "          keep_firing_for: 10m\n", "")
    after[platform] = _edit(after[platform], "interval: 30s", "interval: 1m")
    export = json.loads(files["checkout-api-export.json"])
    latency = export["dashboard"]["panels"][1]
    latency["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.3
    latency["targets"][0]["expr"] = latency["targets"][0]["expr"].replace("0.99", "0.95")
    after["checkout-api-export.json"] = json.dumps(export, indent=2)
    legacy = json.loads(files["postgres-legacy-dashboard.json"])
    legacy["rows"][1]["panels"][0]["yaxes"][0]["format"] = "tps"
    after["postgres-legacy-dashboard.json"] = json.dumps(legacy, indent=4)
    configmap = "redis-dashboard-configmap.yaml"
    document = yaml.safe_load(files[configmap])
    dashboard = json.loads(document["data"]["redis-cache.json"])
    dashboard["panels"] = [p for p in dashboard["panels"] if p["title"] != "Evictions"]
    document["data"]["redis-cache.json"] = json.dumps(dashboard, indent=2)
    after[configmap] = yaml.safe_dump(document)

    report = compare(files, after)
    assert report.problems == ()
    assert _summary(report) == [
        ("checkout-api-export.json", "panel", "Latency p99", "changed", [
            ("thresholds", "green, orange from 0.25, red from 1", "green, orange from 0.3, red from 1"),
            ("query A", "histogram_quantile(0.99, sum by (le) (rate(checkout_request_duration_seconds_bucket[$__rate_interval])))",
             "histogram_quantile(0.95, sum by (le) (rate(checkout_request_duration_seconds_bucket[$__rate_interval])))"),
        ]),
        ("host-alerts.rules.yaml", "alert", "HostFilesystemAlmostFull #2", "changed", [("threshold", "< 4, == 0", "< 5, == 0")]),
        ("host-alerts.rules.yaml", "alert", "HostOutOfMemory", "changed", [("for", "2m", "5m")]),
        ("platform-prometheusrule.yaml", "alert", "IngressHigh5xxRate", "changed", [("keep_firing_for", "10m", None)]),
        ("platform-prometheusrule.yaml", "group", "queue.rules", "changed", [("interval", "30s", "1m")]),
        ("postgres-legacy-dashboard.json", "panel", "Transactions", "changed", [("unit", "ops", "tps")]),
        ("redis-dashboard-configmap.yaml#redis-cache.json", "panel", "Evictions", "removed", []),
    ]


@pytest.mark.promtool
def test_the_rule_fixtures_are_valid_prometheus_rules(files, tmp_path):
    """The fixtures are realistic: promtool accepts every rule group in them."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed on this machine"
    groups = []
    for path, text in files.items():
        if path.endswith((".yaml", ".yml")):
            for document in yaml.safe_load_all(text):
                if isinstance(document, dict):
                    groups.extend(_groups(document))
    assert len(groups) == 6
    rule_file = tmp_path / "all.yaml"
    rule_file.write_text(yaml.safe_dump({"groups": groups}))
    done = subprocess.run([promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 15 rules found" in done.stdout
