"""Catalogs using every new objective form (operator matchers, latency matchers, `alert: false`,
`aggregate_by`) generate and pass the whole `obsgen validate` with 0 findings."""
from __future__ import annotations

import pytest

from tests import test_aggregate_by, test_latency_matchers, test_objective_alert_off, test_objective_matchers
from tests.support.inprocess import run_obsgen

CATALOGS = {
    "operator matchers": test_objective_matchers.shop(test_objective_matchers.ONE_COUNTER,
                                                      test_objective_matchers.TWO_COUNTERS),
    "latency matchers": test_latency_matchers.shop(test_latency_matchers.PER_ROUTE, test_latency_matchers.BUT_HEALTH),
    "alert off": test_objective_alert_off.shop(),
    "aggregate_by": test_aggregate_by.shop(),
}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_generate_then_validate_reports_nothing(name, tmp_path):
    CATALOGS[name].write(tmp_path)
    generated = run_obsgen("generate", "--root", str(tmp_path))
    assert generated.returncode == 0, generated.output
    assert (tmp_path / "tests" / "rules" / "shop-api-test.yaml").is_file()
    checked = run_obsgen("validate", "--root", str(tmp_path))
    assert checked.returncode == 0, checked.output
    assert "validate passed: 0 error(s), 0 warning(s)" in checked.output
