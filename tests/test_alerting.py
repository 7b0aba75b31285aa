"""The catalog's `alerting:` section: every receiver kind, label routes, inhibition, time intervals,
and the old format. Catalogs are built in code; amtool checks the output. Many catalogs in one
Alertmanager config: tests/test_alerting_project.py."""
from __future__ import annotations

import copy

import pytest
import yaml

from tests.support.alerting_catalogs import ALL_KINDS, checked_config, load, minimal, problems, routed


def test_every_receiver_kind_renders_a_config_amtool_accepts_with_secrets_as_files(tmp_path):
    catalog = load(tmp_path, minimal(receivers=ALL_KINDS))
    assert [r.kind for r in catalog.alerting.receivers] == [
        "pagerduty", "slack", "webhook", "email", "opsgenie", "victorops", "webex", "sns"]
    config = checked_config(tmp_path, catalog)
    document = yaml.safe_load(config.read_text())
    by_name = {r["name"]: r for r in document["receivers"]}
    assert by_name["pager"]["pagerduty_configs"][0]["routing_key_file"] == "/run/secrets/pd"
    assert by_name["pager"]["pagerduty_configs"][0]["send_resolved"] is False
    assert by_name["hook"]["webhook_configs"][0]["http_config"]["authorization"]["credentials_file"] == "/run/secrets/hook"
    assert by_name["mail"]["email_configs"][0]["auth_password_file"] == "/run/secrets/smtp"
    assert by_name["mail"]["email_configs"][0]["from"] == "am@example.com"
    assert by_name["genie"]["opsgenie_configs"][0]["api_key_file"] == "/run/secrets/genie"
    assert by_name["vo"]["victorops_configs"][0]["api_key_file"] == "/run/secrets/vo"
    assert by_name["room"]["webex_configs"][0]["http_config"]["authorization"]["credentials_file"] == "/run/secrets/webex"
    assert by_name["topic"]["sns_configs"][0]["sigv4"] == {"region": "eu-west-1"}
    text = config.read_text()
    for inline in ("service_key:", "api_key:", "auth_password:", "credentials:"):
        assert inline not in text
    assert "api_url" not in by_name["chat"]["slack_configs"][0]  # only opsgenie's non-secret endpoint
    assert "routing_key" not in by_name["pager"]["pagerduty_configs"][0]  # only victorops' non-secret one


@pytest.mark.parametrize("receiver, field, file_field", [
    (0, "routing_key", "routing_key_file"), (0, "service_key", "routing_key_file"), (1, "api_url", "api_url_file"),
    (2, "api_key", "api_key_file"), (3, "api_key", "api_key_file"), (4, "auth_password", "auth_password_file"),
    (5, "credentials", "credentials_file"), (6, "credentials", "credentials_file")])
def test_a_literal_secret_field_is_a_located_error_naming_the_file_variant(tmp_path, receiver, field, file_field):
    receivers = copy.deepcopy([ALL_KINDS[i] for i in (0, 1, 4, 5, 3, 2, 6)])
    receivers[receiver][field] = "https://hooks.example.com/s3cr3t"
    found = problems(tmp_path, minimal(receivers=receivers))
    assert f"give {file_field}" in found[f"alerting.receivers[{receiver}].{field}"], found


@pytest.mark.parametrize("kind", ["pushover", "telegram", "wechat", "discord"])
def test_kinds_alertmanager_025_reads_only_inline_secrets_from_are_refused(tmp_path, kind):
    data = minimal()
    data["alerting"]["receivers"].append({"name": "other", "type": kind})
    found = problems(tmp_path, data)
    assert "only inline" in found["alerting.receivers[2].type"]


