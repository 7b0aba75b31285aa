"""Lint: the shipped catalogs are clean, each rule reports its defect at the catalog line of the item,
and a silence with a reason on the item drops exactly that rule.

Each defect is planted in a small catalog built in code (tests/support/catalog_builder.py)."""
from __future__ import annotations

import json
from dataclasses import replace

from generator.derive import derive
from generator.validators.context import ValidationContext
from generator.validators.lint import RULES, lint
from tests.support.catalog_builder import (
    CatalogBuilder, alert, counter, dashboard, error_ratio_objective, label, panel,
)
from tests.support.catalog_edit import by_rule, context_of
from tests.support.paths import AMPEL, CHECKOUT, REPO

ORDERS_PANEL = "sum by (state) (rate(shop_orders_total{$selector}[$__rate_interval]))"
ERRORS_RECORDING = "sum by (job, error_type) (rate(shop_errors_total{$selector}[5m]))"
line_of = CatalogBuilder.line_of


def shop() -> CatalogBuilder:
    return (CatalogBuilder("shop")
            .metric(counter("shop_orders_total", [label("state", "paid", "pending", "failed")]))
            .metric(counter("shop_errors_total", [label("error_type", "database", "timeout")])))


def down(**fields) -> dict:
    """A clean free-form alert; `fields` replace or add to it."""
    return {**alert("ShopDown", "up{$selector} == 0", for_="2m"),
            "description": "Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}.", **fields}


def orders_dashboard(*panels: dict, **extra) -> dict:
    return dashboard("shop", *(panels or (panel("Orders", ORDERS_PANEL),)), **extra)


def _only(findings, rule):
    found = by_rule(findings, rule)
    assert len(found) == 1, [str(f) for f in findings]
    return found[0]


def test_shipped_catalogs_are_clean():
    assert lint(context_of(AMPEL, CHECKOUT, root=REPO)) == []


def test_the_base_catalog_of_these_tests_is_clean(tmp_path):
    path = (shop().alert(down()).recording_rule("job_error_type:shop_errors:rate5m", ERRORS_RECORDING)
            .dashboard(orders_dashboard()).write(tmp_path))
    assert lint(context_of(path)) == []


def test_every_rule_is_documented():
    doc = (REPO / "docs" / "lint-rules.md").read_text()
    for rule in RULES:
        assert f"### `{rule}`" in doc, rule


def test_alert_name_severity_and_for(tmp_path):
    path = shop().alert(down(name="shopTargetDown", severity="urgent", **{"for": "0s"})).write(tmp_path)
    findings = lint(context_of(path))
    name = _only(findings, "alert-name-camelcase")
    assert name.line == line_of(path, "- name: shopTargetDown")
    assert name.message == "alert name 'shopTargetDown' is not CamelCase (e.g. ServiceHighErrorRate)"
    severity = _only(findings, "alert-severity")
    assert severity.line == line_of(path, "severity: urgent")
    assert severity.message == "severity 'urgent' is not one of critical, warning, info (service.severities)"
    for_ = _only(findings, "alert-for")
    assert for_.line == line_of(path, "for: 0s") and for_.item == "shopTargetDown"


def test_missing_runbook_url(tmp_path):
    path = shop().alert(down(runbook_url="")).write(tmp_path)
    finding = _only(lint(context_of(path)), "alert-runbook-url")
    assert finding.line == line_of(path, "runbook_url: ''")
    assert finding.item == "ShopDown" and finding.group == "shop-alerts"
    assert finding.message == "missing runbook_url annotation: set runbook_url or service.runbook_base_url"
    assert str(finding).startswith(f"catalog/shop.yaml:{finding.line}: error: alert-runbook-url "
                                   f"[ShopDown]: missing runbook_url")


def test_runbook_url_must_be_a_url_and_description_templated(tmp_path):
    path = shop().alert(down(runbook_url="see the wiki", description="Prometheus cannot scrape the service.")).write(tmp_path)
    findings = lint(context_of(path))
    assert _only(findings, "alert-runbook-url").message == "runbook_url 'see the wiki' is not an http(s) URL"
    description = _only(findings, "alert-description-templated")
    assert description.line == line_of(path, "description: Prometheus cannot scrape the service.")
    assert "uses no template" in description.message


