"""Invalid PromQL in the catalog is refused at load time, located at the field, and `generate` and
`validate` stop with exit 3 and that message instead of writing or checking broken artifacts."""
from __future__ import annotations

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.catalog_edit import edited_catalog, line_containing
from tests.support.cli import obsgen

RECORDING = "sum by (job, error_type) (rate(ampel_dashboard_errors_total{$selector}[5m]))"
PANEL = "sum by (visibility) (rate(ampel_dashboard_breakdown_total{$selector}[$__rate_interval]))"


def _problems(path):
    with pytest.raises(CatalogError) as info:
        load_catalog(path, path.parent.parent)
    return info.value.problems


def test_invalid_promql_in_a_rule_is_located(tmp_path):
    path = edited_catalog(tmp_path, (RECORDING, RECORDING.replace("rate(", "rat(")))
    [problem] = _problems(path)
    assert problem.location.line == line_containing(path, "sum by (job, error_type) (rat(")
    assert problem.location.path == "recording_rules[1].expr"
    assert problem.message == ("invalid PromQL: 1:27: unknown function with name 'rat' in "
                               "`sum by (job, error_type) (rat(ampel_dashboard_errors_total{job=\"ampel-api\"}[5m]))`")


def test_invalid_promql_in_a_dashboard_is_located(tmp_path):
    path = edited_catalog(tmp_path, (PANEL, PANEL.replace("[$__rate_interval]", "[$__rate_interval")),
                          ("expr: up{$selector} == 0", "expr: up == "))
    problems = _problems(path)
    assert [p.location.path for p in problems] == ["alerts[0].expr", "dashboards[0].rows[3].panels[0].targets[0].expr"]
    assert problems[0].message == "invalid PromQL: 1:6: unexpected end of input"  # YAML drops the trailing space
    assert problems[1].location.line == line_containing(path, "[$__rate_interval)")
    assert problems[1].message.startswith("invalid PromQL: 1:92: expected ']' to close the range, found ')'")


def test_grafana_variables_are_only_accepted_in_dashboards(tmp_path):
    path = edited_catalog(tmp_path, (RECORDING, RECORDING.replace("[5m]", "[$__rate_interval]")))
    [problem] = _problems(path)
    assert problem.location.path == "recording_rules[1].expr"
    assert "variable $__rate_interval in the range: only dashboard queries may use Grafana variables" in problem.message


def test_generate_and_validate_stop_with_exit_3(tmp_path):
    path = edited_catalog(tmp_path, (RECORDING, RECORDING[:-1]))
    line = line_containing(path, RECORDING[:-1])
    expected = f"catalog/ampel.yaml:{line}: recording_rules[1].expr: invalid PromQL: 1:82: expected ')'"
    generated = obsgen("generate", "--root", str(tmp_path), cwd=tmp_path)
    assert generated.returncode == 3 and expected in generated.stderr
    assert not (tmp_path / "recording_rules").exists()
    validated = obsgen("validate", "--root", str(tmp_path), cwd=tmp_path)
    assert validated.returncode == 3
    assert f"catalog/ampel.yaml:{line}: error: catalog-schema/catalog-invalid [recording_rules[1].expr]: " \
           f"invalid PromQL: 1:82: expected ')'" in validated.stdout + validated.stderr
