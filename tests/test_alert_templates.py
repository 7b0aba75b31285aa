"""Alert templates: Prometheus accepts more than the generated tests can predict. A free-form alert
without a `test:` block may use any template Prometheus accepts (validate then reports it as
untested); one with a test block, or an objective's alert, must stay in the predicted subset."""
from __future__ import annotations

import pytest

from generator.build import go_template
from generator.catalog import load_catalog
from generator.errors import CatalogError
import yaml

from tests.support.catalog_builder import CatalogBuilder

FREE_ALERT = """alerts:
  - name: DiskAlmostFull
    expr: node_filesystem_avail_bytes < 1
    for: 5m
    severity: warning
    summary: Disk almost full
    description: '{{ define "x" }}y{{ end }}only {{ printf "%.2f" $value }} bytes left'
"""


def _catalog(tmp_path, alerts: str):
    """A catalog built in code whose `alerts:` section is the YAML given."""
    return CatalogBuilder("shop").set("alerts", yaml.safe_load(alerts)["alerts"]).write(tmp_path)


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
