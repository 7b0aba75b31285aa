"""Held-out behaviour of the committed Ampel rules, run by promtool: a 7x burn of the 99.9 %
availability SLO (0.7 % of summary requests failing) sustained for 8 hours fires the 6h/30m page
and both tickets, though the threshold alert (1 % over 5 minutes) stays quiet; a 0.5x burn fires
nothing. Series and expectations are written out here, not derived from the catalog."""
from __future__ import annotations

import pytest

from generator import promtool
from generator.renderers.rules import dump_yaml
from tests.support.paths import REPO

SERVICE = 'instance="ampel-api-0:8080", job="ampel-api"'
BUCKETS = ("0.05", "0.1", "0.2", "0.3", "0.5", "0.75", "1.0", "2.0", "5.0", "+Inf")


def _series(errors_per_minute: float) -> list[dict]:
    minutes = 8 * 60
    out = [
        {"series": f'http_requests_total{{{SERVICE}, method="GET", path="/api/dashboard/summary", status="200"}}',
         "values": f"0+1000x{minutes}"},
        # another path: busy, never counted
        {"series": f'http_requests_total{{{SERVICE}, method="GET", path="/healthz", status="200"}}',
         "values": f"0+5000x{minutes}"},
        {"series": f'ampel_dashboard_errors_total{{{SERVICE}, error_type="database"}}',
         "values": f"0+{errors_per_minute:g}x{minutes}"},
        # expired tokens: the client's fault, excluded from the SLO as from the error objective
        {"series": f'ampel_dashboard_errors_total{{{SERVICE}, error_type="auth"}}', "values": f"0+300x{minutes}"},
        {"series": f'ampel_dashboard_summary_duration_seconds_count{{{SERVICE}}}', "values": f"0+1000x{minutes}"},
    ]
    out += [{"series": f'ampel_dashboard_summary_duration_seconds_bucket{{{SERVICE}, le="{le}"}}',
             "values": f"0+1000x{minutes}"} for le in BUCKETS]  # every request under 50 ms
    return out


def _run(tmp_path, errors_per_minute: float, expected: list[dict]) -> list:
    rule_files = sorted(str(p) for folder in ("recording_rules", "alerts") for p in (REPO / folder).glob("*.yaml"))
    document = {"rule_files": rule_files, "evaluation_interval": "1m", "tests": [{
        "name": f"{errors_per_minute:g} errors per 1000 summary requests for 8h", "interval": "1m",
        "input_series": _series(errors_per_minute),
        "promql_expr_test": [{"expr": 'count by (alertname, severity) (ALERTS{alertstate="firing"})', "eval_time": "8h",
                              "exp_samples": expected}]}]}
    path = tmp_path / "held-out-test.yaml"
    path.write_text(dump_yaml(document))
    return promtool.test_rules([path])


def test_a_7x_burn_for_8_hours_pages_and_tickets(tmp_path):
    expected = [{"labels": '{alertname="SummaryAvailabilityBudgetBurn6h", severity="critical"}', "value": 1},
                {"labels": '{alertname="SummaryAvailabilityBudgetBurn1d", severity="warning"}', "value": 1},
                {"labels": '{alertname="SummaryAvailabilityBudgetBurn3d", severity="warning"}', "value": 1}]
    assert _run(tmp_path, 7, expected) == []


def test_a_half_x_burn_for_8_hours_fires_nothing(tmp_path):
    assert _run(tmp_path, 0.5, []) == []


@pytest.mark.parametrize("errors, wrong", [
    (7, []),
    (0.5, [{"labels": '{alertname="SummaryAvailabilityBudgetBurn1h", severity="critical"}', "value": 1}])])
def test_the_check_itself_fails_on_a_wrong_expectation(tmp_path, errors, wrong):
    """The same runs with another expectation fail, so the two tests above can fail."""
    assert _run(tmp_path, errors, wrong) != []