@pytest.mark.parametrize("receiver, path, needle", [
    ({"name": "x", "type": "email", "to": "a@b.c", "smarthost": "h:25"}, "alerting.receivers[2]", "needs from"),
    ({"name": "x", "type": "webhook", "url": "https://h/", "channel": "#c"}, "alerting.receivers[2].channel",
     "belongs to another receiver type"),
    ({"name": "x", "type": "webhook", "url": "ftp://h/"}, "alerting.receivers[2].url", "does not match"),
    ({"name": "x", "type": "opsgenie", "api_key_file": "relative/key"}, "alerting.receivers[2].api_key_file",
     "does not match"),
    ({"name": "x", "type": "email", "to": "a", "from": "b", "smarthost": "no-port"}, "alerting.receivers[2].smarthost",
     "does not match"),
    ({"name": "x", "type": "webhook", "url": "https://h/", "max_alerts": -1}, "alerting.receivers[2].max_alerts",
     "minimum"),
    ({"name": "x", "type": "victorops", "api_key_file": "/k"}, "alerting.receivers[2]", "needs routing_key"),
    ({"name": "x", "type": "webex", "room_id": "r"}, "alerting.receivers[2]", "needs credentials_file"),
    ({"name": "x", "type": "sns", "topic_arn": "not-an-arn"}, "alerting.receivers[2].topic_arn", "does not match"),
    ({"name": "x", "type": "teams"}, "alerting.receivers[2].type", "is not one of"),
    ({"name": "chat", "type": "slack", "api_url_file": "/s"}, "alerting.receivers[2].name", "duplicate receiver"),
])
def test_bad_receiver_fields_are_located(tmp_path, receiver, path, needle):
    data = minimal()
    data["alerting"]["receivers"].append(receiver)
    found = problems(tmp_path, data)
    assert needle in found.get(path, ""), found


def test_routes_match_any_label_with_every_operator_continue_and_nesting(tmp_path):
    routes = [
        {"receiver": "hook", "matchers": ['env!="dev"'], "continue": True},
        {"receiver": "pager", "matchers": ['severity="critical"', 'service=~"checkout|payments"'],
         "group_by": ["alertname", "service"], "group_wait": "10s", "group_interval": "1m", "repeat_interval": "30m",
         "routes": [{"receiver": "genie", "matchers": ['region!~"eu-.*"']}]},
        {"receiver": "mail", "matchers": ['team="orders"', 'severity=~"warning|info"']},
    ]
    catalog = load(tmp_path, minimal(receivers=ALL_KINDS, routes=routes))
    config = checked_config(tmp_path, catalog)
    base = {"job": "orders-api", "team": "orders"}
    assert routed(config, **base, env="prod", severity="critical", service="payments", region="eu-west") == "hook,pager"
    assert routed(config, **base, env="prod", severity="critical", service="payments", region="us-east") == "hook,genie"
    assert routed(config, **base, env="dev", severity="critical", service="search") == "chat"
    assert routed(config, **base, env="dev", severity="info") == "mail"
    assert routed(config, job="other-api", team="orders", severity="critical", env="dev") == "chat"  # root default
    sub = yaml.safe_load(config.read_text())["route"]["routes"][0]["routes"][1]
    assert (sub["group_wait"], sub["group_interval"], sub["repeat_interval"]) == ("10s", "1m", "30m")
    # the model's evaluation agrees with amtool's
    assert catalog.alerting.receivers_for({**base, "env": "prod", "severity": "critical", "service": "payments",
                                           "region": "us-east"}) == ("hook", "genie")


