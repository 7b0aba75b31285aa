"""Hand-written promtool tests in tests/rules/ run with the generated ones and count as coverage:
`untested-rule` goes away when one exercises the alert (an `exp_alerts` entry) or the recording rule
(a `promql_expr_test` of its output or of its expression), and stays when the test proves nothing
or loads another catalog's rules. `untested-rule` is silenced on the item like every other rule."""
from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.validators.context import build_context
from generator.validators.freshness import check_fresh
from generator.validators.lint import lint
from generator.validators.promtool_steps import check_promtool_tests
from tests.support.catalog_builder import CatalogBuilder, alert

FLAPPING = "sum by (job) (changes(shop_requests_total{$selector}[5m])) > 3"
CHANGES = "sum by (job) (changes(shop_requests_total{$selector}[5m]))"

# shop_requests_total changes every minute: changes() over 5m is 5 from minute 5, so the alert is
# pending from then and fires once its 5m `for` passed.
ALERT_TEST = """\
rule_files: [../../alerts/shop-alerts.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'shop_requests_total{job="shop", instance="a:1", code="200"}', values: '0+1x30'}
    alert_rule_test:
      - {eval_time: 3m, alertname: ShopFlapping, exp_alerts: []}
      - eval_time: 15m
        alertname: ShopFlapping
        exp_alerts:
          - exp_labels: {job: shop, severity: critical, team: platform}
            exp_annotations:
              summary: ShopFlapping is firing
              description: Seen on shop for 5m.
              runbook_url: https://runbooks.example.com/shop/ShopFlapping
"""

RECORD_TEST = """\
rule_files: [../../recording_rules/shop-recording.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'shop_requests_total{job="shop", instance="a:1", code="200"}', values: '0+1x30'}
    promql_expr_test:
      - expr: EXPR
        eval_time: 10m
        exp_samples: [{labels: 'LABELS', value: 5}]
"""


def project(tmp_path: Path, *, silence: bool = False) -> Path:
    extra = {"silence": [{"rule": "untested-rule", "reason": "flapping is tested in staging by hand"}]} if silence else {}
    builder = (CatalogBuilder("shop").alert(alert("ShopFlapping", FLAPPING, **extra))
               .recording_rule("job:shop_requests:changes5m", CHANGES))
    path = builder.write(tmp_path)
    pipeline.generate(tmp_path, pipeline.load_all([path], tmp_path))
    return path


def findings(root: Path):
    ctx = build_context(root, pipeline.load_all(pipeline.catalog_paths((), root), root))
    return [(f.rule, f.item, f.file, f.line) for f in check_promtool_tests(ctx)]


def hand_test(root: Path, name: str, text: str) -> Path:
    path = root / "tests" / "rules" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_test_both_items_are_untested_at_their_catalog_lines(tmp_path):
    catalog = project(tmp_path)
    assert sorted(findings(tmp_path)) == sorted([
        ("untested-rule", "ShopFlapping", "catalog/shop.yaml", CatalogBuilder.line_of(catalog, "- name: ShopFlapping")),
        ("untested-rule", "job:shop_requests:changes5m", "catalog/shop.yaml",
         CatalogBuilder.line_of(catalog, "- record: job:shop_requests:changes5m")),
    ])


def test_a_hand_written_alert_test_covers_the_alert_and_is_run(tmp_path):
    project(tmp_path)
    hand_test(tmp_path, "flapping.yaml", ALERT_TEST)
    assert [item for _, item, _, _ in findings(tmp_path)] == ["job:shop_requests:changes5m"]
    # it is run: a wrong expectation in it is promtool's failure, reported at the hand-written file
    hand_test(tmp_path, "flapping.yaml", ALERT_TEST.replace("team: platform", "team: elsewhere"))
    failed = [f for f in findings(tmp_path) if f[0] != "untested-rule"]
    assert failed and {f[2] for f in failed} == {"tests/rules/flapping.yaml"}, failed


def test_a_hand_written_expr_test_covers_the_recording_rule_by_its_output_or_its_expression(tmp_path):
    project(tmp_path)
    hand_test(tmp_path, "changes.yaml", RECORD_TEST.replace("EXPR", "job:shop_requests:changes5m")
              .replace("LABELS", 'job:shop_requests:changes5m{job="shop"}'))
    assert [item for _, item, _, _ in findings(tmp_path)] == ["ShopFlapping"]
    hand_test(tmp_path, "changes.yaml", RECORD_TEST.replace("EXPR", "'sum by (job) (changes(shop_requests_total{job=\"shop\"}[5m]))'")
              .replace("LABELS", '{job="shop"}'))
    assert [item for _, item, _, _ in findings(tmp_path)] == ["ShopFlapping"]


def test_a_test_that_expects_no_alert_or_loads_other_rules_covers_nothing(tmp_path):
    project(tmp_path)
    quiet_only = ALERT_TEST.split("      - eval_time: 15m")[0]
    hand_test(tmp_path, "quiet.yaml", quiet_only)
    other = tmp_path / "alerts" / "other.yaml"
    other.write_text((tmp_path / "alerts" / "shop-alerts.yaml").read_text().split("\n", 1)[1].replace("shop-alerts", "other"))
    hand_test(tmp_path, "other.yaml", ALERT_TEST.replace("shop-alerts.yaml", "other.yaml"))
    assert "ShopFlapping" in [item for _, item, _, _ in findings(tmp_path)]


def test_untested_rule_is_silenced_on_the_alert(tmp_path):
    project(tmp_path, silence=True)
    assert [item for _, item, _, _ in findings(tmp_path)] == ["job:shop_requests:changes5m"]
    ctx = build_context(tmp_path, pipeline.load_all(pipeline.catalog_paths((), tmp_path), tmp_path))
    assert [f for f in lint(ctx) if f.rule == "silence-unknown-rule"] == []  # a silence lint knows to take effect


def test_generate_keeps_a_hand_written_test_and_fresh_does_not_report_it(tmp_path):
    project(tmp_path)
    path = hand_test(tmp_path, "flapping.yaml", ALERT_TEST)
    plan = pipeline.generate(tmp_path, pipeline.load_all(pipeline.catalog_paths((), tmp_path), tmp_path))
    assert path.read_text() == ALERT_TEST and "tests/rules/flapping.yaml" not in plan.stale
    ctx = build_context(tmp_path, pipeline.load_all(pipeline.catalog_paths((), tmp_path), tmp_path))
    assert check_fresh(ctx) == []
