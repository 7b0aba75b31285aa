"""promtool tests split by dependency: each split file loads only the rules its tests read, and every
test gets the verdict it gets when the whole file runs (planted failures included)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from generator import promtool
from generator.validators import promtool_steps
from generator.validators.rule_test_split import Unsplittable, split_test_file
from tests.support.catalog_builder import every_artifact
from tests.support.paths import CHECKOUT
from tests.support.project import edit, generated_project

pytestmark = pytest.mark.promtool

SHOP_TESTS = "tests/rules/shop-test.yaml"


def _verdicts(findings) -> set[tuple]:
    return {(f.file, f.line, f.rule, f.item) for f in findings}


def _whole(files: list[Path]) -> list:
    return promtool.test_rules([str(f) for f in files])


def _split(files: list[Path], workdir: Path, workers: int = 2) -> list:
    parts, origins = [], {}
    for n, path in enumerate(files):
        for part in split_test_file(path, workdir, f"{n}"):
            parts.append(str(part.path))
            origins[str(part.path)] = str(path)
    batches = [parts[i::workers] for i in range(workers)]
    return promtool.test_batches(batches, origins=origins, workers=workers)


@pytest.fixture()
def project(tmp_path):
    return generated_project(tmp_path / "project", (every_artifact().write(tmp_path / "src"), CHECKOUT))


def _test_files(root: Path) -> list[Path]:
    """Each catalog's objective test file (the SLO test files beside them are split by validate too)."""
    return sorted(p for p in (root / "tests" / "rules").glob("*.yaml") if "-slo-" not in p.name)


def test_split_files_give_the_whole_sets_verdicts_all_passing(project, tmp_path):
    files = _test_files(project)
    assert len(files) == 2
    assert _whole(files) == []
    assert _split(files, tmp_path) == []


def test_split_files_give_the_whole_sets_verdicts_with_planted_failures(project, tmp_path):
    # 1. a recording rule test expects a wrong value; 2. an alert threshold moved in the rule file,
    # so the latency alert no longer fires where its test expects it to
    test_text = (project / SHOP_TESTS).read_text()
    document = yaml.safe_load(test_text)
    recording = next(t for t in document["tests"] if t["name"] == "errors: recording rules in a steady state")
    value = recording["promql_expr_test"][0]["exp_samples"][0]["value"]
    edit(project / SHOP_TESTS, f"value: {value}\n", f"value: {value + 1}\n")
    edit(project / "alerts" / "shop-alerts.yaml",
         "job:shop_request_duration_seconds:p95_rate5m > 0.5", "job:shop_request_duration_seconds:p95_rate5m > 0.75")
    files = _test_files(project)
    whole = _whole(files)
    split = _split(files, tmp_path)
    assert _verdicts(split) == _verdicts(whole)
    failed_items = {f.item for f in whole}
    assert "job:shop_errors:rate5m" in failed_items  # the planted expectation
    assert "ShopSlow" in failed_items  # the moved threshold
    assert {f.rule for f in whole} == {"alert-test-failed", "expr-test-failed"}
    assert all(f.file == str(project / SHOP_TESTS) for f in split)  # named at the committed file, not the split one
    lines = (project / SHOP_TESTS).read_text().splitlines()
    named = [f for f in split if f.line is not None]  # promtool 2.42 names the test of alert failures only
    assert named and all(f.rule == "alert-test-failed" for f in named)
    for f in named:  # at the line of the test's `- name:` in the committed file
        assert lines[f.line - 1].lstrip().startswith("- name:")


def test_each_split_file_loads_only_the_rules_its_tests_read(project, tmp_path):
    parts = split_test_file(project / SHOP_TESTS, tmp_path, "a")
    loaded = {}
    for part in parts:
        document = json.loads(part.path.read_text())
        names = [t["name"] for t in document["tests"]]
        rules = [r.get("record") or r.get("alert") for f in document["rule_files"]
                 for g in yaml.safe_load(Path(f).read_text())["groups"] for r in g["rules"]]
        for name in names:
            loaded[name] = rules
    assert sorted(loaded["latency: recording rules in a steady state"]) == [
        "job:shop_request_duration_seconds:p95_rate5m",
        "job_le:shop_request_duration_seconds_bucket:rate5m"]
    # the latency alert reads the p95 record, which reads the bucket-rate record: the closure
    assert sorted(loaded["ShopSlow: stays quiet just below the threshold"]) == [
        "ShopSlow", "job:shop_request_duration_seconds:p95_rate5m",
        "job_le:shop_request_duration_seconds_bucket:rate5m"]
    assert loaded["ShopDown: stays quiet at 1"] == ["ShopDown"]
    whole = yaml.safe_load((project / SHOP_TESTS).read_text())
    assert sorted(loaded) == sorted(t["name"] for t in whole["tests"])  # every test kept, once
    assert sum(p.tests for p in parts) == len(whole["tests"])


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


