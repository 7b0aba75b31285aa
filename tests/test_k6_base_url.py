"""`load_tests.base_url`: where a catalog's k6 scripts send their requests. A neutral default when the
catalog gives none, the catalog's own address otherwise, $BASE_URL still overriding it when k6 runs,
and `obsgen loadtest` targeting it without --base-url. Bad input is a located error, exit 3, nothing
written. Built from small catalogs written here; k6 runs against a local HTTP server."""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml

from generator.catalog import load_catalog
from generator.loadtest.binary import find_k6
from generator.renderers import k6 as k6_renderer
from tests.support.inprocess import run_obsgen
from tests.support.json_server import recording_json_server
from tests.support.paths import AMPEL, ORDERS

BASE = {
    "service": {"name": "items-api", "team": "shop", "runbook_base_url": "https://runbooks.example.com/items/",
                "grafana": {"folder": {"uid": "items", "title": "Items"}}, "selector": {"job": "items-api"}},
    "metrics": [{"name": "http_requests_total", "type": "counter", "help": "Requests."}],
}
SCENARIO = {"name": "browse", "executor": "shared-iterations", "vus": 1, "iterations": 2,
            "requests": [{"name": "item", "path": "/items/{iteration}", "checks": [{"field": "id", "is": "string"}]}]}
BASE_URL_LINE = re.compile(r"^const BASE_URL = \(__ENV\.BASE_URL \|\| '(.*)'\)\.replace", re.M)


def write(tmp_path, base_url=None):
    data = json.loads(json.dumps(BASE))
    data["load_tests"] = {"scenarios": [dict(SCENARIO)]}
    if base_url is not None:
        data["load_tests"] = {"base_url": base_url, **data["load_tests"]}
    path = tmp_path / "catalog" / "items.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def script_base_url(text: str) -> str:
    return BASE_URL_LINE.search(text).group(1)


def test_without_base_url_the_script_points_at_the_neutral_default(tmp_path):
    text = k6_renderer.render(load_catalog(write(tmp_path)))["k6/browse.js"]
    assert script_base_url(text) == "http://localhost:8080"


@pytest.mark.parametrize("given, written", [
    ("https://items.example.com", "https://items.example.com"),
    ("http://10.0.0.7:9000/", "http://10.0.0.7:9000"),  # the trailing slash goes: each path starts with one
    ("https://gateway.example.com:8443/items/v2", "https://gateway.example.com:8443/items/v2"),  # a path prefix
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_the_catalogs_base_url_is_the_scripts_default(tmp_path, given, written):
    text = k6_renderer.render(load_catalog(write(tmp_path, given)))["k6/browse.js"]
    assert script_base_url(text) == written


def test_the_shipped_catalogs_name_their_own_services():
    ampel = k6_renderer.render(load_catalog(AMPEL))
    assert {script_base_url(t) for rel, t in ampel.items() if rel.count("/") == 1} == {"http://127.0.0.1:8787"}
    orders = load_catalog(ORDERS / "catalog" / "orders-api.yaml")
    assert orders.load_test_settings.base_url == "http://orders-api.orders.svc.cluster.local:8080"


def test_the_generic_renderer_holds_no_service_address():
    import generator.renderers.k6 as package
    from pathlib import Path

    for source in sorted(Path(package.__file__).parent.glob("*.py")):
        text = source.read_text()
        assert "8787" not in text and "127.0.0.1" not in text, source.name


def _line_of(path, key: str) -> int:
    """1-based line of the written catalog whose key is `key` (the test's own search of its text)."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip().startswith(key))


BAD = [
    ("no-scheme", "localhost:8080", "it must start with http:// or https://"),
    ("other-scheme", "ftp://files.example.com", "it must start with http:// or https://"),
    ("no-host", "http://", "it names no host"),
    ("no-host-path", "http:///items", "it names no host"),
    ("credentials", "https://user:pw@items.example.com", "credentials do not belong in the catalog"),
    ("query", "http://items.example.com?x=1", "a query or fragment would come before each request's path"),
    ("fragment", "http://items.example.com#top", "a query or fragment would come before each request's path"),
    ("port-range", "http://items.example.com:99999", "out of range"),
    ("port-word", "http://items.example.com:http", "Port could not be cast to integer value"),
    ("space", "http://items example.com", "it holds whitespace, a quote or a backslash"),
    ("quote", "http://items.example.com/a'b", "it holds whitespace, a quote or a backslash"),
    ("bad-ipv6", "http://[::1", "Invalid IPv6 URL"),
]


@pytest.mark.parametrize("value, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_base_url_is_a_located_error_exit_3_and_nothing_written(tmp_path, value, message):
    path = write(tmp_path, value)
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    line = _line_of(path, "base_url:")
    assert f"catalog/items.yaml:{line}: load_tests.base_url: {value!r} is not a base URL: " in ran.output, ran.output
    assert message in ran.output and "(e.g. http://localhost:8080)" in ran.output
    assert "Traceback" not in ran.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == ["catalog/items.yaml"]


@pytest.mark.parametrize("value, message", [(8080, "8080 is not of type 'string'"), ("", "should be non-empty")])
def test_a_base_url_of_the_wrong_type_is_a_located_schema_error(tmp_path, value, message):
    path = write(tmp_path, value)
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    assert re.search(rf"catalog/items\.yaml:{_line_of(path, 'base_url:')}: load_tests\.base_url: .*{re.escape(message)}",
                     ran.output), ran.output
    assert not (tmp_path / "k6").exists()


@pytest.fixture
def recorder():
    with recording_json_server({"id": "i-1"}) as running:
        yield running


def test_env_base_url_overrides_the_catalogs_address(tmp_path, recorder):
    server, seen = recorder
    # the catalog names a port nothing listens on (9, discard); BASE_URL sends k6 to the server instead
    write(tmp_path, "http://127.0.0.1:9/nowhere")
    assert run_obsgen("generate", "--root", str(tmp_path), "k6").returncode == 0
    env = {**os.environ, "K6_NO_USAGE_REPORT": "true", "BASE_URL": f"http://127.0.0.1:{server.server_port}/shop/",
           "SUMMARY_PATH": str(tmp_path / "summary.json")}
    ran = subprocess.run([str(find_k6()), "run", "--no-usage-report", "--quiet", "k6/browse.js"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(seen) == ["/shop/items/0", "/shop/items/1"]


def test_obsgen_loadtest_targets_the_catalogs_base_url_without_base_url(tmp_path, recorder):
    server, seen = recorder
    address = f"http://127.0.0.1:{server.server_port}/v1"
    write(tmp_path, address)
    assert run_obsgen("generate", "--root", str(tmp_path), "k6").returncode == 0
    ran = run_obsgen("loadtest", "browse", "--root", str(tmp_path), "--summary", str(tmp_path / "s.json"),
                     env={"BASE_URL": None})
    assert ran.returncode == 0, ran.output
    assert f"-> {address}" in ran.stderr
    assert sorted(seen) == ["/v1/items/0", "/v1/items/1"]
