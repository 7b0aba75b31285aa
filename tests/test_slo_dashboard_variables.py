"""The SLO dashboard takes the catalog's dashboard variables, but only those that can narrow the
SLO's recorded series: a variable selecting a label the SLO rules aggregate away (instance) would
make every SLO panel empty."""
from __future__ import annotations

import json

from generator.catalog import load_catalog
from generator.pipeline import render_all
from tests.slo_catalogs import SHOP, write_catalog

DASHBOARD = """
dashboards:
  - uid: shop-overview
    title: Shop overview
    variables:
      - {name: job, type: query, label: job}
      - {name: instance, type: query, label: instance}
    rows:
      - title: Traffic
        panels:
          - title: Requests
            type: timeseries
            unit: reqps
            description: Requests per second.
            targets: [{expr: 'sum(rate(http_requests_total{$selector}[$__rate_interval]))'}]
"""


def _slo_dashboard(tmp_path, text):
    catalog = load_catalog(write_catalog(tmp_path, text))
    rendered = render_all([catalog], ["dashboards"]).artifacts
    (slo,) = [json.loads(t) for p, t in rendered.items() if p.endswith("-slo.json")]
    return slo


def test_only_variables_of_kept_labels_reach_the_slo_dashboard(tmp_path):
    slo = _slo_dashboard(tmp_path, SHOP + DASHBOARD)
    assert [v["name"] for v in slo["templating"]["list"] if v["type"] != "datasource"] == ["job"]
    exprs = [t["expr"] for p in slo["panels"] for t in p.get("targets", [])]
    assert exprs and not any("$instance" in e for e in exprs)
    assert any('job=~"$job"' in e for e in exprs)


def test_no_dashboard_variables_give_none(tmp_path):
    slo = _slo_dashboard(tmp_path, SHOP)
    assert [v["type"] for v in slo["templating"]["list"]] == ["datasource"]