@pytest.mark.parametrize("route, path, needle", [
    ({"receiver": "nobody"}, "alerting.routes[1].receiver", "unknown receiver"),
    ({"receiver": "pager", "matchers": ["severity"]}, "alerting.routes[1].matchers[0]", "is not a matcher"),
    ({"receiver": "pager", "matchers": ['service=~"(unclosed"']}, "alerting.routes[1].matchers[0]",
     "invalid regular expression"),
    ({"receiver": "pager", "matchers": ['9bad="x"']}, "alerting.routes[1].matchers[0]", "is not a matcher"),
    ({"receiver": "pager", "continue": "yes"}, "alerting.routes[1].continue", "is not of type 'boolean'"),
    ({"receiver": "pager", "group_wait": "soon"}, "alerting.routes[1].group_wait", "not a Prometheus duration"),
    ({"receiver": "pager", "group_interval": "5"}, "alerting.routes[1].group_interval", "not a Prometheus duration"),
    ({"receiver": "pager", "repeat_interval": "1 hour"}, "alerting.routes[1].repeat_interval", "not a Prometheus duration"),
    ({"receiver": "pager", "group_by": "alertname"}, "alerting.routes[1].group_by", "is not of type 'array'"),
    ({"receiver": "pager", "mute_time_intervals": ["weekends"]}, "alerting.routes[1].mute_time_intervals[0]",
     "unknown time interval"),
    ({"receiver": "pager", "active_time_intervals": ["office"]}, "alerting.routes[1].active_time_intervals[0]",
     "unknown time interval"),
    ({"receiver": "pager", "routes": [{"receiver": "ghost"}]}, "alerting.routes[1].routes[0].receiver",
     "unknown receiver"),
    ({"receiver": "pager", "match": {"a": "b"}}, "alerting.routes[1].match", "unknown field"),
])
def test_bad_route_fields_are_located(tmp_path, route, path, needle):
    data = minimal()
    data["alerting"]["routes"].append(route)
    found = problems(tmp_path, data)
    assert needle in found.get(path, ""), found


def test_critical_inhibits_warning_of_the_same_alertname_and_service_by_default(tmp_path):
    catalog = load(tmp_path, minimal())
    document = yaml.safe_load(checked_config(tmp_path, catalog).read_text())
    assert document["inhibit_rules"] == [{"source_matchers": ['severity="critical"'],
                                          "target_matchers": ['severity="warning"'],
                                          "equal": ["alertname", "job", "team"]}]


def test_inhibition_default_can_be_turned_off_and_rules_added(tmp_path):
    rules = [{"source_matchers": ['alertname="ServiceDown"'], "target_matchers": ['severity=~"warning|info"'],
              "equal": ["job"]}]
    catalog = load(tmp_path, minimal(inhibit_rules={"default": False, "rules": rules}))
    document = yaml.safe_load(checked_config(tmp_path, catalog).read_text())
    assert document["inhibit_rules"] == [{"source_matchers": ['alertname="ServiceDown"'],
                                          "target_matchers": ['severity=~"warning|info"'], "equal": ["job"]}]


def test_the_default_inhibition_is_left_out_when_the_service_has_no_critical_and_warning(tmp_path):
    data = minimal(routes=[])
    data["service"]["severities"] = ["page", "ticket"]
    assert load(tmp_path, data).alerting.inhibit_rules == ()


@pytest.mark.parametrize("inhibit, path, needle", [
    ({"default": "no"}, "alerting.inhibit_rules.default", "is not of type 'boolean'"),
    ({"rules": [{"source_matchers": ['severity="critical"']}]}, "alerting.inhibit_rules.rules[0]",
     "'target_matchers' is a required property"),
    ({"rules": [{"source_matchers": ["critical"], "target_matchers": ['a="b"']}]},
     "alerting.inhibit_rules.rules[0].source_matchers[0]", "is not a matcher"),
    ({"rules": [{"source_matchers": ['a="b"'], "target_matchers": ['a=~"*"']}]},
     "alerting.inhibit_rules.rules[0].target_matchers[0]", "invalid regular expression"),
    ({"rules": [{"source_matchers": ['a="b"'], "target_matchers": ['c="d"'], "equal": ["bad-label"]}]},
     "alerting.inhibit_rules.rules[0].equal[0]", "not a Prometheus label name"),
    ({"rules": [{"source_matchers": [], "target_matchers": ['c="d"']}]},
     "alerting.inhibit_rules.rules[0].source_matchers", "should be non-empty"),
])
def test_bad_inhibition_fields_are_located(tmp_path, inhibit, path, needle):
    found = problems(tmp_path, minimal(inhibit_rules=inhibit))
    assert any(needle in m for p, m in found.items() if p == path), found


WEEKENDS = {"name": "weekends", "time_intervals": [
    {"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"},
    {"weekdays": ["monday:friday"], "times": [{"start_time": "00:00", "end_time": "07:00"}],
     "days_of_month": ["1:7", -1], "months": ["january:march", 12], "years": ["2026:2027"]},
]}


