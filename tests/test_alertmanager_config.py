"""The generated Alertmanager config: accepted by amtool, routes each severity to the catalog's receiver,
reads every secret from a file and never inlines one."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.renderers import alertmanager
from tests.support.catalog_builder import CatalogBuilder
from tests.support.paths import AMPEL, REPO

# make test installs Debian prometheus-alertmanager; without amtool these tests fail, never skip.
AMTOOL = shutil.which("amtool") or "amtool"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(AMPEL.relative_to(REPO))


@pytest.fixture(scope="module")
def config_file(catalog, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("am") / "alertmanager.yml"
    path.write_text(alertmanager.render(catalog)[alertmanager.config_path(catalog)])
    return path


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=30)


def test_amtool_check_config_accepts_the_generated_config(config_file):
    result = amtool("check-config", str(config_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_committed_config_is_the_rendered_one(catalog, config_file):
    assert (REPO / alertmanager.config_path(catalog)).read_text() == config_file.read_text()


@pytest.mark.parametrize("severity, expected", [("critical", "pagerduty-backend"), ("warning", "slack-backend"),
                                                ("info", "slack-backend")])
def test_routes_send_each_severity_to_the_seed_receiver(config_file, severity, expected):
    result = amtool("config", "routes", "test", f"--config.file={config_file}", f"--verify.receivers={expected}",
                    f"severity={severity}", "alertname=AnyAlert", "job=ampel-api", "team=backend")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == expected


# Every alert of the shipped catalog, the severity the catalog gives it and the receiver that severity
# must reach (catalog/ampel.yaml: critical pages PagerDuty, warning goes to Slack).
ROUTED = {"DashboardSummarySlowResponse": ("warning", "slack-backend"),
          "DashboardSummaryHighErrorRate": ("critical", "pagerduty-backend"),
          "DashboardSummaryTargetDown": ("critical", "pagerduty-backend"),
          "DashboardSummaryMetricsAbsent": ("warning", "slack-backend")}


def test_routes_follow_the_catalog_for_every_alert_the_committed_rules_define(config_file):
    """Each committed alert carries the catalog's severity and reaches the receiver the catalog names for it."""
    committed = yaml.safe_load((REPO / "alerts/ampel-dashboard-summary-alerts.yaml").read_text())
    severities = {r["alert"]: r["labels"]["severity"] for g in committed["groups"] for r in g["rules"]}
    assert severities == {name: severity for name, (severity, _) in ROUTED.items()}
    for alert, (severity, receiver) in ROUTED.items():
        result = amtool("config", "routes", "test", f"--config.file={config_file}", f"severity={severity}",
                        f"alertname={alert}", "job=ampel-api", "team=backend")
        assert result.stdout.strip() == receiver, alert


