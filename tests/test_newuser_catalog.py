"""A second service written from the README alone (tests/fixtures/newuser/): a payment API with a
PostgreSQL dependency and a nightly settlement job. It generates in a temporary project and passes
`validate` with 0 findings and no silences."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.support.inprocess import run_obsgen

FIXTURE = Path(__file__).parent / "fixtures" / "newuser" / "catalog" / "payments-gateway.yaml"


def test_the_catalog_uses_the_features_it_proves_and_silences_nothing():
    text = FIXTURE.read_text(encoding="utf-8")
    assert "silence" not in text
    data = yaml.safe_load(text)
    assert data["service"]["aggregate_by"] == ["cluster", "namespace", "job"]
    assert {r["type"] for r in data["alerting"]["receivers"]} == {"pagerduty", "slack", "email"}
    assert any(r.get("continue") for r in data["alerting"]["routes"])
    assert data["alerting"]["inhibit_rules"]["rules"] and data["alerting"]["time_intervals"]
    assert [o["name"] for o in data["objectives"] if o["alert"] is False] == ["db_write_latency"]
    assert {p["type"] for d in data["dashboards"] for r in d["rows"] for p in r["panels"]} == {
        "timeseries", "stat", "gauge", "bargauge", "table", "heatmap", "text", "state-timeline"}
    posts = [q for s in data["load_tests"]["scenarios"] for q in s["requests"] if q.get("method") == "POST"]
    assert posts and posts[0]["body"]


def test_it_generates_and_validates_with_no_findings(tmp_path):
    (tmp_path / "catalog").mkdir()
    shutil.copy(FIXTURE, tmp_path / "catalog" / FIXTURE.name)
    generated = run_obsgen("generate", "--root", str(tmp_path))
    assert generated.returncode == 0, generated.output
    assert sorted(p.name for p in (tmp_path / "dashboards").glob("*.json")) == [
        "payments-gateway-overview.json", "payments-settlement.json"]
    assert sorted(p.name for p in (tmp_path / "k6").glob("*.js")) == ["create_payments.js", "read_payments.js"]
    rule_tests = (tmp_path / "tests" / "rules" / "payments-gateway-test.yaml").read_text(encoding="utf-8")
    assert "SettlementStale: fires 10m after its condition holds" in rule_tests  # the time() staleness alert
    validated = run_obsgen("validate", "--root", str(tmp_path))
    assert validated.returncode == 0, validated.output
    assert "validate passed: 0 error(s), 0 warning(s)" in validated.output
    assert "untested-rule" not in validated.output