def test_time_intervals_render_and_routes_reference_them(tmp_path):
    routes = [{"receiver": "pager", "matchers": ['severity="critical"']},
              {"receiver": "chat", "matchers": ['severity="warning"'], "mute_time_intervals": ["weekends"],
               "active_time_intervals": ["weekends"]}]
    catalog = load(tmp_path, minimal(routes=routes, time_intervals=[WEEKENDS]))
    document = yaml.safe_load(checked_config(tmp_path, catalog).read_text())
    assert document["time_intervals"] == [{"name": "weekends", "time_intervals": [
        {"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"},
        {"times": [{"start_time": "00:00", "end_time": "07:00"}], "weekdays": ["monday:friday"],
         "days_of_month": ["1:7", "-1"], "months": ["january:march", "12"], "years": ["2026:2027"]}]}]
    assert document["route"]["routes"][0]["routes"][1]["mute_time_intervals"] == ["weekends"]


@pytest.mark.parametrize("spec, path, needle", [
    ({"times": [{"start_time": "25:00", "end_time": "26:00"}]}, "times[0].start_time", "not a time of day"),
    ({"times": [{"start_time": "09:00", "end_time": "08:00"}]}, "times[0]", "must be before"),
    ({"times": [{"start_time": "09:00"}]}, "times[0]", "'end_time' is a required property"),
    ({"weekdays": ["funday"]}, "weekdays[0]", "does not match"),
    ({"days_of_month": ["32"]}, "days_of_month[0]", "does not match"),
    ({"months": ["13"]}, "months[0]", "does not match"),
    ({"years": ["26"]}, "years[0]", "does not match"),
    ({"location": ""}, "location", "should be non-empty"),
    ({"location": "Mars/Olympus"}, "location", "unknown time zone"),
    ({"hours": [1]}, "hours", "unknown field"),
    ({"weekdays": ["saturday:sunday"]}, "weekdays[0]", "runs backwards"),
    ({"months": ["march:1"]}, "months[0]", "runs backwards"),
    ({"days_of_month": ["10:2"]}, "days_of_month[0]", "runs backwards"),
    ({"years": ["2027:2026"]}, "years[0]", "runs backwards"),
])
def test_bad_time_interval_fields_are_located(tmp_path, spec, path, needle):
    found = problems(tmp_path, minimal(time_intervals=[{"name": "w", "time_intervals": [spec]}]))
    full = f"alerting.time_intervals[0].time_intervals[0].{path}"
    assert any(needle in m for p, m in found.items() if p == full), found


def test_duplicate_time_interval_names_are_located(tmp_path):
    found = problems(tmp_path, minimal(time_intervals=[WEEKENDS, WEEKENDS]))
    assert "duplicate time interval" in found["alerting.time_intervals[1].name"]


@pytest.mark.parametrize("match, needle", [({}, "should be non-empty"), ({"team": ""}, "should be non-empty"),
                                           ({"bad-name": "x"}, "not a Prometheus label name")])
def test_bad_match_is_located(tmp_path, match, needle):
    found = problems(tmp_path, minimal(match=match))
    assert any(needle in m for p, m in found.items() if p.startswith("alerting.match")), found


def test_the_old_severity_per_receiver_format_still_loads_as_routes(tmp_path):
    old = minimal(routes=None)
    del old["alerting"]["routes"]
    old["alerting"]["receivers"][0].update(severities=["critical"], repeat_interval="1h")
    old["alerting"]["receivers"][1]["severities"] = ["warning", "info"]
    catalog = load(tmp_path, old)
    config = checked_config(tmp_path, catalog)
    assert routed(config, job="orders-api", team="orders", severity="critical") == "pager"
    assert routed(config, job="orders-api", team="orders", severity="info") == "chat"
    assert [r.repeat_interval for r in catalog.alerting.routes] == ["1h", ""]


def test_mixing_the_old_severities_with_routes_says_how_to_migrate(tmp_path):
    data = minimal()
    data["alerting"]["receivers"][0]["severities"] = ["critical"]
    found = problems(tmp_path, data)
    assert "move it to a route" in found["alerting.receivers[0].severities"]
