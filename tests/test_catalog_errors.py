"""Bad catalogs get a clear error naming file, line and document path, and nothing is written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.catalog_builder import (
    CatalogBuilder, alert, counter, error_ratio_objective, histogram, label, latency_objective,
)
from tests.support.inprocess import run_obsgen


def good() -> CatalogBuilder:
    """A valid catalog built in code; each case below breaks one field of it."""
    return (CatalogBuilder("shop", team="backend")
            .set("metrics", [histogram("shop_request_duration_seconds", buckets=(0.05, 0.1, 0.2, 0.5, 1.0)),
                             counter("shop_orders_total", [label("state", "paid", "failed")]),
                             counter("shop_errors_total", [label("error_type", "database", "calculation", "auth", "other")]),
                             counter("http_requests_total", [label("path", "/orders", "/health", "/metrics")])])
            .tier("large", 0.5, 1.0)
            .objective({**latency_objective("latency", "shop_request_duration_seconds", 0.5, alert_name="ShopSlow"),
                        "threshold": {"tier": "large"}})
            .objective(error_ratio_objective("errors", {"metric": "shop_errors_total", "exclude": {"error_type": ["auth"]}},
                                             {"metric": "http_requests_total", "matchers": {"path": "/orders"}}, 0.01,
                                             alert_name="ShopHighErrorRate"))
            .alert(alert("ShopDown", "up{$selector} == 0"))
            .alert(alert("ShopMetricsAbsent", "absent(shop_request_duration_seconds_count{$selector})")))


GOOD = good().text()


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _with(change) -> str:
    """The good catalog with `change(data)` applied to its document."""
    builder = good()
    change(builder.data)
    return builder.text()


def _set(*steps_and_value):
    *steps, key, value = steps_and_value

    def change(data):
        node = data
        for step in steps:
            node = node[step]
        node[key] = value
    return change


CASES = {
    "yaml syntax": (GOOD.replace("  team: backend\n", "  team: [backend\n", 1), None, "invalid YAML"),
    "bucket of wrong type": (_with(lambda d: d["metrics"][0]["buckets"].__setitem__(1, "fast")),
                             "metrics[0].buckets[1]", "'fast' is not of type 'number'"),
    "unknown field": (_with(_set("metrics", 0, "bukets", [1])),
                      "metrics[0].bukets", "unknown field 'bukets' (allowed: buckets, created_series,"),
    "buckets not increasing": (_with(_set("metrics", 0, "buckets", [0.05, 0.2, 0.1, 0.5, 1.0])),
                               "metrics[0].buckets", "buckets must be strictly increasing"),
    "unknown metric in objective": (_with(_set("objectives", 0, "metric", "shop_request_duration")),
                                    "objectives[0].metric", "unknown metric 'shop_request_duration'"),
    "unknown tier": (_with(_set("objectives", 0, "threshold", {"tier": "huge"})),
                     "objectives[0].threshold.tier", "unknown tier 'huge'"),
    "counter without _total": (_with(_set("metrics", 1, "name", "shop_orders")),
                               "metrics[1].name", "must end in _total"),
    "matcher value not allowed": (_with(_set("objectives", 1, "total", "matchers", {"path": "/api/orders"})),
                                  "objectives[1].total.matchers.path", "value '/api/orders' is not allowed"),
    "excluded label unknown": (_with(_set("objectives", 1, "errors", "exclude", {"kind": ["auth"]})),
                               "objectives[1].errors.exclude.kind", "shop_errors_total has no label 'kind'"),
    "excluded value not allowed": (_with(_set("objectives", 1, "errors", "exclude", {"error_type": ["auth", "timeout"]})),
                                   "objectives[1].errors.exclude.error_type[1]", "value 'timeout' is not allowed"),
    "everything excluded": (_with(_set("objectives", 1, "errors", "exclude",
                                       {"error_type": ["other", "auth", "database", "calculation"]})),
                            "objectives[1].errors.exclude.error_type", "excludes every allowed value"),
    "label matched and excluded": (_with(_set("objectives", 1, "total", "exclude", {"path": ["/metrics"]})),
                                   "objectives[1].total.exclude.path", "'path' is both matched and excluded"),
    "duplicate alert": (_with(_set("alerts", 1, "name", "ShopDown")),
                        "alerts[1].name", "duplicate alert name 'ShopDown'"),
    "threshold off bucket boundary": (_with(_set("objectives", 0, "threshold", 0.45)),
                                      "objectives[0].threshold", "not a bucket boundary"),
}


def test_the_good_catalog_of_these_cases_loads(tmp_path):
    path = tmp_path / "catalog" / "shop.yaml"
    path.parent.mkdir()
    path.write_text(GOOD)
    assert [o.name for o in load_catalog(path).objectives] == ["latency", "errors"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_located_error_and_nothing_written(case, tmp_path):
    text, doc_path, message = CASES[case]
    (tmp_path / "catalog").mkdir()
    catalog = tmp_path / "catalog" / "shop.yaml"
    catalog.write_text(text)
    result = run_obsgen("generate", cwd=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "nothing was written" in result.stderr
    assert message in result.stderr, result.stderr
    match = re.search(r"catalog/shop\.yaml:(\d+): ?(\S*)", result.stderr)
    assert match, result.stderr
    if doc_path:
        assert f"catalog/shop.yaml:{match.group(1)}: {doc_path}: " in result.stderr
        key = doc_path.split(".")[-1].split("[")[0]
        assert key in text.splitlines()[int(match.group(1)) - 1] or doc_path.endswith("]"), result.stderr
    else:
        assert _line_of(text, "team: [backend") <= int(match.group(1)) <= _line_of(text, "team: [backend") + 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop.yaml"]


def test_line_points_at_the_offending_entry(tmp_path):
    text = CASES["bucket of wrong type"][0]
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    (problem,) = err.value.problems
    assert problem.location.line == _line_of(text, "- fast")
    assert problem.location.path == "metrics[0].buckets[1]"


def test_all_problems_are_reported_at_once(tmp_path):
    text = CASES["unknown tier"][0].replace("- name: shop_orders_total", "- name: shop_orders")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    paths = {p.location.path for p in err.value.problems}
    assert {"metrics[1].name", "objectives[0].threshold.tier"} <= paths


def test_missing_catalog_file(tmp_path):
    result = run_obsgen("generate", "--catalog", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert result.returncode == 3
    assert "nope.yaml: cannot read catalog" in result.stderr


def test_an_invalid_catalog_leaves_existing_artifacts_untouched(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "shop.yaml").write_text(GOOD)
    assert run_obsgen("generate", cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "catalog"}
    assert before
    (tmp_path / "catalog" / "shop.yaml").write_text(CASES["unknown tier"][0])
    assert run_obsgen("generate", cwd=tmp_path).returncode == 3
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "catalog"}
    assert after == before
