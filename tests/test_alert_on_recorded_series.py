"""A free-form alert on a recording rule's output: its `test:` series may be the recorded series. The
generated test holds that series at the firing and quiet values (the recording rule has no input
there), the rule gets its own steady-state test, both pass promtool, and a drifted threshold fails."""
from __future__ import annotations

from generator import promtool
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from tests.support.catalog_builder import CatalogBuilder, alert, counter, label
from tests.support.project import edit, generated_project

RECORD = "job:shop_cache_hit:ratio_rate5m"
CATALOG = (CatalogBuilder("shop-api", team="web", metrics=[
               counter("shop_cache_lookups_total", [label("result", "hit", "miss")])])
           .recording_rule(RECORD, 'sum by (job) (rate(shop_cache_lookups_total{$selector, result="hit"}[5m])) / '
                                   "sum by (job) (rate(shop_cache_lookups_total{$selector}[5m]))")
           .alert(alert("ShopCacheCold", RECORD + "{$selector} < 0.8", severity="warning",
                        description="Hit rate {{ $value | humanizePercentage }}.",
                        test={"series": RECORD + "{$selector}", "firing": 0.25, "quiet": 0.95})))


def _project(tmp_path):
    source = CATALOG.write(tmp_path / "src")
    return load_catalog(source), generated_project(tmp_path / "project", (source,))


def test_the_alert_and_the_rule_it_reads_are_both_tested_and_pass_promtool(tmp_path):
    catalog, root = _project(tmp_path)
    plan = rule_tests.plan_for(catalog)
    assert plan.untested == []
    names = [c.name for c in plan.cases]
    assert names == ["ShopCacheCold: fires 5m after its condition holds, resolves after recovery",
                     "ShopCacheCold: stays quiet at 0.95",
                     "job:shop_cache_hit:ratio_rate5m: value in a steady state"]
    fire = plan.cases[0].alerts[1]
    assert fire.minute == 5 and dict(fire.expected[0].annotations)["description"] == "Hit rate 25%."
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []


def test_a_drifted_threshold_on_the_recorded_series_fails(tmp_path):
    _, root = _project(tmp_path)
    alerts = next((root / "alerts").glob("*.yaml"))
    for new in ("} < 0.99", "} < 0.2"):  # fires while quiet / never fires
        original = alerts.read_text()
        edit(alerts, "} < 0.8", new)
        failures = promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml")))
        assert {f.item for f in failures} == {"ShopCacheCold"}, new
        alerts.write_text(original)
