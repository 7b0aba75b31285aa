"""The catalog's `alerting:` section: every receiver kind, label routes, inhibition, time intervals,
and many catalogs in one Alertmanager config. Catalogs are built in code; amtool checks the output."""
from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.pipeline import render_all
from generator.renderers import alertmanager
from generator.validators.alertmanager_config import check_alertmanager_config
from generator.validators.context import build_context
from tests.support.catalog_builder import CatalogBuilder, counter
from tests.support.catalog_edit import line_containing
from tests.support.inprocess import run_obsgen

AMTOOL = shutil.which("amtool") or "amtool"  # make setup installs it; missing means fail, never skip


def minimal(name: str = "orders-api", team: str = "orders", **alerting) -> dict:
    """A minimal valid catalog with an alerting section of two receivers, plus `alerting` overrides."""
    section = {
        "default_receiver": "chat",
        "receivers": [
            {"name": "pager", "type": "pagerduty", "routing_key_file": "/run/secrets/pd"},
            {"name": "chat", "type": "slack", "api_url_file": "/run/secrets/slack", "channel": "#orders"},
        ],
        "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}],
    }
    section.update(alerting)
    return CatalogBuilder(name, team=team, metrics=[counter("requests_total")]).alerting(section).data


def write(tmp_path: Path, data: dict, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load(tmp_path: Path, data: dict, name: str = "catalog.yaml"):
    return load_catalog(write(tmp_path, data, name), base=tmp_path)


def problems(tmp_path: Path, data: dict) -> dict[str, str]:
    with pytest.raises(CatalogError) as exc:
        load(tmp_path, data)
    for p in exc.value.problems:
        assert p.location.file == "catalog.yaml" and p.location.line, p
    return {p.location.path: p.message for p in exc.value.problems}


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=30)


def checked_config(tmp_path: Path, *catalogs) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(alertmanager.render_many(catalogs)[alertmanager.CONFIG_PATH])
    result = amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def routed(config: Path, **labels: str) -> str:
    result = amtool("config", "routes", "test", f"--config.file={config}", *(f"{k}={v}" for k, v in labels.items()))
    return result.stdout.strip()


ALL_KINDS = [
    {"name": "pager", "type": "pagerduty", "routing_key_file": "/run/secrets/pd", "send_resolved": False},
    {"name": "chat", "type": "slack", "api_url_file": "/run/secrets/slack"},
    {"name": "hook", "type": "webhook", "url": "https://relay.example.com/alerts", "credentials_file": "/run/secrets/hook",
     "max_alerts": 10},
    {"name": "mail", "type": "email", "to": "oncall@example.com", "from": "am@example.com",
     "smarthost": "smtp.example.com:587", "auth_username": "am", "auth_password_file": "/run/secrets/smtp"},
    {"name": "genie", "type": "opsgenie", "api_key_file": "/run/secrets/genie", "api_url": "https://api.eu.opsgenie.com/",
     "priority": "P2"},
    {"name": "vo", "type": "victorops", "api_key_file": "/run/secrets/vo", "routing_key": "orders"},
    {"name": "room", "type": "webex", "room_id": "abc", "credentials_file": "/run/secrets/webex"},
    {"name": "topic", "type": "sns", "topic_arn": "arn:aws:sns:eu-west-1:123456789012:alerts", "region": "eu-west-1"},
]


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


def test_all_catalogs_render_one_config_with_a_subtree_each(tmp_path):
    api = load(tmp_path, minimal(), "api.yaml")
    worker = minimal("orders-worker", routes=[{"receiver": "hook", "matchers": ['severity="critical"']}])
    worker["alerting"]["receivers"][0] = ALL_KINDS[2]
    worker = load(tmp_path, worker, "worker.yaml")
    rendered = render_all([api, worker], ["alertmanager"])
    assert list(rendered.artifacts) == ["alertmanager/alertmanager.yml"]
    config = tmp_path / "am.yml"
    config.write_text(rendered.artifacts["alertmanager/alertmanager.yml"])
    assert amtool("check-config", str(config)).returncode == 0
    document = yaml.safe_load(config.read_text())
    assert [r["matchers"] for r in document["route"]["routes"]] == [['job="orders-api"', 'team="orders"'],
                                                                    ['job="orders-worker"', 'team="orders"']]
    assert sorted(r["name"] for r in document["receivers"]) == ["chat", "hook", "pager"]  # chat shared, once
    assert routed(config, job="orders-api", team="orders", severity="critical") == "pager"
    assert routed(config, job="orders-worker", team="orders", severity="critical") == "hook"
    assert rendered.artifacts["alertmanager/alertmanager.yml"].splitlines()[1] == "# and from worker.yaml"


def test_one_receiver_name_declared_differently_by_two_catalogs_is_located(tmp_path):
    api = load(tmp_path, minimal(), "api.yaml")
    other = minimal("orders-worker")
    other["alerting"]["receivers"][1]["channel"] = "#elsewhere"
    worker = load(tmp_path, other, "worker.yaml")
    with pytest.raises(CatalogError) as exc:
        render_all([api, worker], ["alertmanager"])
    [problem] = exc.value.problems
    assert (problem.location.file, problem.location.path) == ("worker.yaml", "alerting.receivers[1].name")
    assert problem.location.line == line_containing(tmp_path / "worker.yaml", "name: chat")
    assert "api.yaml" in problem.message


