"""A scenario's threshold override that is looser than the objective it replaces is reported at the
override's catalog line (`load-threshold-looser`); a stricter or equal one is not."""
from __future__ import annotations

import pytest

from generator import pipeline
from generator.validators.context import build_context
from generator.validators.crosscheck import crosscheck
from tests.support.catalog_builder import (
    CatalogBuilder, error_ratio_objective, histogram, latency_objective, scenario,
)
from tests.support.inprocess import run_obsgen

HISTOGRAM = "shop_request_duration_seconds"


def catalog(tmp_path, thresholds: dict, *, quantile: float = 0.95):
    builder = (CatalogBuilder("shop").metric(histogram(HISTOGRAM))
               .objective(latency_objective("latency", HISTOGRAM, 0.5, alert_name="ShopSlow", quantile=quantile))
               .objective(error_ratio_objective("errors", {"metric": "shop_requests_total", "matchers": {"code": "500"}},
                                                {"metric": "shop_requests_total"}, 0.01, alert_name="ShopErrors"))
               .load_test(scenario("smoke"))
               .load_test(scenario("stress", thresholds=thresholds)))
    return builder.write(tmp_path)


def looser(tmp_path, path):
    ctx = build_context(tmp_path, pipeline.load_all([path], tmp_path))
    return [(f.rule, f.item, f.file, f.line, f.severity, f.message) for f in crosscheck(ctx)
            if f.rule == "load-threshold-looser"]


def test_a_latency_override_looser_than_the_objective_is_a_located_finding(tmp_path):
    path = catalog(tmp_path, {"latency": 0.8})
    [(rule, item, file, line, severity, message)] = looser(tmp_path, path)
    assert (rule, item, file, severity) == ("load-threshold-looser", "stress", "catalog/shop.yaml", "warning")
    assert line == CatalogBuilder.line_of(path, "latency: 0.8", after="- name: stress")
    assert "p95 threshold 0.8s is looser than the latency objective's 0.5s" in message


def test_an_error_ratio_override_above_the_objective_is_a_located_finding(tmp_path):
    path = catalog(tmp_path, {"error_ratio": 0.05})
    [(_, item, _, line, _, message)] = looser(tmp_path, path)
    assert item == "stress" and line == CatalogBuilder.line_of(path, "error_ratio: 0.05")
    assert "error-rate threshold 5% is above the errors objective's 1%" in message


def test_both_overrides_looser_give_two_findings_each_at_its_own_line(tmp_path):
    path = catalog(tmp_path, {"latency": 0.6, "error_ratio": 0.02})
    assert sorted(f[3] for f in looser(tmp_path, path)) == sorted(
        [CatalogBuilder.line_of(path, "latency: 0.6"), CatalogBuilder.line_of(path, "error_ratio: 0.02")])


@pytest.mark.parametrize("thresholds", [{"latency": 0.3}, {"latency": 0.5}, {"error_ratio": 0.005},
                                        {"error_ratio": 0.01}, {"latency": 0.2, "critical": 0.9, "error_ratio": 0.001}])
def test_a_stricter_or_equal_override_agrees_with_the_objective(tmp_path, thresholds):
    assert looser(tmp_path, catalog(tmp_path, thresholds)) == []


def test_an_override_at_another_quantile_than_every_objective_is_not_compared(tmp_path):
    assert looser(tmp_path, catalog(tmp_path, {"latency": 2.0, "quantile": 0.99})) == []
    # ... and is compared when an objective has that quantile
    [finding] = looser(tmp_path, catalog(tmp_path, {"latency": 2.0, "quantile": 0.99}, quantile=0.99))
    assert "p99 threshold 2s is looser" in finding[5]


def test_validate_reports_it_as_a_warning_that_fail_on_warning_turns_into_exit_1(tmp_path):
    catalog(tmp_path, {"latency": 0.8})
    assert run_obsgen("generate", "--root", str(tmp_path)).returncode == 0
    args = ("validate", "--root", str(tmp_path), "--skip", "k6-archive", "--skip", "promtool-test")
    ran = run_obsgen(*args)
    assert ran.returncode == 0, ran.output
    assert "warning: crosscheck/load-threshold-looser [stress]" in ran.stdout
    assert run_obsgen(*args, "--fail-on", "warning").returncode == 1
