"""Invalid PromQL in the catalog is refused at load time, located at the field, and `generate` and
`validate` stop with exit 3 and that message instead of writing or checking broken artifacts."""
from __future__ import annotations

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.catalog_builder import CatalogBuilder, alert, counter, dashboard, label, panel
from tests.support.inprocess import run_obsgen

RECORDING = "sum by (job, error_type) (rate(shop_errors_total{$selector}[5m]))"
PANEL = "sum by (state) (rate(shop_orders_total{$selector}[$__rate_interval]))"
line_of = CatalogBuilder.line_of


def shop(recording: str = RECORDING, panel_expr: str = PANEL, alert_expr: str = "up{$selector} == 0") -> CatalogBuilder:
    return (CatalogBuilder("shop")
            .metric(counter("shop_orders_total", [label("state", "paid", "failed")]))
            .metric(counter("shop_errors_total", [label("error_type", "database", "timeout")]))
            .alert(alert("ShopDown", alert_expr))
            .recording_rule("job_error_type:shop_errors:rate5m", recording)
            .dashboard(dashboard("shop", panel("Orders", panel_expr))))


def _problems(path):
    with pytest.raises(CatalogError) as info:
        load_catalog(path, path.parent.parent)
    return info.value.problems


def test_the_catalog_of_these_tests_loads(tmp_path):
    assert load_catalog(shop().write(tmp_path), tmp_path).service.name == "shop"


def test_invalid_promql_in_a_rule_is_located(tmp_path):
    path = shop(recording=RECORDING.replace("rate(", "rat(")).write(tmp_path)
    [problem] = _problems(path)
    assert problem.location.line == line_of(path, "sum by (job, error_type) (rat(")
    assert problem.location.path == "recording_rules[0].expr"
    assert problem.message == ("invalid PromQL: 1:27: unknown function with name 'rat' in "
                               "`sum by (job, error_type) (rat(shop_errors_total{job=\"shop\"}[5m]))`")


def test_invalid_promql_in_a_dashboard_is_located(tmp_path):
    path = shop(panel_expr=PANEL.replace("[$__rate_interval]", "[$__rate_interval"), alert_expr="up ==").write(tmp_path)
    problems = _problems(path)
    assert [p.location.path for p in problems] == ["alerts[0].expr", "dashboards[0].rows[0].panels[0].targets[0].expr"]
    assert problems[0].message == "invalid PromQL: 1:6: unexpected end of input"
    assert problems[1].location.line == line_of(path, "[$__rate_interval)")
    assert problems[1].message.startswith("invalid PromQL: 1:68: expected ']' to close the range, found ')'")


def test_grafana_variables_are_only_accepted_in_dashboards(tmp_path):
    path = shop(recording=RECORDING.replace("[5m]", "[$__rate_interval]")).write(tmp_path)
    [problem] = _problems(path)
    assert problem.location.path == "recording_rules[0].expr"
    assert "variable $__rate_interval in the range: only dashboard queries may use Grafana variables" in problem.message


def test_generate_and_validate_stop_with_exit_3(tmp_path):
    path = shop(recording=RECORDING[:-1]).write(tmp_path)
    line = line_of(path, RECORDING[:-1])
    expected = f"catalog/shop.yaml:{line}: recording_rules[0].expr: invalid PromQL: 1:66: expected ')'"
    generated = run_obsgen("generate", "--root", str(tmp_path))
    assert generated.returncode == 3 and expected in generated.stderr
    assert not (tmp_path / "recording_rules").exists()
    validated = run_obsgen("validate", "--root", str(tmp_path))
    assert validated.returncode == 3
    assert f"catalog/shop.yaml:{line}: error: catalog-schema/catalog-invalid [recording_rules[0].expr]: " \
           f"invalid PromQL: 1:66: expected ')'" in validated.output
