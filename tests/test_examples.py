"""examples/orders: a second service (orders-api and its queue consumer orders-worker) kept as a project
of its own. Its committed artifacts are fresh, `validate` passes on it with 0 findings and no silence
anywhere, and it uses every capability the catalog has (checked on the raw YAML, and against the
schema's own lists of panel and variable types, so a new kind must be shown in the example too)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator import project_config
from generator.validators import grafana_schema
from generator.validators.run import STEP_NAMES
from tests.support.inprocess import run_obsgen
from tests.support.paths import ORDERS, REPO

CATALOGS = ("orders-api", "orders-worker")
SCHEMA = json.loads((REPO / "generator" / "catalog" / "catalog.schema.json").read_text(encoding="utf-8"))


def _catalog(name: str) -> dict:
    return yaml.safe_load((ORDERS / "catalog" / f"{name}.yaml").read_text(encoding="utf-8"))


def _walk(node):
    """Every mapping inside a YAML document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, dict]:
    return {name: _catalog(name) for name in CATALOGS}


def test_the_example_is_a_project_of_its_own():
    assert sorted(p.name for p in (ORDERS / "catalog").glob("*.yaml")) == ["orders-api.yaml", "orders-worker.yaml"]
    for name in CATALOGS:
        first = (ORDERS / "catalog" / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
        schema = (ORDERS / "catalog" / first.split("$schema=", 1)[1]).resolve()
        assert schema == (REPO / "generator" / "catalog" / "catalog.schema.json").resolve(), first


def test_artifacts_are_fresh(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_obsgen("generate", "--check", "--root", "examples/orders")
    assert result.returncode == 0, result.output


def test_validate_passes_with_no_finding(monkeypatch):
    monkeypatch.chdir(REPO)
    # Grafana's schemas from wherever the repository's own validate finds them (the example's
    # .obsgen.yaml names ../shared beside the repository, which a clone elsewhere may not have)
    monkeypatch.setenv(grafana_schema.ENV_VAR, str(grafana_schema.resolve_schema_dir(REPO)))
    result = run_obsgen("validate", "--root", "examples/orders", "--fail-on", "warning")
    assert result.returncode == 0, result.output
    assert "validate passed: 0 error(s), 0 warning(s)" in result.stdout, result.output
    for step in STEP_NAMES:
        assert step in result.stdout, step


def test_nothing_is_silenced(catalogs):
    for name, data in catalogs.items():
        assert [m for m in _walk(data) if "silence" in m] == [], name
    config = yaml.safe_load((ORDERS / ".obsgen.yaml").read_text(encoding="utf-8")) or {}
    assert "lint" not in config, "the example silences lint rules in .obsgen.yaml"


def _objectives(catalogs):
    return [o for data in catalogs.values() for o in data.get("objectives", [])]


def _matcher_ops(objective) -> set[str]:
    ops = set()
    for side in (objective, objective.get("errors", {}), objective.get("total", {})):
        for value in (side.get("matchers") or {}).values():
            ops |= set(value) if isinstance(value, dict) else {"="}
    return ops


def test_metrics_gauges_and_regex_bounded_labels(catalogs):
    for name, data in catalogs.items():
        kinds = {m["type"] for m in data["metrics"]}
        assert kinds == {"counter", "gauge", "histogram"}, name
    patterns = [lab["pattern"] for data in catalogs.values() for m in data["metrics"] for lab in m.get("labels", [])
                if "pattern" in lab]
    assert "[1-5][0-9][0-9]" in patterns and len(patterns) >= 3


def test_objectives_use_every_matcher_operator_one_counter_route_filters_and_alert_off(catalogs):
    objectives = _objectives(catalogs)
    assert set().union(*(_matcher_ops(o) for o in objectives)) >= {"=", "!=", "=~", "!~"}
    one_counter = [o for o in objectives if o["kind"] == "error_ratio" and o["errors"]["metric"] == o["total"]["metric"]]
    assert one_counter and any(_matcher_ops(o) - {"="} for o in one_counter)
    assert any(o["kind"] == "error_ratio" and "exclude" in o["errors"] for o in objectives)
    by_route = [o for o in objectives if o["kind"] == "latency" and "route" in (o.get("matchers") or {})]
    assert len(by_route) >= 2, "latency objectives filtered by route: one by equality, one by regex"
    assert any(o.get("alert") is False for o in objectives)
    assert any("window" in o for o in objectives)
    for name, data in catalogs.items():
        assert data["service"]["aggregate_by"] == ["cluster", "namespace", "job"], name


def test_alerts_with_tests_and_recording_rules(catalogs):
    for name, data in catalogs.items():
        assert data["alerts"] and all("test" in a for a in data["alerts"]), name
        assert len(data["recording_rules"]) >= 2, name
    assert any("labels" in a for data in catalogs.values() for a in data["alerts"])


def test_dashboards_show_every_panel_and_variable_type(catalogs):
    panel_types = set(SCHEMA["definitions"]["panel"]["properties"]["type"]["enum"])
    variable_types = set(SCHEMA["definitions"]["variable"]["properties"]["type"]["enum"])
    for name, data in catalogs.items():
        dashboards = data["dashboards"]
        assert len(dashboards) >= 2, name
        assert all(d.get("variables") for d in dashboards), name
        panels = [p for d in dashboards for row in d["rows"] for p in row["panels"]]
        assert {p["type"] for p in panels} == panel_types, name
        variables = [v for d in dashboards for v in d["variables"]]
        assert {v["type"] for v in variables} >= variable_types - {"datasource"}, name
        assert any(v.get("multi") and v.get("include_all") for v in variables), name
        assert any("objective" in p for p in panels) and any(p.get("stack") for p in panels), name
        assert any("min" in p and "max" in p for p in panels), name
    variables = [v for data in catalogs.values() for d in data["dashboards"] for v in d["variables"]]
    assert {v["type"] for v in variables} == variable_types
    assert any(v.get("selects") is False for v in variables) and any("metric" in v for v in variables)


def test_alerting_receivers_routes_inhibition_and_time_intervals(catalogs):
    receivers = [r for data in catalogs.values() for r in data["alerting"]["receivers"]]
    assert {r["type"] for r in receivers} >= {"pagerduty", "slack", "webhook", "email", "opsgenie"}
    for receiver in receivers:
        secrets = [k for k in receiver if k.endswith("_file")]
        assert secrets and all(receiver[k].startswith("/") for k in secrets), receiver["name"]
    routes = [r for data in catalogs.values() for r in _walk(data["alerting"].get("routes", [])) if "receiver" in r]
    assert any(r.get("continue") for r in routes)
    assert any(r.get("routes") for r in routes), "no nested route"
    assert any(r.get("mute_time_intervals") for r in routes) and any(r.get("active_time_intervals") for r in routes)
    assert any("match" in data["alerting"] for data in catalogs.values())
    for name, data in catalogs.items():
        inhibit = data["alerting"]["inhibit_rules"]
        assert inhibit["default"] is True and inhibit["rules"], name
        assert data["alerting"]["time_intervals"], name


def test_load_tests_arrival_rate_with_post_bodies_headers_checks_and_auth(catalogs):
    load_tests = catalogs["orders-api"]["load_tests"]
    assert load_tests["auth"]["env"] and load_tests["auth"]["header"] == "Authorization"
    scenarios = load_tests["scenarios"]
    assert {s["executor"] for s in scenarios} == {"constant-arrival-rate", "ramping-arrival-rate"}
    assert len({s.get("script", s["name"]) for s in scenarios}) == 1, "both scenarios in one script"
    requests = [r for s in scenarios for r in s["requests"]]
    posts = [r for r in requests if r.get("method") == "POST"]
    assert posts and all(isinstance(r["body"], dict) and r.get("headers") for r in posts)
    assert all(r.get("checks") and r.get("tags") for r in requests)
    assert any("equals" in c for r in requests for c in r["checks"])
    assert any("query" in r for r in requests)


def test_k6_script_holds_both_scenarios_with_the_post_body_and_the_auth_variable():
    script = (ORDERS / "k6" / "orders_api.js").read_text(encoding="utf-8")
    assert '"executor": "constant-arrival-rate"' in script and '"executor": "ramping-arrival-rate"' in script
    assert "ORDERS_API_KEY" in script and '\\"currency\\":\\"EUR\\"' in script  # the body, as JSON text


def test_one_alertmanager_config_with_a_subtree_per_catalog():
    config = yaml.safe_load((ORDERS / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
    subtrees = config["route"]["routes"]
    assert [sorted(r["matchers"]) for r in subtrees] == [
        ['job="orders-api"', 'namespace="orders"', 'team="orders"'], ['job="orders-worker"', 'team="orders"']]
    assert {r["name"] for r in config["receivers"]} == {
        "orders-pagerduty", "orders-slack", "orders-incident-log", "orders-worker-opsgenie", "orders-worker-mail"}
    assert sorted(t["name"] for t in config["time_intervals"]) == ["orders-business-hours", "orders-maintenance"]
    # the default of the two subtrees (the same rule twice) is one; each catalog's SLO pages inhibit its tickets
    assert len(config["inhibit_rules"]) == 6
    slo_rules = [r for r in config["inhibit_rules"] if r["source_matchers"] == ['slo_alert="page"']]
    assert [r["target_matchers"] for r in slo_rules] == [['slo_alert="ticket"'], ['slo_alert="ticket"']]


def test_every_generated_file_is_committed():
    expected = {"alertmanager/alertmanager.yml", "k6/lib/obsgen.js", "k6/orders_api.js"}
    for name in CATALOGS:
        expected |= {f"alerts/{name}-alerts.yaml", f"recording_rules/{name}-recording.yaml", f"tests/rules/{name}-test.yaml"}
        # its SLOs: rules of their own, tests split by evaluation interval, an SLO dashboard
        expected |= {f"alerts/{name}-slo-alerts.yaml", f"recording_rules/{name}-slo-recording.yaml",
                     f"dashboards/{name}-slo.json"}
        expected |= {f"tests/rules/{name}-slo-{interval}-test.yaml" for interval in ("5m", "30m", "2h", "6h")}
    dashboards = {"orders-api-overview", "orders-api-dependencies", "orders-worker-overview", "orders-worker-retries"}
    expected |= {f"dashboards/{uid}.json" for uid in dashboards}
    on_disk = {p.relative_to(ORDERS).as_posix() for p in ORDERS.rglob("*") if p.is_file()} - {
        ".obsgen.yaml", "catalog/orders-api.yaml", "catalog/orders-worker.yaml"}
    assert on_disk == expected


def test_dashboards_use_every_panel_and_dashboard_field_of_the_schema(catalogs):
    """Every field a panel, a row or a dashboard may carry (silences aside, which the example must not
    need) appears in the example: a new dashboard feature is shown here too."""
    dashboard_schema = SCHEMA["properties"]["dashboards"]["items"]
    expected = {
        "dashboard": set(dashboard_schema["properties"]) - {"silence"},
        "row": set(dashboard_schema["properties"]["rows"]["items"]["properties"]),
        "panel": set(SCHEMA["definitions"]["panel"]["properties"]) - {"silence"},
    }
    used = {"dashboard": set(), "row": set(), "panel": set()}
    for data in catalogs.values():
        for dashboard in data["dashboards"]:
            used["dashboard"] |= set(dashboard)
            for row in dashboard["rows"]:
                used["row"] |= set(row)
                for panel in row["panels"]:
                    used["panel"] |= set(panel)
    assert {kind: sorted(expected[kind] - used[kind]) for kind in expected} == {"dashboard": [], "row": [], "panel": []}
    assert used["panel"] >= {"overrides", "mappings", "legend", "transformations", "links", "repeat"}


def test_generated_dashboards_carry_links_annotations_repeats_and_collapsed_rows():
    overview = json.loads((ORDERS / "dashboards" / "orders-api-overview.json").read_text(encoding="utf-8"))
    assert {link["type"] for link in overview["links"]} == {"dashboards", "link"}
    assert [a["name"] for a in overview["annotations"]["list"] if a.get("expr")] == ["Restarts"]
    assert [p["title"] for p in overview["panels"] if p["type"] == "row" and p.get("collapsed")] == ["Health"]
    table = next(p for p in overview["panels"] if p["title"] == "Top 5 routes by server errors")
    assert {"sortBy", "limit"} <= {t["id"] for t in table["transformations"]}
    dependencies = json.loads((ORDERS / "dashboards" / "orders-api-dependencies.json").read_text(encoding="utf-8"))
    repeated = next(p for p in dependencies["panels"] if p["title"] == "Calls to $dependency")
    assert repeated["repeat"] == "dependency"


def test_the_example_config_names_the_schemas_beside_the_repository():
    config = project_config.load(ORDERS)
    assert config.grafana_schema_dir.resolve() == (REPO.parent / "shared" / "grafana-schema").resolve()
