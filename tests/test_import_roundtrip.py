"""`obsgen import`, then `generate`, then `obsgen diff ORIGINAL GENERATED`: no semantic change beyond the
normalisations docs/import.md lists.

The normalisations are applied to the original files here, by this test's own code (moving groups to
the generated file names, adding the labels and annotations obsgen adds, dropping what the import
reported as inexpressible); after them the diff must be empty. The raw diff is also pinned, so that a
normalisation that stops being needed, or a new difference, fails the test.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import yaml

from tests.support.inprocess import run_obsgen
from tests.support.paths import REPO

FIXTURES = REPO / "tests" / "fixtures" / "import"


def _import_and_generate(project: Path, kind: str, sources: list[Path], service: str, monkeypatch) -> str:
    monkeypatch.chdir(project)
    ran = run_obsgen("import", kind, *map(str, sources), "--service", service, "-o", "catalog/imported.yaml")
    assert ran.returncode == 0, ran.output
    generated = run_obsgen("generate", "--catalog", "catalog/imported.yaml", "rules", "dashboards")
    assert generated.returncode == 0, generated.output
    return ran.stderr


def _diff(before: Path, after: Path, *paths: str) -> dict:
    args = ["diff", str(before), str(after), "--format", "json"]
    for path in paths:
        args += ["--path", path]
    ran = run_obsgen(*args)
    assert ran.returncode == 0, ran.output
    return json.loads(ran.stdout)


def _summary(report: dict) -> list[tuple]:
    return sorted((c["kind"], c["name"], c["status"], tuple((f["field"], f["before"], f["after"]) for f in c["fields"]))
                  for c in report["changes"])


def test_ampel_rules_round_trip_without_any_change(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    sources = sorted((REPO / "alerts").glob("*.yaml")) + sorted((REPO / "recording_rules").glob("*.yaml"))
    _import_and_generate(project, "rules", sources, "ampel-dashboard-summary", monkeypatch)
    report = _diff(REPO, project, "alerts", "recording_rules")
    assert report["changes"] == [], _summary(report)
    catalog = yaml.safe_load((project / "catalog" / "imported.yaml").read_text())
    assert catalog["service"]["selector"] == {"job": "ampel-api"}
    assert catalog["service"]["team"] == "backend"
    assert catalog["service"]["runbook_base_url"] == "https://runbooks.example.com/ampel"
    by_name = {a["name"]: a for a in catalog["alerts"]}
    assert by_name["DashboardSummaryTargetDown"]["expr"] == "up{$selector} == 0"
    records = {r["record"]: r["expr"] for r in catalog["recording_rules"]}
    assert records["job:ampel_dashboard_errors:rate5m"] == \
        'sum by (job) (rate(ampel_dashboard_errors_total{$selector, error_type!="auth"}[5m]))'


def _base_step_thresholds(panel: dict) -> None:
    defaults = panel.setdefault("fieldConfig", {}).setdefault("defaults", {})
    defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": "green", "value": None}]}
    panel.pop("thresholds", None)


def test_ampel_dashboard_round_trip_changes_only_objective_thresholds(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    source = REPO / "dashboards" / "ampel-dashboard-summary.json"
    warnings = _import_and_generate(project, "dashboards", [source], "ampel-dashboard-summary", monkeypatch)
    shipped = tmp_path / "shipped"  # the one dashboard imported, without the SLO dashboard beside it
    (shipped / "dashboards").mkdir(parents=True)
    (shipped / "dashboards" / source.name).write_text(source.read_text())
    raw = _diff(shipped, project, "dashboards")
    drawn = ("Error rate", "Error ratio", "Response time (P50 / P95 / P99)", "p95 response time")
    expected = {"Error rate": "0.01", "Error ratio": "0.01", "Response time (P50 / P95 / P99)": "0.5",
                "p95 response time": "0.5"}
    assert _summary(raw) == [("panel", title, "changed", (("thresholds", f"green, red from {expected[title]}", "green"),))
                             for title in drawn]
    for title in drawn:
        assert f"panel '{title}': thresholds `green, red from {expected[title]}` cannot be expressed" in warnings
    # Normalisation: a threshold drawn from an objective becomes the base step only.
    original = tmp_path / "original"
    (original / "dashboards").mkdir(parents=True)
    data = json.loads(source.read_text())
    for panel in data["panels"]:
        if panel.get("type") not in ("row", "text"):  # a text panel has no field config, so no thresholds
            _base_step_thresholds(panel)
    (original / "dashboards" / source.name).write_text(json.dumps(data))
    assert _diff(original, project, "dashboards")["changes"] == []
    # the variables and the panel types of the Ampel dashboard are expressed, not reported
    catalog = yaml.safe_load((project / "catalog" / "imported.yaml").read_text())
    (board,) = catalog["dashboards"]
    assert board["variables"] == [
        {"name": "job", "type": "query", "label": "job", "title": "Job"},
        {"name": "instance", "type": "query", "label": "instance", "title": "Instance", "multi": True,
         "include_all": True}]
    assert catalog["service"]["selector"] == {"job": "ampel-api"}
    kinds = {p["type"] for row in board["rows"] for p in row["panels"]}
    assert kinds == {"timeseries", "stat", "heatmap", "table", "text"}
    raw_panels = [t["expr"] for row in board["rows"] for p in row["panels"] for t in p.get("targets", ())
                  if not t["expr"].startswith("job:")]
    assert raw_panels and all("$selector" in e and "$instance" not in e for e in raw_panels)
    assert "template variable" not in warnings and "cannot be expressed in the catalog" not in warnings


def _normalised_rules(source: Path, out: Path, team: str, runbook_base: str) -> None:
    """The documented rule normalisations, applied to an original rule file."""
    for group in yaml.safe_load(source.read_text())["groups"]:
        for kind, folder, suffix in (("alert", "alerts", "-alerts"), ("record", "recording_rules", "-recording")):
            rules = [copy.deepcopy(r) for r in group["rules"] if kind in r]
            if not rules:
                continue
            for rule in rules:
                if kind == "alert":
                    rule.setdefault("labels", {}).setdefault("team", team)
                    rule.setdefault("annotations", {}).setdefault("runbook_url", f"{runbook_base}/{rule['alert']}")
            name = group["name"] + suffix
            path = out / folder / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump({"groups": [{"name": name, "rules": rules}]}))


def test_third_party_rule_file_round_trip(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    source = FIXTURES / "node-exporter.rules.yaml"
    warnings = _import_and_generate(project, "rules", [source], "node", monkeypatch)
    assert "node-exporter.rules.yaml:54: groups[node-exporter].rules[2]: alert 'NodeNetworkReceiveErrs' has no " \
           "runbook_url" in warnings
    catalog = yaml.safe_load((project / "catalog" / "imported.yaml").read_text())
    assert catalog["service"]["selector"] == {"job": "node-exporter"}
    assert catalog["service"]["runbook_base_url"] == "https://runbooks.prometheus-operator.dev/runbooks/node"
    assert sorted(p.relative_to(project).as_posix() for d in ("alerts", "recording_rules")
                  for p in (project / d).glob("*.yaml")) == \
        ["alerts/node-exporter-alerts.yaml", "recording_rules/node-exporter.rules-recording.yaml"]
    original = tmp_path / "original"
    original.mkdir()
    shutil.copy(source, original / source.name)
    raw = _diff(original, project, "alerts", "recording_rules", source.name)
    # Without normalisation the groups show as moved: removed from the source file, added in two generated ones.
    assert {(c["kind"], c["status"]) for c in raw["changes"]} == {("group", "removed"), ("group", "added"),
                                                                 ("alert", "removed"), ("alert", "added"),
                                                                 ("record", "removed"), ("record", "added")}
    normalised = tmp_path / "normalised"
    _normalised_rules(source, normalised, team="unknown",
                      runbook_base="https://runbooks.prometheus-operator.dev/runbooks/node")
    report = _diff(normalised, project, "alerts", "recording_rules")
    assert report["changes"] == [], _summary(report)


def _normalised_panel(inner: dict) -> dict:
    inner["type"] = {"graph": "timeseries"}.get(inner["type"], inner["type"])
    _base_step_thresholds(inner)
    if inner["type"] == "timeseries":  # the generated timeseries' scale starts at 0
        inner["fieldConfig"]["defaults"]["min"] = 0
    inner["datasource"] = {"type": "prometheus", "uid": "${datasource}"}
    for letter, target in zip("ABCDEFGH", inner["targets"]):
        target["refId"] = letter
        target.pop("hide", None)
        target.setdefault("legendFormat", "__auto")
    if inner["type"] == "timeseries" and "legend" not in inner.get("options", {}):
        inner.setdefault("options", {})["legend"] = {"displayMode": "table", "calcs": ["mean", "max", "lastNotNull"]}
    if inner["type"] == "table":
        inner["transformations"] = [{"id": "merge", "options": {}},
                                    {"id": "organize", "options": {"excludeByName": {"Time": True}}},
                                    *inner.get("transformations", [])]
    return inner


def _normalised_dashboard(source: Path, out: Path) -> None:
    """The documented dashboard normalisations, applied to a Grafana export."""
    data = json.loads(source.read_text())["dashboard"]
    kept = []
    for panel in data["panels"]:
        if panel.get("type") == "row":
            kept.append(dict(panel, panels=[_normalised_panel(p) for p in panel.get("panels") or []]))
        else:
            kept.append(_normalised_panel(panel))
    data["panels"] = kept
    variables = []
    for v in data["templating"]["list"]:
        if v["type"] == "datasource":
            v = dict(v, refresh=1, label="Data source")
        elif v["type"] == "query":
            v = dict(v, sort=1)
        variables.append(v)
    data["templating"]["list"] = variables
    (out / "dashboards").mkdir(parents=True)
    (out / "dashboards" / f"{data['uid']}.json").write_text(json.dumps(data))


def test_third_party_grafana_export_round_trip(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    source = FIXTURES / "node-overview.grafana.json"
    warnings = _import_and_generate(project, "dashboards", [source], "node", monkeypatch)
    for located in ("node-overview.grafana.json:44: panel 'CPU usage': thresholds `green, red from 0.8`",
                    "node-overview.grafana.json:108: panel 'Network traffic': legacy graph panel imported as timeseries",
                    "node-overview.grafana.json:122: panel 'Network traffic': target C is hidden",
                    "node-overview.grafana.json:122: panel 'Network traffic': refId 'C' becomes 'B'"):
        assert located in warnings, warnings
    # the query variable, the gauge and the table are expressed now: nothing about them is reported
    assert "$instance" not in warnings and "'Memory used'" not in warnings and "'Interfaces'" not in warnings
    original = tmp_path / "original"
    (original / "dashboards").mkdir(parents=True)
    shutil.copy(source, original / "dashboards" / "node-overview.json")
    raw = _summary(_diff(original, project, "dashboards"))
    assert [(kind, name, status) for kind, name, status, _ in raw] == [
        ("dashboard", "Node overview (node-overview)", "changed"),
        ("panel", "CPU usage", "changed"), ("panel", "Interfaces", "changed"), ("panel", "Memory used", "changed"),
        ("panel", "Network traffic", "changed"), ("panel", "Uptime", "changed")]
    normalised = tmp_path / "normalised"
    _normalised_dashboard(source, normalised)
    report = _diff(normalised, project, "dashboards")
    assert report["changes"] == [], _summary(report)
    catalog = yaml.safe_load((project / "catalog" / "imported.yaml").read_text())
    panels = {p["title"]: p for row in catalog["dashboards"][0]["rows"] for p in row["panels"]}
    assert panels["CPU usage"]["stack"] is True and panels["CPU usage"]["unit"] == "percentunit"
    assert panels["Uptime"]["targets"] == [{"expr": 'time() - node_boot_time_seconds{$selector, instance="$instance"}',
                                            "instant": True}]
    assert [r["title"] for r in catalog["dashboards"][0]["rows"]] == ["CPU and memory", "Network"]
    assert catalog["dashboards"][0]["rows"][1]["collapsed"] is True
    assert catalog["dashboards"][0]["variables"] == [
        {"name": "instance", "type": "query", "label": "instance", "metric": "node_uname_info", "selects": False}]
    assert (panels["Memory used"]["type"], panels["Memory used"]["max"]) == ("gauge", 1)
    assert panels["Interfaces"]["type"] == "table"
    assert panels["Interfaces"]["targets"] == [{"expr": 'node_network_up{$selector, instance="$instance"}'}]
