"""An SLO whose errors and total share a negative matcher on one counter (route!="/health" on both
sides, 5xx only on the errors side) still gets its generated promtool tests: the good events are
the label sets that escape the errors' matchers on one label (status), not on every label."""
from __future__ import annotations

from generator import promtool
from generator.catalog import load_catalog
from generator.slo.tests import build_slo_plan
from tests.slo_catalogs import SHOP, write_catalog
from tests.support.project import generated_project

SHARED = SHOP.replace(
    'errors: {metric: http_requests_total, matchers: {code: {"=~": "5.."}, route: /pay}}\n'
    '      total: {metric: http_requests_total, matchers: {route: /pay}}',
    'errors: {metric: http_requests_total, matchers: {code: {"=~": "5.."}, route: {"!=": /health}}}\n'
    '      total: {metric: http_requests_total, matchers: {route: {"!=": /health}}}')


def test_shared_negative_matcher_leaves_nothing_untested(tmp_path):
    assert SHARED != SHOP
    catalog = load_catalog(write_catalog(tmp_path / "src", SHARED))
    assert [alert for _, alert, _ in build_slo_plan(catalog).untested] == []


def test_its_generated_tests_pass_promtool(tmp_path):
    root = generated_project(tmp_path / "project", (write_catalog(tmp_path / "src", SHARED),))
    files = sorted((root / "tests" / "rules").glob("shop-api-slo-*-test.yaml"))
    assert len(files) >= 2
    # good events: a non-5xx code on a counted route; the excluded route only as rejected input
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    assert 'code="200"' in text and 'route="/pay"' in text
    assert promtool.test_rules(files) == []
