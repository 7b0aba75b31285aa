"""Many catalogs in one Alertmanager config: one subtree each, names and subtrees that clash, the
route tests validate runs over them, and generate replacing the old per-service files."""
from __future__ import annotations


import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.pipeline import render_all
from generator.renderers import alertmanager
from generator.validators.alertmanager_config import check_alertmanager_config
from generator.validators.context import build_context
from tests.support.catalog_edit import line_containing
from tests.support.inprocess import run_obsgen
from tests.support.alerting_catalogs import ALL_KINDS, amtool, load, minimal, problems, routed, write


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
