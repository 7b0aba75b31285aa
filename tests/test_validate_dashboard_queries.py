"""The promtool-check step over the dashboard queries of a catalog with two dashboards: the temporary
rule file names each query once across every dashboard, and a query promtool rejects is reported at
its dashboard file and panel, with the catalog line that defines it."""
from __future__ import annotations

import copy
import json

import pytest
import yaml

from generator import pipeline
from generator.validators.run import validate
from tests.support.paths import CHECKOUT

FIRST, SECOND = "dashboards/checkout-overview.json", "dashboards/checkout-second.json"
QUERY = 'sum(checkout_queue_depth{$selector, priority="high"})'


def _two_dashboard_catalog() -> str:
    data = yaml.safe_load(CHECKOUT.read_text(encoding="utf-8"))
    second = copy.deepcopy(data["dashboards"][0])
    second["uid"], second["title"] = "checkout-second", "Checkout / Second"
    data["dashboards"].append(second)
    return yaml.safe_dump(data, sort_keys=False, width=10_000)


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "checkout.yaml").write_text(_two_dashboard_catalog(), encoding="utf-8")
    pipeline.generate(tmp_path, pipeline.load_all(pipeline.catalog_paths((), tmp_path), base=tmp_path))
    return tmp_path


def _promtool_findings(project):
    result = validate(project, skip=("k6-archive", "amtool-check"))
    return [f for step in result.steps if step.name == "promtool-check" for f in step.findings]


def test_two_dashboards_pass_promtool_check(project):
    assert (project / FIRST).is_file() and (project / SECOND).is_file()
    assert _promtool_findings(project) == []


def test_a_bad_query_in_the_second_dashboard_names_its_file_panel_and_catalog_line(project):
    dashboard = json.loads((project / SECOND).read_text(encoding="utf-8"))
    target = dashboard["panels"][2]["targets"][0]  # panels[0] is the "Objectives" row
    assert target["expr"].startswith("sum(checkout_queue_depth{")
    target["expr"] = target["expr"].replace("sum(checkout_queue_depth{", "sum(checkout_queue_depth){", 1)
    (project / SECOND).write_text(json.dumps(dashboard, indent=2), encoding="utf-8")

    catalog_lines = (project / "catalog" / "checkout.yaml").read_text(encoding="utf-8").splitlines()
    second_starts = next(n for n, line in enumerate(catalog_lines, 1) if "uid: checkout-second" in line)
    expected_line = next(n for n, line in enumerate(catalog_lines, 1) if n > second_starts and QUERY in line)

    findings = _promtool_findings(project)
    assert [(f.rule, f.file, f.item) for f in findings] == [
        ("dashboard-query-invalid", SECOND, "Queue depth (high priority) (target A)")]
    assert findings[0].message.startswith("Prometheus rejects the query: could not parse expression")
    assert findings[0].message.endswith(
        f"(defined at catalog/checkout.yaml:{expected_line}: dashboards[1].rows[0].panels[1].targets[0].expr)")


def test_a_dashboard_file_that_is_not_utf8_does_not_stop_the_other_dashboards_queries(project):
    (project / SECOND).write_bytes(b"\xff\xfe{}")
    first = json.loads((project / FIRST).read_text(encoding="utf-8"))
    first["panels"][2]["targets"][0]["expr"] = "sum(up"
    (project / FIRST).write_text(json.dumps(first, indent=2), encoding="utf-8")
    result = validate(project, skip=("dashboard-schema", "lint", "k6-archive", "amtool-check"))
    promtool_check = [f for s in result.steps if s.name == "promtool-check" for f in s.findings]
    assert [(f.rule, f.file) for f in promtool_check] == [("dashboard-query-invalid", FIRST)]
    fresh = sorted((f.rule, f.file) for s in result.steps if s.name == "fresh" for f in s.findings)
    assert fresh == [("stale-file", FIRST), ("stale-file", SECOND)]


@pytest.mark.parametrize("document", ["[]", '{"panels": "none"}', '{"panels": [{"targets": [{"expr": 5}]}, 7]}'])
def test_a_dashboard_json_of_the_wrong_shape_does_not_raise_in_promtool_check(project, document):
    (project / SECOND).write_text(document, encoding="utf-8")
    result = validate(project, skip=("dashboard-schema", "lint", "k6-archive", "amtool-check"))
    assert [f for s in result.steps if s.name == "promtool-check" for f in s.findings] == []
