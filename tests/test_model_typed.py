"""The typed model: objective kinds are distinct types, the catalog carries a format version, and each
defect of a catalog is reported once (no placeholder value left behind by one error trips another check)."""
from __future__ import annotations

import dataclasses

import pytest

from generator.build.rules import build_rule_groups
from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.model import ErrorRatioObjective, LatencyObjective, Objective
from tests.support.catalog_builder import service_text
from tests.support.inprocess import run_obsgen

# written as text: the defects below are edits of its lines, located by the text they leave
CATALOG = service_text("shop-api", team="web") + """\
metrics:
  - name: http_requests_total
    type: counter
    help: Requests by status code.
    labels:
      - {name: code, values: ["200", "500"]}
  - name: shop_request_duration_seconds
    type: histogram
    help: Request time.
    buckets: [0.1, 0.5, 1]
tiers:
  - {name: big, target: 0.5, critical: 1}
objectives:
  - name: errors
    kind: error_ratio
    errors: {metric: http_requests_total, matchers: {code: "500"}}
    total: {metric: http_requests_total}
    threshold: 0.01
    alert: {name: ShopErrors, for: 5m, severity: warning, summary: Errors, description: 'ratio {{ $value }}.'}
  - name: latency
    kind: latency
    metric: shop_request_duration_seconds
    quantile: 0.9
    threshold: {tier: big}
    alert: {name: ShopSlow, for: 5m, severity: warning, summary: Slow, description: 'p90 is {{ $value }}.'}
dashboards:
  - uid: shop
    title: Shop
    rows:
      - title: Main
        panels:
          - {title: Latency, type: timeseries, objective: latency, targets: [{expr: 'up{$selector}'}]}
load_tests:
  scenarios:
    - name: smoke
      tier: big
      executor: constant-vus
      vus: 1
      duration: 10s
      requests: [{method: GET, path: /}]
"""


