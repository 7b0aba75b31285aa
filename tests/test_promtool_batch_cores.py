"""promtool test batches that run side by side are each told their share of the cores (GOMAXPROCS),
so that Go's garbage collector does not spend idle-time workers on the core the other batch uses;
a lone batch keeps every core, and a GOMAXPROCS the user set is left as it is. The real promtool runs,
behind a wrapper that records the GOMAXPROCS it was started with."""
from __future__ import annotations

import os
import shutil
import stat

import pytest

from generator import promtool

TEST = """\
rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'up{job="a"}', values: '1x5'}
    promql_expr_test:
      - {expr: 'job:up:sum', eval_time: 2m, exp_samples: [{labels: 'job:up:sum{job="a"}', value: 1}]}
"""
RULES = """\
groups:
  - name: g
    rules:
      - {record: 'job:up:sum', expr: 'sum by (job) (up)'}
"""


@pytest.fixture()
def recorded(tmp_path, monkeypatch):
    log = tmp_path / "gomaxprocs.log"
    wrapper = tmp_path / "promtool"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = test ] && echo "${{GOMAXPROCS:-unset}}" >> {log}\n'
                       f'exec {shutil.which("promtool")} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PROMTOOL", str(wrapper))
    monkeypatch.delenv("GOMAXPROCS", raising=False)
    files = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "rules.yaml").write_text(RULES)
        (folder / "test.yaml").write_text(TEST)
        files.append(str(folder / "test.yaml"))
    return files, lambda: sorted(log.read_text().split())


def test_two_batches_on_two_cores_get_one_core_each(recorded):
    files, seen = recorded
    assert promtool.test_batches([[files[0]], [files[1]]], promtool.find_promtool(), workers=2) == []
    assert seen() == ["1", "1"]


def test_a_lone_batch_keeps_every_core(recorded):
    files, seen = recorded
    assert promtool.test_batches([files], promtool.find_promtool(), workers=2) == []
    assert seen() == ["2"]


def test_a_gomaxprocs_the_user_set_is_kept(recorded, monkeypatch):
    files, seen = recorded
    monkeypatch.setenv("GOMAXPROCS", "3")
    assert promtool.test_batches([[files[0]], [files[1]]], promtool.find_promtool(), workers=2) == []
    assert seen() == ["3", "3"]


def test_a_failing_test_in_a_limited_batch_is_still_reported(recorded, tmp_path):
    files, seen = recorded
    (tmp_path / "b" / "rules.yaml").write_text(RULES.replace("sum by (job) (up)", "sum by (job) (up) * 2"))
    findings = promtool.test_batches([[files[0]], [files[1]]], promtool.find_promtool(), workers=2)
    assert [os.path.basename(os.path.dirname(f.file)) for f in findings] == ["b"]
    assert seen() == ["1", "1"]