def test_missing_summary_in_a_rule(tmp_path):
    objective = error_ratio_objective("errors", {"metric": "shop_errors_total"}, {"metric": "shop_requests_total"},
                                      0.01, alert_name="ShopHighErrorRate")
    ctx = context_of(shop().objective(objective).write(tmp_path))
    assert by_rule(lint(ctx), "alert-summary") == []
    artifacts = ctx.per_catalog[0]
    groups = []
    for group in artifacts.groups:
        rules = tuple(replace(r, annotations=tuple((k, v) for k, v in r.annotations if k != "summary"))
                      if r.alert == "ShopHighErrorRate" else r for r in group.rules)
        groups.append(replace(group, rules=rules))
    artifacts.groups = tuple(groups)
    finding = _only(lint(ctx), "alert-summary")
    assert finding.item == "ShopHighErrorRate" and finding.message == "the alert has no summary annotation"


def test_recording_rule_name(tmp_path):
    path = shop().recording_rule(":shop_errors:rate5m", ERRORS_RECORDING).write(tmp_path)
    finding = _only(lint(context_of(path)), "recording-rule-name")
    assert finding.line == line_of(path, "record: :shop_errors:rate5m")
    assert finding.message == "recording rule ':shop_errors:rate5m' is not named level:metric:operations"


def test_rate_window_shorter_than_four_scrapes(tmp_path):
    path = shop().recording_rule("job_error_type:shop_errors:rate45s", ERRORS_RECORDING.replace("[5m]", "[45s]")).write(tmp_path)
    finding = _only(lint(context_of(path)), "rate-window")
    assert finding.line == line_of(path, "[45s]")
    assert finding.message.startswith("rate() over [45s] covers fewer than 4 scrapes of 15s; use at least 1m")


def test_invalid_promql_in_a_dashboard(tmp_path):
    """The loader refuses such a catalog (tests/test_catalog_promql.py); a derived dashboard query that
    does not parse is still reported at the panel's catalog line."""
    path = shop().dashboard(orders_dashboard(panel("Orders by state", ORDERS_PANEL))).write(tmp_path)
    ctx = context_of(path)
    derived = derive(ctx.catalogs[0])
    (board,) = [d for d in derived.dashboards if d.artifact == "dashboards/shop.json"]
    broken = tuple(replace(q, expr=q.expr.replace("sum by (state)", "sum by (state"))
                   if q.panel.title == "Orders by state" and q.target == 0 else q for q in board.queries)
    assert broken != board.queries
    derived.__dict__["dashboards"] = tuple(replace(d, queries=broken) if d is board else d for d in derived.dashboards)
    finding = _only(lint(ctx), "dashboard-query-parses")
    assert finding.line == line_of(path, ORDERS_PANEL)
    assert finding.item == "Orders by state" and finding.group == "shop"
    assert finding.message.startswith("the query does not parse: 1:15: expected ',' or ')' in by()/without(), "
                                      "found '('")
    assert "(in dashboards/shop.json)" in finding.message


def test_dashboard_queries_use_rate_interval(tmp_path):
    path = shop().dashboard(orders_dashboard(
        panel("Orders", ORDERS_PANEL.replace("$__rate_interval", "$__interval")),
        panel("Errors", "sum(rate(shop_errors_total{$selector}[5m]))"),
        panel("Fine", ORDERS_PANEL))).write(tmp_path)
    findings = by_rule(lint(context_of(path)), "dashboard-rate-interval")
    assert sorted(f.line for f in findings) == sorted([line_of(path, "[$__interval]"), line_of(path, "[5m]))")])
    assert any("rate() over [$__interval]: dashboard queries use [$__rate_interval]" in f.message for f in findings)


