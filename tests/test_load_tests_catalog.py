"""The catalog's load_tests section: requests, auth, executors and thresholds, built from small
catalogs written here. Bad input is a located error (file:line: path: message), exit 3, nothing written."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.renderers import k6 as k6_renderer
from tests.support.catalog_builder import CatalogBuilder, counter, histogram, label
from tests.support.inprocess import run_obsgen

BASE = CatalogBuilder("orders-api", team="orders", metrics=[
    counter("http_requests_total", [label("code", "200", "500")]),
    histogram("http_request_duration_seconds", (0.1, 0.25, 0.5, 1)),
]).data

ORDER = {"name": "create_order", "method": "POST", "path": "/orders/{vu}", "query": {"trace": "{env.TRACE_ID}"},
         "headers": {"X-Client": "k6"}, "body": {"sku": "a-1", "quantity": 2}, "status": 201,
         "checks": [{"field": "order.id", "is": "string"}, {"field": "state", "equals": "accepted"}]}


def scenario(**fields) -> dict:
    out = {"name": "orders", "executor": "constant-vus", "vus": 2, "duration": "5s", "requests": [dict(ORDER)]}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def write(tmp_path, *scenarios, extra: dict | None = None, auth: dict | None = None):
    data = json.loads(json.dumps(BASE))
    data.update(extra or {})
    data["load_tests"] = {"scenarios": list(scenarios)}
    if auth:
        data["load_tests"]["auth"] = auth
    path = tmp_path / "catalog" / "orders.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def options_of(text: str) -> dict:
    return json.loads(re.search(r"^export const options = (\{.*?^\});$", text, re.S | re.M).group(1))


def requests_of(text: str, name: str) -> list:
    return json.loads(re.search(rf"^const REQUESTS_{name} = (\[.*?^\]);$", text, re.S | re.M).group(1))


def test_a_request_is_rendered_as_data_with_method_path_body_and_checks(tmp_path):
    catalog = load_catalog(write(tmp_path, scenario(auth={"header": "Authorization", "env": "OBSGEN_TOKEN",
                                                          "prefix": "Bearer "})))
    text = k6_renderer.render(catalog)["k6/orders.js"]
    [req] = requests_of(text, "orders")
    assert req["method"] == "POST" and req["path"] == "/orders/{vu}" and req["status"] == 201
    assert json.loads(req["body"]) == {"sku": "a-1", "quantity": 2}
    assert req["headers"] == {"Content-Type": "application/json", "X-Client": "k6"}
    assert req["query"] == {"trace": "{env.TRACE_ID}"}
    assert req["checks"] == [{"field": "order.id", "kind": "string", "value": None},
                             {"field": "state", "kind": "equals", "value": '"accepted"'}]
    assert 'const AUTH_orders = {\n  "env": "OBSGEN_TOKEN",\n  "header": "Authorization",\n  "prefix": "Bearer "\n};' in text
    assert "OBSGEN_TOKEN=..." in text


def test_the_library_is_generic(tmp_path):
    library = k6_renderer.LIBRARY
    for word in ("getSummary", "summary field", "Bearer", "token-", "tier"):
        assert word not in library, word
    assert "export function runRequests" in library


def test_thresholds_come_from_the_objectives_without_a_tier(tmp_path):
    objectives = [
        {"name": "latency", "kind": "latency", "metric": "http_request_duration_seconds", "quantile": 0.99,
         "threshold": 0.5, "window": "5m", "alert": {"name": "SlowOrders", "for": "5m", "severity": "critical",
                                                     "summary": "slow", "description": "slow"}},
    ]
    path = write(tmp_path, scenario(), extra={"objectives": objectives})
    try:
        catalog = load_catalog(path)
    except CatalogError as exc:  # the objective shape is not this module's concern: show what is wrong
        pytest.fail(str(exc))
    thresholds = options_of(k6_renderer.render(catalog)["k6/orders.js"])["thresholds"]
    assert thresholds["http_req_duration{scenario:orders}"] == ["p(99)<500"]
    assert thresholds["checks{scenario:orders}"] == ["rate==1"]


def test_a_scenario_overrides_its_thresholds(tmp_path):
    catalog = load_catalog(write(tmp_path, scenario(thresholds={"latency": 0.2, "critical": 0.8, "error_ratio": 0.05,
                                                                "quantile": 0.9})))
    thresholds = options_of(k6_renderer.render(catalog)["k6/orders.js"])["thresholds"]
    assert thresholds["http_req_duration{scenario:orders}"] == [
        "p(90)<200", {"threshold": "p(90)<800", "abortOnFail": True, "delayAbortEval": "5s"}]
    assert thresholds["http_req_failed{scenario:orders}"] == ["rate<0.05"]


EXECUTORS = [
    (dict(executor="constant-vus", vus=3, duration="10s"),
     {"executor": "constant-vus", "vus": 3, "duration": "10s"}),
    (dict(executor="ramping-vus", vus=None, duration=None, start_vus=0, graceful_ramp_down="5s",
          stages=[{"duration": "10s", "target": 5}, {"duration": "5s", "target": 0}]),
     {"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "5s",
      "stages": [{"duration": "10s", "target": 5}, {"duration": "5s", "target": 0}]}),
    (dict(executor="constant-arrival-rate", vus=None, rate=20, time_unit="1s", duration="30s", pre_allocated_vus=5,
          max_vus=10),
     {"executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s", "duration": "30s", "preAllocatedVUs": 5,
      "maxVUs": 10}),
    (dict(executor="ramping-arrival-rate", vus=None, duration=None, start_rate=1, pre_allocated_vus=2,
          stages=[{"duration": "20s", "target": 50}]),
     {"executor": "ramping-arrival-rate", "startRate": 1, "timeUnit": "1s", "preAllocatedVUs": 2,
      "stages": [{"duration": "20s", "target": 50}]}),
    (dict(executor="shared-iterations", vus=2, duration=None, iterations=10, max_duration="1m"),
     {"executor": "shared-iterations", "vus": 2, "iterations": 10, "maxDuration": "1m"}),
    (dict(executor="per-vu-iterations", vus=2, duration=None, iterations=3),
     {"executor": "per-vu-iterations", "vus": 2, "iterations": 3}),
]


@pytest.mark.parametrize("fields,expected", EXECUTORS, ids=[e[1]["executor"] for e in EXECUTORS])
def test_every_executor_renders_its_k6_options(tmp_path, fields, expected):
    catalog = load_catalog(write(tmp_path, scenario(**fields)))
    options = options_of(k6_renderer.render(catalog)["k6/orders.js"])["scenarios"]["orders"]
    assert options == {**expected, "exec": "scenario_orders"}


def test_scenarios_naming_one_script_share_it(tmp_path):
    first = scenario(name="browse", script="mixed", executor="constant-vus")
    second = scenario(name="buy", script="mixed", executor="per-vu-iterations", duration=None, iterations=2,
                      start_time="5s")
    out = k6_renderer.render(load_catalog(write(tmp_path, first, second)))
    assert sorted(out) == ["k6/lib/obsgen.js", "k6/mixed.js"]
    options = options_of(out["k6/mixed.js"])
    assert sorted(options["scenarios"]) == ["browse", "buy"]
    assert options["scenarios"]["buy"]["startTime"] == "5s"
    assert "export function scenario_browse()" in out["k6/mixed.js"]
    assert "export function scenario_buy()" in out["k6/mixed.js"]


BAD = [
    ("unknown-executor", scenario(executor="externally-controlled"), "load_tests.scenarios[0].executor"),
    ("missing-option", scenario(duration=None), "load_tests.scenarios[0]: constant-vus needs duration"),
    ("foreign-option", scenario(rate=5), "load_tests.scenarios[0].rate: constant-vus takes no rate"),
    ("no-requests", scenario(requests=None), "load_tests.scenarios[0]: a scenario lists its `requests`"),
    ("bad-method", scenario(requests=[{**ORDER, "method": "FETCH"}]), "load_tests.scenarios[0].requests[0].method"),
    ("relative-path", scenario(requests=[{**ORDER, "path": "orders"}]), "load_tests.scenarios[0].requests[0].path"),
    ("unknown-placeholder", scenario(requests=[{**ORDER, "path": "/orders/{user}"}]),
     "load_tests.scenarios[0].requests[0].path: unknown placeholder {user}"),
    ("query-placeholder", scenario(requests=[{**ORDER, "query": {"q": "{nope}"}}]),
     "load_tests.scenarios[0].requests[0].query.q: unknown placeholder {nope}"),
    ("bad-status", scenario(requests=[{**ORDER, "status": 42}]), "load_tests.scenarios[0].requests[0].status"),
    ("get-with-body", scenario(requests=[{**ORDER, "method": "GET"}]),
     "load_tests.scenarios[0].requests[0].body: a GET request carries no body"),
    ("bad-headers", scenario(requests=[{**ORDER, "headers": ["X-A"]}]), "load_tests.scenarios[0].requests[0].headers"),
    ("bad-check-kind", scenario(requests=[{**ORDER, "checks": [{"field": "id", "is": "uuid"}]}]),
     "load_tests.scenarios[0].requests[0].checks[0].is"),
    ("check-both", scenario(requests=[{**ORDER, "checks": [{"field": "id", "is": "string", "equals": 1}]}]),
     "load_tests.scenarios[0].requests[0].checks[0]"),
    ("duplicate-request", scenario(requests=[ORDER, ORDER]),
     "load_tests.scenarios[0].requests[1].name: duplicate request name 'create_order'"),
    ("auth-no-env", scenario(auth={"header": "Authorization"}), "load_tests.scenarios[0].auth"),
    ("auth-bad-env", scenario(auth={"header": "Authorization", "env": "my token"}), "load_tests.scenarios[0].auth.env"),
    ("bad-stage", scenario(executor="ramping-vus", vus=None, duration=None, stages=[{"duration": "1d", "target": 1}]),
     "load_tests.scenarios[0].stages[0].duration"),
    ("no-stages", scenario(executor="ramping-vus", vus=None, duration=None),
     "load_tests.scenarios[0]: ramping-vus needs stages"),
    ("max-below-pre", scenario(executor="constant-arrival-rate", vus=None, rate=5, pre_allocated_vus=4, max_vus=2),
     "load_tests.scenarios[0].max_vus: max_vus 2 is below pre_allocated_vus 4"),
    ("shared-too-few", scenario(executor="shared-iterations", duration=None, vus=4, iterations=2),
     "load_tests.scenarios[0].iterations: shared-iterations with 4 VUs needs at least 4 iterations"),
    ("unknown-tier", scenario(tier="huge"), "load_tests.scenarios[0].tier: unknown tier 'huge'"),
    ("critical-below", scenario(thresholds={"latency": 0.5, "critical": 0.1}),
     "load_tests.scenarios[0].thresholds.critical: the critical latency 0.1s is below the target 0.5s"),
    ("bad-error-ratio", scenario(thresholds={"error_ratio": 2}), "load_tests.scenarios[0].thresholds.error_ratio"),
    ("bad-script", scenario(script="a-b"), "load_tests.scenarios[0].script"),
    ("bad-start-time", scenario(start_time="soon"), "load_tests.scenarios[0].start_time"),
]


@pytest.mark.parametrize("bad,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_located_error_exit_3_and_nothing_written(tmp_path, bad, expected):
    path = write(tmp_path, bad)
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    assert re.search(r"catalog/orders\.yaml:\d+: " + re.escape(expected), ran.output), ran.output
    assert "Traceback" not in ran.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == ["catalog/orders.yaml"]
    assert path.exists()


def test_the_default_auth_applies_to_every_scenario_without_its_own(tmp_path):
    catalog = load_catalog(write(tmp_path, scenario(), auth={"header": "X-Key", "env": "ORDERS_KEY"}))
    assert [(s.auth.header, s.auth.env, s.auth.prefix) for s in catalog.scenarios] == [("X-Key", "ORDERS_KEY", "")]
