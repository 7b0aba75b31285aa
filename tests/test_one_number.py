"""One number in the catalog flows to every artifact: change it once, everything follows."""
from __future__ import annotations

import json

import yaml

from generator.catalog import load_catalog
from generator.pipeline import render_all
from tests.support.paths import AMPEL


def _render(tmp_path, text):
    path = tmp_path / "ampel.yaml"
    path.write_text(text)
    return render_all([load_catalog(path)]).artifacts


def _alert(artifacts, name):
    rules = yaml.safe_load(artifacts["alerts/ampel-dashboard-summary-alerts.yaml"])["groups"][0]["rules"]
    return next(r for r in rules if r.get("alert") == name)


def _panel(artifacts, title):
    dashboard = json.loads(artifacts["dashboards/ampel-dashboard-summary.json"])
    return next(p for p in dashboard["panels"] if p.get("title") == title)


def test_latency_tier_target_drives_alert_dashboard_and_k6(tmp_path):
    text = AMPEL.read_text().replace("{name: large, target: 0.5, critical: 1.0}",
                                     "{name: large, target: 0.75, critical: 1.0}")
    artifacts = _render(tmp_path, text)
    alert = _alert(artifacts, "DashboardSummarySlowResponse")
    assert alert["expr"].endswith("> 0.75")
    assert "above the 750ms objective" in alert["annotations"]["description"]
    steps = _panel(artifacts, "Response time (P50 / P95 / P99)")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1]["value"] == 0.75
    assert '"p(95)<750"' in artifacts["k6/large_dataset.js"]


def test_error_objective_drives_alert_dashboard_and_k6(tmp_path):
    text = AMPEL.read_text().replace("    threshold: 0.01\n", "    threshold: 0.02\n")
    artifacts = _render(tmp_path, text)
    assert _alert(artifacts, "DashboardSummaryHighErrorRate")["expr"].endswith("> 0.02")
    assert _panel(artifacts, "Error rate")["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] == 0.02
    for rel, script in artifacts.items():
        if rel.startswith("k6/") and not rel.startswith("k6/lib/"):
            assert '"rate<0.02"' in script, rel
            assert '"rate<0.01"' not in script, rel


def test_shipped_artifacts_agree_with_the_catalog_numbers():
    catalog = load_catalog("catalog/ampel.yaml")
    artifacts = render_all([catalog]).artifacts
    latency = catalog.objective("summary_latency").threshold
    assert latency == catalog.tier("large").target == 0.5
    assert _alert(artifacts, "DashboardSummarySlowResponse")["expr"].endswith(f"> {latency:g}")
    assert (catalog.tier("small").target, catalog.tier("small").critical) == (0.1, 0.2)
    assert '"p(95)<100"' in artifacts["k6/small_dataset.js"]
    assert '"threshold": "p(95)<200"' in artifacts["k6/small_dataset.js"]


def test_scenarios_hold_tiers_to_the_latency_objectives_quantile():
    """The checkout catalog's latency objective is a p99, so its k6 thresholds are p(99) too."""
    from tests.support.paths import CHECKOUT, REPO

    catalog = load_catalog(CHECKOUT.relative_to(REPO))
    assert catalog.objective("payment_latency").quantile == 0.99
    script = render_all([catalog], ["k6"]).artifacts["k6/checkout_burst.js"]
    assert catalog.tier("single_item").target == 0.25
    assert '"p(99)<250"' in script and "p(95)<" not in script