def _edited(*replacements: tuple[str, str]) -> str:
    text = CATALOG
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _problems(tmp_path, text: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    return [(p.location.line, p.location.path, p.message) for p in err.value.problems]


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- objective kinds are types ---

def test_each_objective_kind_is_its_own_frozen_type(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(CATALOG)
    errors, latency = load_catalog(path).objectives
    assert type(errors) is ErrorRatioObjective and type(latency) is LatencyObjective
    assert isinstance(errors, Objective) and isinstance(latency, Objective)  # the union of the variants
    # each variant has its own fields only: no optional fields of the other kind
    assert {f.name for f in dataclasses.fields(LatencyObjective)} == {
        "name", "threshold", "window", "alert", "metric", "quantile", "selection", "description"}
    assert {f.name for f in dataclasses.fields(ErrorRatioObjective)} == {
        "name", "threshold", "window", "alert", "errors", "total", "description"}
    assert (latency.metric, latency.quantile, latency.threshold) == ("shop_request_duration_seconds", 0.9, 0.5)
    assert (errors.errors.metric, errors.errors.matchers, errors.total.metric) == (
        "http_requests_total", (("code", "500"),), "http_requests_total")
    with pytest.raises(dataclasses.FrozenInstanceError):
        latency.threshold = 1.0  # type: ignore[misc]


def test_rules_dispatch_on_the_objective_type_not_on_a_string(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(CATALOG)
    catalog = load_catalog(path)
    records = {r.record for g in build_rule_groups(catalog) for r in g.rules if r.record}
    assert "job:shop_request_duration_seconds:p90_rate5m" in records
    assert "job:http_requests:ratio_rate5m" in records

    @dataclasses.dataclass(frozen=True)
    class Impostor:  # says it is a latency objective, is none of the variants
        name: str = "fake"
        kind: str = "latency"

    from generator.build.rules import objective_rules
    with pytest.raises(TypeError, match="Impostor"):
        objective_rules(catalog, Impostor(), "objectives[9]")


# --- format version ---

@pytest.mark.parametrize("header", ["", "version: 1\n"])
def test_absent_or_current_version_loads(tmp_path, header):
    path = tmp_path / "shop.yaml"
    path.write_text(header + CATALOG)
    assert load_catalog(path).service.name == "shop-api"


@pytest.mark.parametrize("value, shown", [("2", "2"), ("'1'", "'1'"), ("true", "true"), ("0", "0")])
def test_unknown_version_is_one_located_error(tmp_path, value, shown):
    # a newer format with a field this obsgen does not know: the version is the one problem, not the field
    text = f"# my catalog\nversion: {value}\n" + CATALOG + "future_section: {a: 1}\n"
    assert _problems(tmp_path, text) == [
        (2, "version", f"unknown catalog format version {shown}: this obsgen reads version 1 (or no "
                       "`version:`, read as 1); upgrade obsgen or write the catalog in format 1")]


def test_unknown_version_exits_3_and_writes_nothing(tmp_path, monkeypatch):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "shop.yaml").write_text("version: 7\n" + CATALOG)
    monkeypatch.chdir(tmp_path)
    result = run_obsgen("generate")
    assert result.returncode == 3, result.output
    assert "catalog/shop.yaml:1: version: unknown catalog format version 7" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/shop.yaml"]


# --- each defect is reported once ---

CASCADES = {
    # an unknown tier: no "threshold 0 is not a bucket boundary" after it
    "unknown tier, latency objective": (
        [("threshold: {tier: big}", "threshold: {tier: huge}")],
        [("threshold: {tier: huge}", "objectives[1].threshold.tier", "unknown tier 'huge'")]),
    # ... nor "an error ratio threshold must be at least 1e-06"
    "unknown tier, error-ratio objective": (
        [("threshold: 0.01", "threshold: {tier: huge}")],
        [("threshold: {tier: huge}", "objectives[0].threshold.tier", "unknown tier 'huge'")]),
    # the panel drawing the defective objective is not told the objective is unknown
    "unknown tier, objective drawn on a panel": (
        [("threshold: {tier: big}", "threshold: {tier: huge}")],
        [("threshold: {tier: huge}", "objectives[1].threshold.tier", "unknown tier 'huge'")]),
    # a scenario inheriting the defective objective's threshold is not checked against a stand-in
    "unknown tier, objective a load test inherits": (
        [("threshold: {tier: big}", "threshold: {tier: huge}"),
         ("      tier: big\n", "      thresholds: {critical: 0.05}\n")],
        [("threshold: {tier: huge}", "objectives[1].threshold.tier", "unknown tier 'huge'")]),
    # a scenario's unknown tier: its critical is not compared with the objective's threshold instead
    "unknown tier in a load test": (
        [("      tier: big\n", "      tier: huge\n      thresholds: {critical: 0.1}\n")],
        [("tier: huge", "load_tests.scenarios[0].tier", "unknown tier 'huge'")]),
    # a tier whose critical is below its target: said at the tier, not again in each scenario using it
    "tier critical below target": (
        [("{name: big, target: 0.5, critical: 1}", "{name: big, target: 0.5, critical: 0.2}")],
        [("{name: big", "tiers[0].critical", "critical must not be below target")]),
    # a histogram without buckets: no "threshold is not a bucket boundary" of the empty list
    "histogram without buckets": (
        [("    buckets: [0.1, 0.5, 1]\n", "")],
        [("- name: shop_request_duration_seconds", "metrics[1]", "histogram 'shop_request_duration_seconds' needs buckets")]),
    # an invalid label pattern: matchers on the label are not judged by it
    "invalid label pattern": (
        [('{name: code, values: ["200", "500"]}', '{name: code, pattern: "[0-9"}')],
        [("{name: code", "metrics[0].labels[0].pattern", "invalid regular expression")]),
    # an unknown histogram: its matchers are not checked against labels it does not have
    "unknown metric in a latency objective": (
        [("metric: shop_request_duration_seconds\n    quantile", "metric: nope_seconds\n    matchers: {route: a}\n    quantile")],
        [("metric: nope_seconds", "objectives[1].metric", "unknown metric 'nope_seconds'")]),
    "unknown metric in an error-ratio objective": (
        [("errors: {metric: http_requests_total,", "errors: {metric: nope_total,")],
        [("errors: {metric: nope_total", "objectives[0].errors.metric", "unknown metric 'nope_total'")]),
    "unknown objective on a panel": (
        [("objective: latency,", "objective: nope,")],
        [("objective: nope", "dashboards[0].rows[0].panels[0].objective", "unknown objective 'nope'")]),
}


@pytest.mark.parametrize("case", sorted(CASCADES))
def test_each_defect_is_reported_once(tmp_path, case):
    replacements, expected = CASCADES[case]
    text = _edited(*replacements)
    got = _problems(tmp_path, text)
    assert [(line, path) for line, path, _ in got] == [(_line(text, needle), path) for needle, path, _ in expected]
    for (_, _, message), (_, _, wanted) in zip(got, expected):
        assert message.startswith(wanted), message


def test_a_defective_objective_is_not_built_but_still_unique_and_other_defects_still_reported(tmp_path):
    text = _edited(("threshold: {tier: big}", "threshold: {tier: huge}"),
                   ("quantile: 0.9", "quantile: 0.0001"), ("  - name: errors\n", "  - name: latency\n"))
    paths = [path for _, path, _ in _problems(tmp_path, text)]
    # the defects of the objective besides its tier, and its duplicate name, are each reported
    assert paths == ["objectives[1].threshold.tier", "objectives[1].quantile", "objectives[1].name"]


# --- the catalog is indexed by name ---

def test_catalog_lookups_by_name(tmp_path):
    text = CATALOG + """\
alerts:
  - name: ShopDown
    expr: up{$selector} == 0
    for: 1m
    severity: critical
    summary: Down
    description: The shop is down.
recording_rules:
  - record: job:up:sum
    expr: sum by (job) (up{$selector})
"""
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    catalog = load_catalog(path)
    assert catalog.metric("http_requests_total").type == "counter"
    assert catalog.tier("big").critical == 1.0
    assert isinstance(catalog.objective("latency"), LatencyObjective)
    assert catalog.alert("ShopDown").text.severity == "critical"
    assert catalog.alert("ShopSlow") is None  # an objective's alert is the objective's, not a free-form one
    assert catalog.recording_rule("job:up:sum").expr == "sum by (job) (up{$selector})"
    assert catalog.dashboard("shop").title == "Shop"
    assert catalog.scenario("smoke").tier == "big"
    assert catalog.series_owner("shop_request_duration_seconds_bucket").name == "shop_request_duration_seconds"
    assert catalog.series_owner("http_requests_total").name == "http_requests_total"
    assert [catalog.metric("nope"), catalog.dashboard("nope"), catalog.scenario("nope")] == [None, None, None]
