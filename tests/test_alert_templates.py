"""Alert templates: Prometheus accepts more than the generated tests can predict. A free-form alert
without a `test:` block may use any template Prometheus accepts (validate then reports it as
untested); one with a test block, or an objective's alert, must stay in the predicted subset."""
from __future__ import annotations

import pytest

from generator.build import go_template
from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.paths import AMPEL

GOOD = AMPEL.read_text()
FREE_ALERT = """alerts:
  - name: DiskAlmostFull
    expr: node_filesystem_avail_bytes < 1
    for: 5m
    severity: warning
    summary: Disk almost full
    description: '{{ define "x" }}y{{ end }}only {{ printf "%.2f" $value }} bytes left'
"""


def _catalog(tmp_path, alerts: str):
    assert "\nalerts:\n" in GOOD
    head, tail = GOOD.split("\nalerts:\n", 1)
    path = tmp_path / "c.yaml"
    path.write_text(head + "\n" + alerts + _after_alerts(tail), encoding="utf-8")  # replaces the alerts
    return path


def _after_alerts(tail: str) -> str:
    """The catalog text after its top-level `alerts:` list."""
    lines = tail.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith((" ", "-", "#")):
            return "".join(lines[i:])
    return ""


def test_printf_called_as_a_function_renders_like_go():
    assert go_template.render('{{ printf "%.2f" $value }} left', {}, 3.14159) == "3.14 left"
    assert go_template.render('{{ printf "%.0f" .Value }}', {}, 41.6) == "42"
    assert go_template.render('{{ printf "%.3g" $value }}', {}, 1234.5) == "1.23e+03"


def test_free_alert_without_test_may_use_any_template_prometheus_accepts(tmp_path):
    catalog = load_catalog(_catalog(tmp_path, FREE_ALERT), base=tmp_path)
    alert = catalog.alert("DiskAlmostFull")
    assert alert.test is None
    assert alert.text.description.startswith('{{ define "x" }}')


def test_free_alert_without_test_still_needs_closed_actions(tmp_path):
    broken = FREE_ALERT.replace("bytes left'", "bytes left {{'")
    with pytest.raises(CatalogError) as err:
        load_catalog(_catalog(tmp_path, broken), base=tmp_path)
    (problem,) = [str(p) for p in err.value.problems]
    assert "alerts[0].description: unsupported alert template: an unclosed template action" in problem
