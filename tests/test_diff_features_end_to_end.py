"""`obsgen diff` on what `obsgen generate` writes: a catalog built in code, generated before and after a
one-field change of a dashboard feature, diffed through the command line in process; the report
holds exactly the line a reviewer should read, and nothing else."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.support.catalog_builder import CatalogBuilder, dashboard, panel
from tests.support.inprocess import run_obsgen


def _catalog() -> CatalogBuilder:
    errors = panel("Errors", "sum(rate(shop_requests_total{$selector, code=~\"5..\"}[$__rate_interval]))",
                   unit="reqps", legend={"placement": "bottom"})
    table = panel("Top codes", "topk(5, sum by (code) (rate(shop_requests_total{$selector}[$__rate_interval])))",
                  type_="table", unit="reqps", transformations=[{"limit": 5}])
    board = dashboard("shop", errors, table, time_from="now-6h",
                      annotations=[{"name": "Deploys", "expr": "changes(shop_requests_total{$selector}[5m]) > 0",
                                    "color": "purple"}])
    board["rows"].append({"title": "Details", "panels": [panel("Requests", "sum(rate(shop_requests_total{$selector}"
                                                                            "[$__rate_interval]))", unit="reqps")]})
    return CatalogBuilder("shop").dashboard(board)


def _generate(root: Path, builder: CatalogBuilder) -> Path:
    builder.write(root)
    ran = run_obsgen("generate", "--root", str(root), "dashboards")
    assert ran.returncode == 0, ran.output
    return root


def _edit(builder: CatalogBuilder, change) -> CatalogBuilder:
    after = CatalogBuilder("shop")
    after.data = copy.deepcopy(builder.data)
    change(after.data["dashboards"][0])
    return after


def _rows(board: dict, title: str) -> dict:
    return next(r for r in board["rows"] if r["title"] == title)


def _panel(board: dict, title: str) -> dict:
    return next(p for r in board["rows"] for p in r["panels"] if p["title"] == title)


CASES = {
    "legend placement": (lambda b: _panel(b, "Errors")["legend"].update(placement="right"),
                         ["    ~ panel Errors", "        legend placement: bottom -> right"]),
    "stacking": (lambda b: _panel(b, "Errors").update(stack="percent"),
                 ["    ~ panel Errors", "        stacking: none -> percent"]),
    "transformation": (lambda b: _panel(b, "Top codes")["transformations"][0].update(limit=10),
                       ["    ~ panel Top codes", "        transformation 3: limit 5 -> limit 10"]),
    "time range": (lambda b: b.update(time_from="now-24h"),
                   ["  ~ dashboard Test / shop (shop)", "      time range: now-6h to now -> now-24h to now"]),
    "annotation colour": (lambda b: b["annotations"][0].update(color="red"),
                          ["    ~ annotation Deploys", "        colour: purple -> red"]),
    "collapsed row": (lambda b: _rows(b, "Details").update(collapsed=True),
                      ["  ~ dashboard Test / shop (shop)", "      row Details: open -> collapsed"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_catalog_field_changed_is_exactly_one_line_of_the_diff(case, tmp_path):
    change, expected = CASES[case]
    before_catalog = _catalog()
    before = _generate(tmp_path / "before", before_catalog)
    after = _generate(tmp_path / "after", _edit(before_catalog, change))
    ran = run_obsgen("diff", str(before), str(after), "--path", "dashboards", "--exit-code")
    assert ran.returncode == 1, ran.output
    lines = ran.stdout.splitlines()
    assert lines[1] == "dashboards/shop.json"
    body = [line for line in lines[2:-1] if line != "  dashboard Test / shop (shop)"]
    assert body == expected
    report = json.loads(run_obsgen("diff", str(before), str(after), "--path", "dashboards", "--format", "json").stdout)
    (field,) = [f for c in report["changes"] for f in c["fields"]]
    field_line = expected[-1].strip()
    assert f"{field['field']}: {field['before']} -> {field['after']}" == field_line


def test_the_same_catalog_generated_twice_has_no_changes(tmp_path):
    before = _generate(tmp_path / "before", _catalog())
    after = _generate(tmp_path / "after", _catalog())
    ran = run_obsgen("diff", str(before), str(after), "--path", "dashboards", "--exit-code")
    assert (ran.returncode, ran.stdout.splitlines()[-1]) == (0, "summary: no semantic changes"), ran.output
