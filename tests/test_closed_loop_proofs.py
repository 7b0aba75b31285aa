"""The closed loop's checks, on observations written by hand: each accepts what a correct rule and
route produce and refuses what a wrong one produces, with the margins the loop documents."""
from __future__ import annotations

import re

import pytest
import yaml

from generator.catalog import load_catalog
from tests.e2e import proofs
from tests.e2e.configs import ALERTMANAGER_SCALE, EVAL_INTERVAL_SECONDS, RULE_SCALE, alertmanager_loop_config
from tests.e2e.proofs import Expectation, Received, Timeline
from tests.support.paths import AMPEL, REPO


@pytest.fixture(scope="module")
def expected() -> dict[str, Expectation]:
    return {e.name: e for e in proofs.expectations(load_catalog(AMPEL), RULE_SCALE, ALERTMANAGER_SCALE)}


def test_expectations_are_the_catalog_scaled(expected):
    table = {n: (e.trigger, e.for_seconds, e.window_seconds, e.receiver, e.repeat_seconds) for n, e in expected.items()}
    assert table == {
        "DashboardSummarySlowResponse": ("latency", 5.0, 5.0, "slack-backend", 24.0),
        "DashboardSummaryHighErrorRate": ("errors", 3.0, 5.0, "pagerduty-backend", 6.0),
        "DashboardSummaryTargetDown": ("outage", 2.0, 0.0, "pagerduty-backend", 6.0),
        "DashboardSummaryMetricsAbsent": ("outage", 10.0, 0.0, "slack-backend", 24.0),
        # alerts on recorded series: the window is the 5m range of the rules they read, scaled
        "DashboardCacheHitRateLow": ("outage", 10.0, 5.0, "slack-backend", 24.0),
        "DashboardSummaryOptimisedSlower": ("outage", 10.0, 5.0, "slack-backend", 24.0),
    }
    error = expected["DashboardSummaryHighErrorRate"]
    assert error.group_by == ("alertname", "job") and error.group_interval_seconds == 0.5
    assert error.labels == {"severity": "critical", "team": "backend"}
    assert error.summary == "Dashboard summary error rate is high"
    assert error.description.match("1.2% of dashboard summary requests on ampel-api failed (auth failures not "
                                   "counted), above the 1% objective for 3m.")
    assert not error.description.match("1.2% of dashboard summary requests on ampel-api failed (auth failures not "
                                       "counted), above the 0.1% objective for 3m.")


def test_a_free_form_alert_can_name_its_own_trigger():
    given = proofs.expectations(load_catalog(AMPEL), RULE_SCALE, ALERTMANAGER_SCALE,
                                {"DashboardCacheHitRateLow": "rollout"})
    triggers = {e.name: e.trigger for e in given}
    assert triggers["DashboardCacheHitRateLow"] == "rollout" and triggers["DashboardSummaryTargetDown"] == "outage"


def test_the_window_of_a_free_form_alert_follows_the_rules_it_reads():
    catalog = load_catalog(AMPEL)
    assert proofs.read_window_seconds(catalog, "up{$selector} == 0") == 0
    assert proofs.read_window_seconds(catalog, "job:ampel_dashboard_cache_hit:ratio_rate5m{$selector} < 0.85") == 300
    # two recording rules deep: the ratio reads the per-strategy p95, which reads the 5m rate
    assert proofs.read_window_seconds(
        catalog, "job:ampel_dashboard_summary_duration_seconds:p95_aggregate_over_naive_rate5m > 1") == 300
    assert proofs.read_window_seconds(catalog, "rate(up[10m]) > 0") == 600


def test_margins_leave_every_for_measurable(expected):
    """Every scaled `for` spans at least two evaluations, so 'fired exactly for later' is a real check;
    the resolve margin covers a scrape, an evaluation and a notification, and stays below the shortest
    window plus for (a rule that never resolves cannot hide in it)."""
    assert min(e.for_seconds for e in expected.values()) >= 2 * EVAL_INTERVAL_SECONDS
    assert proofs.RESOLVE_MARGIN_SECONDS >= 2 * EVAL_INTERVAL_SECONDS + 1
    assert proofs.REPEAT_MARGIN_SECONDS < min(e.repeat_seconds for e in expected.values()) / 2


def _timeline(pending_at: float, fired_after: float, last_firing: float, triggered=100.0, recovered=110.0, missed=0):
    pending = [pending_at + i for i in range(int(fired_after))]
    firing = [pending_at + fired_after + i for i in range(int(last_firing - pending_at - fired_after) + 1)]
    return Timeline(pending, firing, triggered, recovered, missed)


def test_fires_exactly_for_after_pending(expected):
    e = expected["DashboardSummaryHighErrorRate"]  # for 3 s
    assert proofs.check_fires_after_for(_timeline(101.0, 3.0, 110.0), e, 1.0) == []
    assert proofs.check_fires_after_for(_timeline(101.0, 4.0, 110.0), e, 1.0) == []  # one evaluation late: slack
    early = proofs.check_fires_after_for(_timeline(101.0, 2.0, 110.0), e, 1.0)
    assert early and "before its for of 3s" in early[0]
    late = proofs.check_fires_after_for(_timeline(101.0, 5.0, 110.0), e, 1.0)  # a 5m for where the catalog says 3m
    assert late and "later than its for" in late[0]
    assert proofs.check_fires_after_for(_timeline(101.0, 5.0, 110.0, missed=1), e, 1.0) == []
    assert proofs.check_fires_after_for(Timeline([], [], 100, 110), e, 1.0) == [f"{e.name} was never pending"]
    assert "never fired" in proofs.check_fires_after_for(Timeline([101.0, 102.0], [], 100, 110), e, 1.0)[0]
    before = proofs.check_fires_after_for(_timeline(95.0, 3.0, 110.0), e, 1.0)
    assert before and "before its trigger" in before[0]


