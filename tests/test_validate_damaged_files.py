"""Damaged files in a generated tree: validate reports them and never raises or blocks."""
from __future__ import annotations

import json
import os

import pytest

from generator.validators.run import validate
from tests.support.paths import CHECKOUT
from tests.support.project import generated_project


@pytest.fixture
def project(tmp_path):
    return generated_project(tmp_path, (CHECKOUT,))


def _findings(result, step):
    (found,) = [s for s in result.steps if s.name == step]
    return [(f.rule, f.file, f.message) for f in found.findings]


def _dashboard(project):
    # the catalog's own dashboard (its SLO dashboard, <service>-slo.json, is generated beside it)
    (path,) = sorted(p for p in (project / "dashboards").glob("*.json") if not p.name.endswith("-slo.json"))
    return path


def test_non_utf8_dashboard_is_a_finding(project):
    path = _dashboard(project)
    path.write_bytes(path.read_bytes() + b"\xff")
    result = validate(project)
    rel = path.relative_to(project).as_posix()
    assert ("invalid-json", rel, "not UTF-8 (byte %d)" % (path.stat().st_size - 1)) in _findings(result, "dashboard-schema")


@pytest.mark.parametrize("document, reason", [
    ([1, 2], "the document is a JSON list, not an object"),
    ({"title": "x", "panels": {"a": 1}}, "`panels` is not a list of objects"),
    ({"title": "x", "panels": [{"type": "row", "panels": "no"}]}, "`panels[0].panels` is not a list of objects"),
])
def test_dashboard_of_the_wrong_shape_is_a_finding(project, document, reason):
    path = _dashboard(project)
    path.write_text(json.dumps(document), encoding="utf-8")
    result = validate(project)
    rel = path.relative_to(project).as_posix()
    assert ("invalid-json", rel, f"not a Grafana dashboard: {reason}") in _findings(result, "dashboard-schema")


def test_a_stray_fifo_in_a_rule_folder_stops_after_fresh(project):
    """promtool would read the FIFO and wait forever; the run ends, naming it."""
    os.mkfifo(project / "alerts" / "stray.yaml")
    result = validate(project)
    assert ("not-a-regular-file", "alerts/stray.yaml") in [(r, f) for r, f, _ in _findings(result, "fresh")]
    assert [s.name for s in result.steps if s.skipped] == [s.name for s in result.steps[2:]]
    assert result.failed("error")
