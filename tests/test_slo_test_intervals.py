"""The generated SLO tests are evaluated as coarsely as each tier's cases allow (promtool's cost grows
with the evaluations): once per short window, or every half of it when the recovery of `resets`
would not fit inside the long window's high part at the coarser one. No case is left out for speed."""
from __future__ import annotations

import yaml

from generator import promtool
from generator.catalog import load_catalog
from generator.renderers import rule_tests
from generator.slo.tests import build_slo_plan
from tests.slo_catalogs import SHOP, write_catalog
from tests.support.project import generated_project

# the availability SLO's 6h page with a 45m short window: at 45m the recovery (two intervals past the
# 45m window and the 5m base) ends as the 6h window's burn drops to the threshold; at 22m30s it fits
SLOW_SHORT = SHOP.replace("        - {long: 1h, factor: 10}\n",
                          "        - {long: 1h, factor: 10}\n        - {long: 6h, short: 45m}\n")


def _cases(plan, alert: str) -> dict[int, list[str]]:
    return {e: [c.name for c in cases if c.name.startswith(alert + " ")] for e, cases in plan.files.items()
            if any(c.name.startswith(alert + " ") for c in cases)}


def test_each_default_tier_is_evaluated_once_per_short_window(tmp_path):
    plan = build_slo_plan(load_catalog(write_catalog(tmp_path)))
    assert sorted(plan.files) == [300, 1800, 7200, 21600]  # 5m, 30m, 2h, 6h
    assert list(_cases(plan, "AvailabilityBudgetBurn1h")) == [300]
    assert list(_cases(plan, "AvailabilityBudgetBurn1d")) == [7200]
    assert list(_cases(plan, "LatencyBudgetBurn3d")) == [21600]
    assert all(c.interval == 150 for cases in plan.files.values() for c in cases)  # inputs: half the 5m base window
    assert plan.untested == []


def test_a_tier_whose_recovery_does_not_fit_takes_half_its_short_window(tmp_path):
    source = write_catalog(tmp_path / "src", SLOW_SHORT)
    plan = build_slo_plan(load_catalog(source))
    found = _cases(plan, "AvailabilityBudgetBurn6h")
    assert list(found) == [1350]  # 22m30s, not 45m
    assert [n.split(": ")[1].split(" ")[0] for n in found[1350]] == ["fires", "stays", "stops"]
    assert plan.untested == []
    root = generated_project(tmp_path / "project", (source,))
    path = root / rule_tests.FOLDER / "shop-api-slo-22m30s-test.yaml"
    assert yaml.safe_load(path.read_text())["evaluation_interval"] == "22m30s"
    assert promtool.test_rules([path]) == []