def test_grouping_and_repeat_timing_are_the_catalogs(config_file):
    document = yaml.safe_load(config_file.read_text())
    route = document["route"]["routes"][0]  # the catalog's subtree
    assert route["matchers"] == ['job="ampel-api"', 'team="backend"']
    assert route["group_by"] == ["alertname", "job"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("30s", "5m", "4h")
    assert [(r["receiver"], r.get("repeat_interval")) for r in route["routes"]] == [
        ("pagerduty-backend", "1h"), ("slack-backend", None)]


def test_amtool_rejects_a_route_to_an_unknown_receiver(tmp_path, config_file):
    """The check above is real: a broken config fails it."""
    broken = yaml.safe_load(config_file.read_text())
    broken["route"]["routes"][0]["receiver"] = "nobody"
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    result = amtool("check-config", str(path))
    assert result.returncode != 0
    assert "nobody" in result.stdout + result.stderr


def test_secrets_are_file_paths_from_the_catalog_and_never_inlined(catalog, config_file):
    document = yaml.safe_load(config_file.read_text())
    receivers = {r["name"]: r for r in document["receivers"]}
    for receiver in catalog.alerting.receivers:
        configs = receivers[receiver.name][f"{receiver.kind}_configs"]
        key = "routing_key_file" if receiver.kind == "pagerduty" else "api_url_file"
        assert [c[key] for c in configs] == [getattr(receiver, key)]
    text = config_file.read_text()
    for inline in ("routing_key:", "service_key:", "api_url:", "hooks.slack.com"):
        assert inline not in text


def _catalog_with_alerting(tmp_path, alerting: str) -> Path:
    """A catalog built in code whose `alerting:` section is the YAML given."""
    return CatalogBuilder("shop").set("alerting", yaml.safe_load(alerting)["alerting"]).write(tmp_path)


def test_the_catalog_of_these_tests_loads_with_a_valid_alerting_section(tmp_path):
    path = _catalog_with_alerting(tmp_path, """alerting:
  default_receiver: pager
  receivers:
    - {name: pager, type: pagerduty, severities: [critical], routing_key_file: /run/secrets/pd}
""")
    assert [r.name for r in load_catalog(path).alerting.receivers] == ["pager"]


def test_an_inlined_secret_is_rejected_with_file_line_and_field(tmp_path):
    path = _catalog_with_alerting(tmp_path, """alerting:
  default_receiver: pager
  receivers:
    - name: pager
      type: pagerduty
      severities: [critical]
      routing_key: s3cr3t
""")
    with pytest.raises(CatalogError) as exc:
        load_catalog(path)
    message = str(exc.value)
    assert "alerting.receivers[0]" in message and "routing_key" in message
    assert f"{path}:" in message


def test_unknown_severity_double_routes_and_missing_secret_file_are_located(tmp_path):
    path = _catalog_with_alerting(tmp_path, """alerting:
  default_receiver: nobody
  receivers:
    - name: pager
      type: pagerduty
      severities: [critical, urgent]
    - name: chat
      type: slack
      severities: [critical]
      api_url_file: /run/secrets/slack
""")
    with pytest.raises(CatalogError) as exc:
        load_catalog(path)
    problems = {p.location.path: p.message for p in exc.value.problems}
    assert "routing_key_file" in problems["alerting.receivers[0]"]
    assert "urgent" in problems["alerting.receivers[0].severities[1]"]
    assert "already routed to pager" in problems["alerting.receivers[1].severities[0]"]
    assert "nobody" in problems["alerting.default_receiver"]
    assert all(p.location.line for p in exc.value.problems)


def test_scaled_profile_divides_grouping_and_repeat_timings(catalog):
    document = alertmanager.config_document(catalog, scale=60)
    assert document["route"]["group_wait"] == "500ms"
    assert document["route"]["group_interval"] == "5s"
    assert document["route"]["repeat_interval"] == "4m"


def _amtool_findings(catalog, tmp_path, edit=None):
    from generator.validators.alertmanager_config import check_alertmanager_config
    from generator.validators.context import build_context

    ctx = build_context(REPO, [catalog], ["alertmanager"])
    rel = alertmanager.config_path(catalog)
    if edit:
        ctx.rendered.artifacts[rel] = edit(ctx.rendered.artifacts[rel])
    ctx.workdir = tmp_path
    return [(f.check, f.rule, f.file, f.item) for f in check_alertmanager_config(ctx)], rel


def test_validate_step_accepts_the_generated_config(catalog, tmp_path):
    findings, _ = _amtool_findings(catalog, tmp_path)
    assert findings == []


def test_validate_step_reports_a_config_amtool_rejects(catalog, tmp_path):
    findings, rel = _amtool_findings(catalog, tmp_path, lambda text: text.replace("receiver: pagerduty-backend",
                                                                                 "receiver: pagerduty-nobody", 1))
    assert findings == [("amtool-check", "alertmanager-config-rejected", rel, "")]


def test_validate_step_reports_a_severity_routed_elsewhere_than_the_catalog_says(catalog, tmp_path):
    findings, rel = _amtool_findings(catalog, tmp_path, lambda text: text.replace(
        "    - receiver: pagerduty-backend\n", "    - receiver: slack-backend\n", 1))
    assert findings == [("amtool-check", "alertmanager-route-mismatch", "catalog/ampel.yaml", "severity=critical"),
                        ("amtool-check", "alertmanager-route-mismatch", "catalog/ampel.yaml",
                         "route routes[0] -> pagerduty-backend")]
