"""The reader of other tools' rule files (diff, lint) refuses what the catalog loader refuses:
duplicate keys (the last one would silently win), alias bombs and runaway nesting."""
from __future__ import annotations

import time

from generator.diff.documents import parse
from tests.support.inprocess import run_obsgen

DUPLICATE = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    expr: up == 1\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    names = [f"n{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['x'] * width)}]"]
    for before, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [{', '.join(['*' + before] * width)}]")
    return "\n".join(lines) + "\n"


def test_duplicate_key_in_a_rule_names_both_lines():
    parsed = parse("rules.yaml", DUPLICATE)
    assert parsed.groups == []
    assert "line 6" in parsed.problem and "duplicate key 'expr'" in parsed.problem
    assert "line 5" in parsed.problem


def test_alias_bomb_is_refused_quickly():
    started = time.perf_counter()
    parsed = parse("bomb.yaml", _bomb())
    assert "aliases expand to more than 10,000 nodes" in parsed.problem
    assert time.perf_counter() - started < 5  # 9**9 nodes if expanded: it never is


def test_bomb_inside_a_configmap_rule_file_is_refused():
    inner = "".join("    " + line + "\n" for line in _bomb().splitlines())
    text = f"kind: ConfigMap\ndata:\n  rules.yaml: |\n{inner}"
    assert "aliases expand" in parse("cm.yaml", text).problem


def test_a_few_shared_aliases_and_several_documents_still_read():
    text = ("---\ngroups: []\n---\n---\ngroups:\n- name: x\n  rules:\n"
            "  - {record: 'job:a:sum', expr: 'sum(a)', labels: &l {team: t}}\n"
            "  - {record: 'job:b:sum', expr: 'sum(b)', labels: *l}\n")
    parsed = parse("ok.yaml", text)
    assert parsed.problem == ""
    assert [rule["labels"] for rule in parsed.groups[0].rules] == [{"team": "t"}, {"team": "t"}]


def test_lint_reports_the_duplicate_with_file_and_line(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(DUPLICATE, encoding="utf-8")
    ran = run_obsgen("lint", str(path))
    assert ran.returncode == 3
    assert str(path) in ran.stderr and "line 6: duplicate key 'expr'" in ran.stderr
    assert "Traceback" not in ran.output
