"""Derivation runs once per catalog and command, into typed results that the renderers, validators and
deploy share: nothing parses back the text another step of the same run rendered."""
from __future__ import annotations

import json

import pytest

from generator import pipeline
from generator.cli.deploy import expected_groups as derived_expected_groups, rule_files
from generator.deploy.prometheus import expected_groups as expected_groups_from_text
from generator.derive import RUNS, derive
from tests.support.grafana_server import running_grafana
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, CHECKOUT
from tests.test_model_typed import CATALOG

RESULTS = {"catalog/shop.yaml": {"rule_groups", "test_plan", "dashboard shop", "load_tests"},
           "catalog/cart.yaml": {"rule_groups", "test_plan", "dashboard cart", "load_tests"}}
EVERY_RESULT_ONCE = {(c, r): 1 for c, results in RESULTS.items() for r in results}
TOKEN = "glsa_derive-once-0000"


def _second(text: str) -> str:
    """Another service beside the first: its own name, job, Grafana folder, dashboard, alerts and k6 script."""
    for old, new in (("shop-api", "cart-api"), ("uid: shop", "uid: cart"), ("name: smoke", "name: cart_smoke"),
                     ("ShopErrors", "CartErrors"), ("ShopSlow", "CartSlow"), ("title: Shop\n", "title: Cart\n"),
                     ("title: Shop-Api\n", "title: Cart-Api\n")):
        text = text.replace(old, new)
    return text


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "shop.yaml").write_text(CATALOG)
    (tmp_path / "catalog" / "cart.yaml").write_text(_second(CATALOG))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runs_of(*args: str, env: dict | None = None) -> dict[tuple[str, str], int]:
    RUNS.clear()
    ran = run_obsgen(*args, env=env)
    assert ran.returncode in (0, 1), ran.output  # done (1: findings), not a catalog, tool or internal error
    return dict(RUNS)


def test_generate_derives_each_result_once_per_catalog(project):
    assert _runs_of("generate") == EVERY_RESULT_ONCE
    assert (project / "tests" / "rules" / "cart-api-test.yaml").exists()  # the plan was rendered, once


def test_validate_derives_each_result_once_per_catalog(project):
    assert run_obsgen("generate").returncode == 0
    assert _runs_of("validate") == EVERY_RESULT_ONCE


def test_deploy_grafana_derives_the_dashboards_once(project):
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        runs = _runs_of("deploy", "grafana", "--url", grafana.url, "--revision", "r1", "--retries", "1",
                        env={"GRAFANA_TOKEN": TOKEN, "GITHUB_SHA": ""})
        assert sorted(grafana.dashboards) == ["cart", "shop"]
    assert runs == {("catalog/shop.yaml", "dashboard shop"): 1, ("catalog/cart.yaml", "dashboard cart"): 1}


def test_derived_results_are_kept_with_the_catalog(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(CATALOG)
    first, again = pipeline.load_all([path]), pipeline.load_all([path])
    RUNS.clear()
    assert derive(first[0]) is derive(first[0])
    assert derive(first[0]).rule_groups is derive(first[0]).rule_groups
    derive(again[0]).rule_groups  # a catalog loaded again (another object) derives afresh
    assert RUNS[(path.as_posix(), "rule_groups")] == 2


@pytest.mark.parametrize("source", [AMPEL, CHECKOUT], ids=["ampel", "checkout"])
def test_derived_panel_queries_are_those_the_dashboards_carry(source):
    (catalog,) = pipeline.load_all([source])
    for derived in derive(catalog).dashboards:
        document = json.loads(pipeline.render_all([catalog], ["dashboards"]).artifacts[derived.artifact])
        in_json = [(p["title"], t["expr"]) for p in document["panels"] if p.get("type") != "row"
                   for t in p.get("targets", []) if "expr" in t]
        assert [(q.panel.title, q.expr) for q in derived.queries] == in_json
        assert derived.queries and all("$selector" not in q.expr for q in derived.queries)
        for q in derived.queries:  # each names the catalog field it comes from
            assert catalog.line_of(q.doc_path) is not None and q.doc_path.endswith(f".targets[{q.target}].expr")


@pytest.mark.parametrize("source", [AMPEL, CHECKOUT], ids=["ampel", "checkout"])
def test_deploy_prometheus_expects_the_derived_groups(source):
    loaded = pipeline.load_all([source])
    files, _ = rule_files(loaded)
    # the groups Prometheus must serve, from the typed groups, are those the rendered files hold
    assert derived_expected_groups(loaded) == expected_groups_from_text(files) != []


def test_a_copied_catalog_derives_its_own(tmp_path):
    import copy

    path = tmp_path / "shop.yaml"
    path.write_text(CATALOG)
    (catalog,) = pipeline.load_all([path])
    original = derive(catalog)
    copied = copy.copy(catalog)
    assert derive(copied) is not original and derive(copied).catalog is copied
    assert derive(catalog) is original
