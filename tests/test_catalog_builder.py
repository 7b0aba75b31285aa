"""The test-catalog builder gives a catalog that obsgen accepts whole: every item it offers,
generated and validated with the real tools, gives 0 findings. Tests built on it start valid."""
from __future__ import annotations

from generator import pipeline
from generator.validators.run import validate
from tests.support.catalog_builder import (
    CatalogBuilder, alert, dashboard, error_ratio_objective, gauge, histogram, latency_objective, panel, scenario,
)


def test_a_catalog_with_every_builder_item_generates_and_validates_with_no_finding(tmp_path):
    builder = (CatalogBuilder("shop")
               .metric(histogram("shop_request_duration_seconds"))
               .metric(gauge("shop_queue_depth"))
               .tier("big", 0.5, 1.0)
               .objective(latency_objective("latency", "shop_request_duration_seconds", 0.5, alert_name="ShopSlow"))
               .objective(error_ratio_objective("errors", {"metric": "shop_requests_total", "matchers": {"code": "500"}},
                                                {"metric": "shop_requests_total"}, 0.01, alert_name="ShopErrors"))
               .alert(alert("ShopDown", "up{$selector} == 0",
                            test={"series": 'up{$selector, instance="a:1"}', "firing": 0, "quiet": 1}))
               .recording_rule("job:shop_requests:rate5m", "sum by (job) (rate(shop_requests_total{$selector}[5m]))")
               .dashboard(dashboard("shop", panel("Requests", "sum(rate(shop_requests_total{$selector}[$__rate_interval]))",
                                                  unit="reqps")))
               .load_test(scenario("smoke", tier="big"))
               .alerting())
    path = builder.write(tmp_path)
    assert path == tmp_path / "catalog" / "shop.yaml"
    assert "repos" not in path.read_text() and "endpoint" not in path.read_text()  # no Ampel-only field
    plan = pipeline.generate(tmp_path, pipeline.load_all([path], tmp_path))
    assert sorted(plan.create) == [
        "alertmanager/alertmanager.yml", "alerts/shop-alerts.yaml", "dashboards/shop.json", "k6/lib/obsgen.js",
        "k6/smoke.js", "recording_rules/shop-recording.yaml", "tests/rules/shop-test.yaml"]
    result = validate(tmp_path)
    assert [s.name for s in result.steps if s.skipped] == []
    assert [str(f) for f in result.findings] == []