def test_resolves_within_the_window_after_recovery(expected):
    e = expected["DashboardSummaryHighErrorRate"]  # window 5 s, margin 4 s
    assert proofs.check_resolves_after_recovery(_timeline(101, 3, 115.0), e, 1.0, still_active=False) == []
    assert "still firing" in proofs.check_resolves_after_recovery(_timeline(101, 3, 120.0), e, 1.0, False)[0]
    assert "still firing" in proofs.check_resolves_after_recovery(_timeline(101, 3, 112.0), e, 1.0, True)[0]
    assert "before recovery" in proofs.check_resolves_after_recovery(_timeline(101, 3, 106.0), e, 1.0, False)[0]


def _note(path, at, name, status, labels=None, group=None, summary="Dashboard summary error rate is high",
          description="3% of dashboard summary requests on ampel-api failed (auth failures not counted), "
                      "above the 1% objective for 3m."):
    labels = {"alertname": name, "job": "ampel-api", "severity": "critical", "team": "backend", **(labels or {})}
    return Received(path, at, {"receiver": path, "status": status,
                               "groupLabels": group if group is not None else {"alertname": name, "job": "ampel-api"},
                               "alerts": [{"status": status, "labels": labels, "annotations": {
                                   "summary": summary, "description": description,
                                   "runbook_url": f"https://runbooks.example.com/ampel/{name}"}}]})


NAME = "DashboardSummaryHighErrorRate"


def test_notifications_to_the_routed_receiver_with_the_catalogs_grouping_and_text(expected):
    e = expected[NAME]
    good = [_note("pagerduty-backend", 10, NAME, "firing"), _note("pagerduty-backend", 16.2, NAME, "firing"),
            _note("pagerduty-backend", 20, NAME, "resolved")]
    assert proofs.check_notifications(good, e, "ampel-api") == []
    assert proofs.check_repeats(good, e) == []
    wrong_receiver = [_note("slack-backend", 10, NAME, "firing"), _note("slack-backend", 20, NAME, "resolved")]
    assert any("went to slack-backend" in p for p in proofs.check_notifications(wrong_receiver, e, "ampel-api"))
    ungrouped = [_note("pagerduty-backend", 10, NAME, "firing", group={}), _note("pagerduty-backend", 12, NAME, "resolved")]
    assert any("grouped by {}" in p for p in proofs.check_notifications(ungrouped, e, "ampel-api"))
    wrong_text = [_note("pagerduty-backend", 10, NAME, "firing", description="3% ... above the 0.1% objective for 3m."),
                  _note("pagerduty-backend", 12, NAME, "resolved")]
    assert any("description" in p for p in proofs.check_notifications(wrong_text, e, "ampel-api"))
    wrong_severity = [_note("pagerduty-backend", 10, NAME, "firing", labels={"severity": "warning"}),
                      _note("pagerduty-backend", 12, NAME, "resolved")]
    assert any("labels" in p for p in proofs.check_notifications(wrong_severity, e, "ampel-api"))
    unresolved = [_note("pagerduty-backend", 10, NAME, "firing")]
    assert proofs.check_notifications(unresolved, e, "ampel-api") == [f"{NAME}: no resolved notification after recovery"]


def test_repeats_follow_the_routes_repeat_interval(expected):
    e = expected[NAME]  # 1h -> 6 s, group_interval 0.5 s, margin 1.5 s
    never = [_note("pagerduty-backend", 10, NAME, "firing"), _note("pagerduty-backend", 19, NAME, "resolved")]
    assert "without a repeat" in proofs.check_repeats(never, e)[0]  # a 4h repeat where the route says 1h
    early = [_note("pagerduty-backend", 10, NAME, "firing"), _note("pagerduty-backend", 12, NAME, "firing"),
             _note("pagerduty-backend", 14, NAME, "resolved")]
    assert "repeated after 2.00s" in proofs.check_repeats(early, e)[0]
    short = [_note("pagerduty-backend", 10, NAME, "firing"), _note("pagerduty-backend", 13, NAME, "resolved")]
    assert proofs.check_repeats(short, e) == []  # resolved before a repeat was due


def test_route_repeat_interval_read_from_the_loaded_config():
    config = yaml.safe_load(yaml.safe_dump(alertmanager_loop_config(REPO, "http://127.0.0.1:9")))
    assert proofs.route_repeat_seconds(config, "pagerduty-backend", "critical") == 6.0
    assert proofs.route_repeat_seconds(config, "slack-backend", "warning") == 24.0
    assert proofs.route_repeat_seconds(config, "slack-backend", "critical") is None


def test_description_pattern_fills_only_template_actions():
    pattern = proofs._pattern("p95 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above 500ms (x+y).")
    assert pattern.match("p95 is 701.2ms on ampel-api, above 500ms (x+y).")
    assert not pattern.match("p95 is 701.2ms on ampel-api, above 400ms (x+y).")
    assert not pattern.match("p95 is  on ampel-api, above 500ms (x+y).")
    assert re.escape("(x+y)") in pattern.pattern