RULES = """
    groups:
    - name: g
      rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: job:up:sum == 0
        for: 1m
      - alert: AnyAlert
        expr: count(ALERTS{alertstate="firing"}) > 0
      - alert: Other
        expr: other > 1
    """

TESTS = """
    rule_files: [{rules}]
    evaluation_interval: 1m
    tests:
    - name: down fires
      interval: 1m
      input_series:
      - series: 'up{{job="a"}}'
        values: '0x5'
      alert_rule_test:
      - eval_time: 3m
        alertname: Down
        exp_alerts: [{{exp_labels: {{job: a}}}}]
    - name: planted failure, other never fires here
      interval: 1m
      input_series:
      - series: 'other'
        values: '0x5'
      alert_rule_test:
      - eval_time: 2m
        alertname: Other
        exp_alerts: [{{exp_labels: {{}}}}]
    - name: any alert reads ALERTS
      interval: 1m
      input_series:
      - series: 'up{{job="a"}}'
        values: '0x5'
      alert_rule_test:
      - eval_time: 4m
        alertname: AnyAlert
        exp_alerts: [{{exp_labels: {{}}}}]
    """


def test_alerts_series_and_globs_are_handled_safely(tmp_path):
    _write(tmp_path / "rules.yaml", RULES)
    tests = _write(tmp_path / "tests.yaml", TESTS.format(rules="rules.yaml"))
    work = tmp_path / "work"
    work.mkdir()
    parts = split_test_file(tests, work, "t")
    by_test = {t["name"]: len([r for f in json.loads(p.path.read_text())["rule_files"]
                               for g in yaml.safe_load(Path(f).read_text())["groups"] for r in g["rules"]])
               for p in parts for t in json.loads(p.path.read_text())["tests"]}
    # ALERTS can be written by any alert: that test loads every rule
    assert by_test == {"down fires": 2, "planted failure, other never fires here": 1, "any alert reads ALERTS": 4}
    whole, split = _whole([tests]), _split([tests], work)
    assert _verdicts(split) == _verdicts(whole)
    assert [(f.line, f.item) for f in whole] == [(13, "Other")]
    globbed = _write(tmp_path / "globbed.yaml", TESTS.format(rules="rule*.yaml"))
    with pytest.raises(Unsplittable):
        split_test_file(globbed, work, "g")
    # an unknown group in group_eval_order changes what promtool 2.42 does (the planted failure is no
    # longer reported): whatever it does, the file runs whole, as written
    unknown = tmp_path / "unknown-group.yaml"
    unknown.write_text(TESTS.format(rules="rules.yaml").replace("evaluation_interval: 1m\n",
                                                                "evaluation_interval: 1m\ngroup_eval_order: [g, nope]\n"))
    assert "group_eval_order" in unknown.read_text()
    with pytest.raises(Unsplittable):
        split_test_file(unknown, work, "u")
    assert _whole([unknown]) != _whole([tests])


def test_validate_step_runs_split_batches_and_names_the_committed_file(project, monkeypatch):
    test_text = (project / SHOP_TESTS).read_text()
    document = yaml.safe_load(test_text)
    recording = next(t for t in document["tests"] if t["name"] == "errors: recording rules in a steady state")
    value = recording["promql_expr_test"][0]["exp_samples"][0]["value"]
    edit(project / SHOP_TESTS, f"value: {value}\n", f"value: {value + 1}\n")
    from generator.validators.run import validate
    monkeypatch.setattr(promtool_steps, "TESTS_PER_BATCH", 1)  # two batches even for two small catalogs
    monkeypatch.setattr(promtool_steps, "cores", lambda: 2)
    result = validate(project, skip=("k6-archive", "amtool-check", "dashboard-schema"))
    step = next(s for s in result.steps if s.name == "promtool-test")
    assert [(f.file, f.rule, f.item) for f in step.findings] == [
        (SHOP_TESTS, "expr-test-failed", "job:shop_errors:rate5m")]
