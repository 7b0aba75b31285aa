"""One number in the catalog flows to every artifact: change it once, everything follows."""
from __future__ import annotations

import json

import yaml

from generator.catalog import load_catalog
from generator.pipeline import render_all
from tests.support.catalog_builder import (
    CatalogBuilder, counter, dashboard, error_ratio_objective, histogram, label, latency_objective, panel, scenario,
)

HISTOGRAM = "shop_request_duration_seconds"


def shop(target: float = 0.5, error_threshold: float = 0.01) -> CatalogBuilder:
    """The latency objective holds the service to the large tier's target; the error objective is a
    plain number; both are drawn on panels and bound every scenario."""
    latency = {**latency_objective("latency", HISTOGRAM, 0.5, alert_name="ShopSlow"), "threshold": {"tier": "large"}}
    latency["alert"]["description"] = "p95 is {{ $value | humanizeDuration }}, above the ${threshold} objective."
    return (CatalogBuilder("shop")
            .metric(histogram(HISTOGRAM, buckets=(0.1, 0.25, 0.5, 0.75, 1.0, 2.0)))
            .metric(counter("shop_errors_total", [label("error_type", "database", "timeout")]))
            .tier("small", 0.1, 0.2).tier("large", target, 1.0)
            .objective(latency)
            .objective(error_ratio_objective("errors", {"metric": "shop_errors_total"}, {"metric": "shop_requests_total"},
                                             error_threshold, alert_name="ShopHighErrorRate"))
            .dashboard(dashboard("shop",
                                 panel("Response time", f"job:{HISTOGRAM}:p95_rate5m{{$selector}}", unit="s",
                                       objective="latency"),
                                 panel("Error rate", "job:shop_errors:ratio_rate5m{$selector}", unit="percentunit",
                                       objective="errors")))
            .load_test(scenario("small_dataset", tier="small"))
            .load_test(scenario("large_dataset", tier="large")))


def _render(tmp_path, builder: CatalogBuilder):
    return render_all([load_catalog(builder.write(tmp_path), tmp_path)]).artifacts


def _alert(artifacts, name, file="alerts/shop-alerts.yaml"):
    rules = yaml.safe_load(artifacts[file])["groups"][0]["rules"]
    return next(r for r in rules if r.get("alert") == name)


def _panel(artifacts, title, file="dashboards/shop.json"):
    dashboard = json.loads(artifacts[file])
    return next(p for p in dashboard["panels"] if p.get("title") == title)


def test_latency_tier_target_drives_alert_dashboard_and_k6(tmp_path):
    before = _render(tmp_path / "before", shop())
    assert _alert(before, "ShopSlow")["expr"].endswith("> 0.5") and '"p(95)<500"' in before["k6/large_dataset.js"]
    artifacts = _render(tmp_path / "after", shop(target=0.75))
    alert = _alert(artifacts, "ShopSlow")
    assert alert["expr"].endswith("> 0.75")
    assert "above the 750ms objective" in alert["annotations"]["description"]
    steps = _panel(artifacts, "Response time")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1]["value"] == 0.75
    assert '"p(95)<750"' in artifacts["k6/large_dataset.js"]
    assert artifacts["k6/small_dataset.js"] == before["k6/small_dataset.js"]  # another tier: unchanged


def test_error_objective_drives_alert_dashboard_and_k6(tmp_path):
    artifacts = _render(tmp_path, shop(error_threshold=0.02))
    assert _alert(artifacts, "ShopHighErrorRate")["expr"].endswith("> 0.02")
    assert _panel(artifacts, "Error rate")["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] == 0.02
    scripts = [rel for rel in artifacts if rel.startswith("k6/") and not rel.startswith("k6/lib/")]
    assert len(scripts) == 2
    for rel in scripts:
        assert '"rate<0.02"' in artifacts[rel], rel
        assert '"rate<0.01"' not in artifacts[rel], rel


def test_shipped_artifacts_agree_with_the_catalog_numbers():
    catalog = load_catalog("catalog/ampel.yaml")
    artifacts = render_all([catalog]).artifacts
    latency = catalog.objective("summary_latency").threshold
    assert latency == catalog.tier("large").target == 0.5
    assert _alert(artifacts, "DashboardSummarySlowResponse", "alerts/ampel-dashboard-summary-alerts.yaml")[
        "expr"].endswith(f"> {latency:g}")
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
