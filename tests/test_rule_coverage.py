"""Two objectives on one histogram share one bucket rule; an alert the generated tests cannot cover is
reported by validate as `untested-rule`, located in its catalog."""
from __future__ import annotations

import subprocess

from generator.build.rules import build_rule_groups
from generator.slo.rules import is_slo_group
from generator import promtool
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from generator.validators.promtool_steps import check_promtool_tests
from tests.support.catalog_builder import CatalogBuilder, alert, gauge, histogram, latency_objective
from tests.support.catalog_edit import context_of
from tests.support.project import generated_project

HISTOGRAM = "shop_request_duration_seconds"
P99 = {**latency_objective("latency_p99", HISTOGRAM, 1.0, alert_name="ShopTailSlow", quantile=0.99, for_="10m"),
       "alert": {"name": "ShopTailSlow", "for": "10m", "severity": "warning", "summary": "Shop tail is slow",
                 "description": "p99 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above ${threshold} "
                                "for ${for}."}}


def test_two_objectives_on_one_histogram_share_one_bucket_rule(tmp_path):
    builder = (CatalogBuilder("shop").metric(histogram(HISTOGRAM, buckets=(0.1, 0.25, 0.5, 0.75, 1.0, 2.5)))
               .objective(latency_objective("latency", HISTOGRAM, 0.5, alert_name="ShopSlow"))
               .objective(P99))
    source = builder.write(tmp_path / "src")
    catalog = load_catalog(source)
    records = [r.record for g in build_rule_groups(catalog) for r in g.rules if r.record]
    assert records.count("job_le:shop_request_duration_seconds_bucket:rate5m") == 1
    assert "job:shop_request_duration_seconds:p95_rate5m" in records
    assert "job:shop_request_duration_seconds:p99_rate5m" in records
    assert len(records) == len(set(records)) == 3
    root = generated_project(tmp_path / "project", (source,))
    rule_files = sorted(str(p) for folder in ("alerts", "recording_rules") for p in (root / folder).glob("*.yaml"))
    check = subprocess.run(["promtool", "check", "rules", "--lint-fatal", *rule_files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []
    alerts = {c.alerts[1].alert: c.alerts[1].expected for c in rule_tests.plan_for(catalog).cases
              if "resolves after recovery" in c.name}
    assert "above 1s for 10m." in dict(alerts["ShopTailSlow"][0].annotations)["description"]


def test_an_alert_without_a_test_block_is_an_untested_rule_finding(tmp_path):
    down = alert("ShopDown", "up{$selector} == 0")
    tested = CatalogBuilder("shop").alert({**down, "test": {"series": 'up{$selector, instance="a:1"}', "firing": 0,
                                                             "quiet": 1}}).write(tmp_path / "tested")
    assert [f for f in check_promtool_tests(context_of(tested)) if f.rule == "untested-rule"] == []
    source = CatalogBuilder("shop").alert(down).write(tmp_path / "untested")
    findings = [f for f in check_promtool_tests(context_of(source)) if f.rule == "untested-rule"]
    assert [(f.item, f.file, f.line) for f in findings] == [
        ("ShopDown", "catalog/shop.yaml", CatalogBuilder.line_of(source, "- name: ShopDown"))]
    assert "no test: block" in findings[0].message and findings[0].severity == "error"


def test_a_staleness_alert_over_time_gets_a_generated_test_that_promtool_passes(tmp_path):
    # promtool's clock starts at 0: at eval_time 5m time() is 300, so a last success at -100000 is 100300 s old
    stale = alert("ShopJobStale", "time() - shop_last_success_timestamp_seconds{$selector} > 90000", for_="5m",
                  description="Last success {{ $value }} s ago on {{ $labels.job }}.",
                  test={"series": 'shop_last_success_timestamp_seconds{$selector, instance="batch:1"}',
                        "firing": -100000, "quiet": 0})
    source = (CatalogBuilder("shop").metric(gauge("shop_last_success_timestamp_seconds"))
              .alert(stale).write(tmp_path / "src"))
    assert [f for f in check_promtool_tests(context_of(source)) if f.rule == "untested-rule"] == []
    fired = [c.alerts[1] for c in rule_tests.plan_for(load_catalog(source)).cases
             if c.name.startswith("ShopJobStale: fires")]
    assert [(a.minute, dict(a.expected[0].annotations)["description"]) for a in fired] == [
        (5, "Last success 100300 s ago on shop.")]
    root = generated_project(tmp_path / "project", (source,))
    assert promtool.test_rules(sorted((root / rule_tests.FOLDER).glob("*.yaml"))) == []


def test_a_time_alert_whose_quiet_value_fires_later_is_still_an_untested_rule(tmp_path):
    # checked quiet at minutes 5 and 6: a last success at 0 is 300 s old, then 360 s, past the 300 s bound
    stale = alert("ShopJobStale", "time() - shop_last_success_timestamp_seconds{$selector} > 300", for_="5m",
                  test={"series": 'shop_last_success_timestamp_seconds{$selector, instance="batch:1"}',
                        "firing": -100000, "quiet": 0})
    source = (CatalogBuilder("shop").metric(gauge("shop_last_success_timestamp_seconds"))
              .alert(stale).write(tmp_path / "src"))
    findings = [f for f in check_promtool_tests(context_of(source)) if f.rule == "untested-rule"]
    assert [(f.item, f.line) for f in findings] == [("ShopJobStale", CatalogBuilder.line_of(source, "test:", after="- name: ShopJobStale"))]
    assert "quiet value" in findings[0].message