def test_two_catalogs_with_the_same_subtree_match_or_resolve_timeout_are_located(tmp_path):
    api = load(tmp_path, minimal(resolve_timeout="5m"), "api.yaml")
    worker = load(tmp_path, minimal(match={"job": "orders-api", "team": "orders"}, resolve_timeout="10m"), "worker.yaml")
    with pytest.raises(CatalogError) as exc:
        render_all([api, worker], ["alertmanager"])
    assert sorted(p.location.path for p in exc.value.problems) == ["alerting.match", "alerting.resolve_timeout"]


def test_generate_with_bad_alerting_exits_3_and_writes_nothing(tmp_path):
    data = minimal(routes=[{"receiver": "pager", "matchers": ['severity=~"(oops"']}])
    (tmp_path / "catalog").mkdir()
    write(tmp_path / "catalog", data, "orders.yaml")
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    assert "orders.yaml:" in ran.output and "alerting.routes[0].matchers[0]" in ran.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_validate_route_tests_cover_every_route_and_report_a_shadowed_one(tmp_path):
    routes = [{"receiver": "pager", "matchers": ['severity=~"critical|warning"']},
              {"receiver": "chat", "matchers": ['severity="warning"']}]
    catalog = load(tmp_path, minimal(routes=routes))
    ctx = build_context(tmp_path, [catalog], ["alertmanager"])
    ctx.workdir = tmp_path
    findings = check_alertmanager_config(ctx)
    line = line_containing(tmp_path / "catalog.yaml", "receiver: chat", after="routes:")
    assert [(f.rule, f.item, f.line) for f in findings] == [
        ("alertmanager-route-unreachable", "route routes[1] -> chat", line)]


def test_validate_reports_a_subtree_another_catalog_shadows(tmp_path):
    broad = load(tmp_path, minimal(match={"team": "orders"}), "api.yaml")
    worker = load(tmp_path, minimal("orders-worker", routes=[{"receiver": "chat", "matchers": ['severity="critical"']}]),
                  "worker.yaml")
    ctx = build_context(tmp_path, [broad, worker], ["alertmanager"])
    ctx.workdir = tmp_path
    findings = [(f.rule, f.file, f.item) for f in check_alertmanager_config(ctx)]
    assert ("alertmanager-route-mismatch", "worker.yaml", "route routes[0] -> chat") in findings
    assert ("alertmanager-route-mismatch", "worker.yaml", "severity=critical") in findings
    assert all(file == "worker.yaml" for _, file, _ in findings)



def test_the_shipped_catalogs_together_pass_amtool_and_every_route_test(tmp_path):
    from tests.support.paths import AMPEL, CHECKOUT, REPO
    catalogs = [load_catalog(p.relative_to(REPO)) for p in (AMPEL, CHECKOUT)]
    ctx = build_context(REPO, catalogs, ["alertmanager"])
    ctx.workdir = tmp_path
    assert check_alertmanager_config(ctx) == []
    config = tmp_path / "both.yml"
    config.write_text(ctx.rendered.artifacts[alertmanager.CONFIG_PATH])
    checkout = {"team": "payments", "namespace": "shop", "job": "checkout-api", "alertname": "CheckoutDown"}
    assert routed(config, **checkout, severity="page") == "payments-audit,payments-opsgenie"
    assert routed(config, **checkout, severity="ticket") == "payments-audit,payments-mail"
    assert routed(config, team="backend", job="ampel-api", alertname="X", severity="critical") == "pagerduty-backend"


def test_a_route_no_label_value_can_satisfy_is_reported_untestable(tmp_path):
    routes = [{"receiver": "pager", "matchers": ['env=~"prod"', 'env!~"prod"']}]
    catalog = load(tmp_path, minimal(routes=routes))
    ctx = build_context(tmp_path, [catalog], ["alertmanager"])
    ctx.workdir = tmp_path
    findings = [(f.rule, f.file, f.item) for f in check_alertmanager_config(ctx)]
    assert ("alertmanager-route-untestable", "catalog.yaml", "route routes[0] -> pager") in findings


def test_generate_replaces_the_old_per_service_file_with_the_one_config(tmp_path):
    (tmp_path / "catalog").mkdir()
    write(tmp_path / "catalog", minimal(), "orders.yaml")
    old = tmp_path / "alertmanager" / "orders-api.yml"
    old.parent.mkdir()
    old.write_text("# Generated by obsgen from catalog/orders.yaml. Do not edit: change the catalog and run "
                   "`make generate`.\nroute: {receiver: chat}\n")
    ran = run_obsgen("generate", "--root", str(tmp_path), "alertmanager")
    assert ran.returncode == 0, ran.output
    assert sorted(p.name for p in old.parent.iterdir()) == ["alertmanager.yml"]


@pytest.mark.parametrize("where", ["section", "route", "nested"])
def test_a_duration_alertmanager_cannot_hold_is_located(tmp_path, where):
    data = minimal()
    if where == "section":
        data["alerting"]["repeat_interval"], path = "300y", "alerting.repeat_interval"
    elif where == "route":
        data["alerting"]["routes"][0]["group_wait"], path = "300y", "alerting.routes[0].group_wait"
    else:
        data["alerting"]["routes"][0]["routes"] = [{"receiver": "chat", "group_interval": "300y"}]
        path = "alerting.routes[0].routes[0].group_interval"
    assert "out of range" in problems(tmp_path, data)[path]