def test_panel_unit_and_description(tmp_path):
    bare = {"title": "Request rate", "type": "timeseries", "unit": "", "targets": [{"expr": ORDERS_PANEL}]}
    path = shop().dashboard(orders_dashboard(panel("Orders", ORDERS_PANEL), bare)).write(tmp_path)
    findings = lint(context_of(path))
    unit, description = _only(findings, "panel-unit"), _only(findings, "panel-description")
    assert unit.item == description.item == "Request rate"
    assert unit.line == line_of(path, "unit: ''")
    assert description.line == line_of(path, "- title: Request rate")
    assert unit.message == "panel 'Request rate' has no unit (in dashboards/shop.json)"


def test_dashboard_uids_unique_across_catalogs(tmp_path):
    first_path = shop().dashboard(orders_dashboard()).write(tmp_path / "a")
    second_path = CatalogBuilder("shop-copy").metric(counter("shop_orders_total", [label("state", "paid")])).dashboard(
        dashboard("shop", panel("Copied orders", ORDERS_PANEL))).write(tmp_path / "b")
    first, second = context_of(first_path), context_of(second_path)
    merged = ValidationContext(tmp_path, first.catalogs + second.catalogs, first.rendered,
                               first.per_catalog + second.per_catalog)
    finding = _only(lint(merged), "dashboard-uid-unique")
    assert finding.file == "catalog/shop-copy.yaml" and finding.line == line_of(second_path, "- uid: shop")
    first_line = line_of(first_path, "- uid: shop")
    assert finding.message == f"dashboard uid 'shop' is also used at catalog/shop.yaml:{first_line}"


def test_dashboard_uid_stable_against_the_committed_file(tmp_path):
    path = shop().dashboard(orders_dashboard()).write(tmp_path)
    committed = json.loads(context_of(path).rendered.artifacts["dashboards/shop.json"])
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "shop.json").write_text(json.dumps(committed))
    assert by_rule(lint(context_of(path)), "dashboard-uid-stable") == []
    committed["uid"] = "shop-old-uid"
    (tmp_path / "dashboards" / "shop.json").write_text(json.dumps(committed))
    finding = _only(lint(context_of(path)), "dashboard-uid-stable")
    assert finding.line == line_of(path, "- uid: shop")
    assert "the committed dashboards/shop.json has uid 'shop-old-uid'" in finding.message


def test_silences_on_panel_dashboard_and_alert(tmp_path):
    fixed_minute = panel("Orders", ORDERS_PANEL.replace("$__rate_interval", "1m"),
                         silence=[{"rule": "dashboard-rate-interval", "reason": "a fixed minute matches the batch job"}])
    undescribed = {"title": "Errors", "type": "timeseries", "unit": "reqps",
                   "targets": [{"expr": "sum(rate(shop_errors_total{$selector}[$__rate_interval]))"}]}
    path = shop().alert(down(severity="page", silence=[{"rule": "alert-severity",
                                                        "reason": "pages through the legacy pager"}])).dashboard(
        orders_dashboard(fixed_minute, undescribed, silence=[{"rule": "panel-description",
                                                              "reason": "descriptions live in the runbook"}])).write(tmp_path)
    findings = lint(context_of(path))
    assert by_rule(findings, "dashboard-rate-interval") == []
    assert by_rule(findings, "alert-severity") == []
    assert by_rule(findings, "panel-description") == []
    assert findings == [], [str(f) for f in findings]
    unsilenced = shop().alert(down(severity="page")).dashboard(orders_dashboard(
        panel("Orders", ORDERS_PANEL.replace("$__rate_interval", "1m")), undescribed)).write(tmp_path / "plain")
    plain = lint(context_of(unsilenced))
    assert [len(by_rule(plain, r)) for r in ("dashboard-rate-interval", "alert-severity", "panel-description")] == [1, 1, 1]


def test_a_silence_naming_an_unknown_rule_is_reported(tmp_path):
    path = shop().alert(down(silence=[{"rule": "alert-sevrity", "reason": "typo in the rule id here"}])).write(tmp_path)
    finding = _only(lint(context_of(path)), "silence-unknown-rule")
    assert finding.severity == "warning"
    assert finding.line == line_of(path, "rule: alert-sevrity")
    assert finding.message.startswith("silence of 'alert-sevrity' has no effect")
