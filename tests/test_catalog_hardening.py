"""Hostile and broken catalogs: each is a located error (exit 3), never a traceback, a hang or
output that Prometheus refuses. Here the YAML-level cases (keys, aliases, reading); the values are
in test_catalog_hardening_values.py."""
from __future__ import annotations

import os
import re
import time

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.cli import obsgen
from tests.support.inprocess import run_obsgen
from tests.support.hardening_catalog import GOOD, catalog_problems, line_of, project, replace


# -- duplicate keys -------------------------------------------------------------------------------

def test_a_second_top_level_key_is_refused_by_generate_and_validate(tmp_path):
    """The issue's reproducer: `printf '\\nalerts: []\\n' >> catalog/<name>.yaml`."""
    catalog = project(tmp_path)
    with catalog.open("a") as handle:
        handle.write("\nalerts: []\n")
    first = line_of(GOOD, "\nalerts:\n") + 1
    last = len(catalog.read_text().splitlines())
    for command in ("generate", "validate"):
        result = run_obsgen(command, cwd=tmp_path)
        assert result.returncode == 3, (command, result.stdout, result.stderr)
        output = result.stdout + result.stderr
        assert re.search(rf"catalog/shop\.yaml:{last}: .*duplicate key 'alerts': already given at line {first}",
                         output), output
        assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_a_nested_duplicate_names_both_lines(tmp_path):
    text = replace("    threshold: 0.01\n", "    threshold: 0.01\n    threshold: 0.5\n")
    first = line_of(text, "    threshold: 0.01")
    assert catalog_problems(tmp_path, text) == [
        f"c.yaml:{first + 1}: objectives[1].threshold: duplicate key 'threshold': already given at line {first}"]


def test_duplicates_deep_in_flow_mappings_and_equal_booleans(tmp_path):
    text = replace("{type: prometheus, uid: prometheus}", "{type: prometheus, uid: prometheus, type: loki}")
    text = replace("  selector: {job: shop-api}\n", "  selector: {job: shop-api}\n  extra: {yes: 1, true: 2}\n", text)
    line = line_of(text, "type: loki")
    problems = catalog_problems(tmp_path, text)
    assert f"c.yaml:{line}: service.grafana.datasource.type: duplicate key 'type': already given at line {line}" \
        in problems
    # YAML 1.1 reads `yes` and `true` as the same key: that is a duplicate too
    assert any(re.match(rf"c\.yaml:{line + 2}: service\.extra\.true: duplicate key 'true'", p) for p in problems), problems


def test_merge_keys_may_be_overridden(tmp_path):
    """`<<:` is not a duplicate of the keys it merges; an explicit key after it wins, as YAML says."""
    text = replace("    datasource: {type: prometheus, uid: prometheus}\n",
                    "    datasource:\n      <<: {type: loki, uid: prometheus}\n      type: prometheus\n")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert load_catalog(path).service.datasource_type == "prometheus"


# -- aliases ---------------------------------------------------------------------------------------

LAUGHS = """lol:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_at_once(tmp_path):
    assert len(LAUGHS) < 900  # the size of the reproducer
    text = GOOD + LAUGHS
    started = time.perf_counter()
    problems = catalog_problems(tmp_path, text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed  # 10**9 nodes if expanded
    line = line_of(text, "*a")
    assert problems == [f"c.yaml:{line}: YAML aliases expand to more than 10,000 nodes; "
                        "write the shared parts out instead of nesting aliases"]


def test_a_modest_alias_still_works(tmp_path):
    text = replace("    help: Time spent serving", "    help: &help Time spent serving")
    text = replace("    help: Orders counted, by state.\n", "    help: *help\n", text)
    path = tmp_path / "c.yaml"
    path.write_text(text)
    metrics = load_catalog(path).metrics
    assert metrics[1].help == metrics[0].help == "Time spent serving one request."


def test_errors_do_not_echo_megabytes(tmp_path):
    huge = "x" * 2_000_000
    text = replace("    buckets: [0.05, 0.1,", f"    buckets: [0.05, {huge},")
    problems = catalog_problems(tmp_path, text)
    assert len(problems) == 1 and len(problems[0]) < 700, len(problems[0])
    assert "characters cut" in problems[0] and "is not of type 'number'" in problems[0]


# -- reading ----------------------------------------------------------------------------------------

def test_invalid_utf8_is_located(tmp_path):
    data = GOOD.encode() + b"\xff"
    line = GOOD.count("\n") + 1
    assert catalog_problems(tmp_path, data) == [f"c.yaml:{line}: not valid UTF-8: byte 0xff at column 1 (invalid start byte)"]


def test_invalid_utf8_mid_file(tmp_path):
    data = replace("  team: backend", "  team: back\xe9nd").encode("latin-1")
    line = line_of(GOOD, "  team: backend")
    assert catalog_problems(tmp_path, data) == [
        f"c.yaml:{line}: not valid UTF-8: byte 0xe9 at column 13 (invalid continuation byte)"]


def test_utf16_with_bom(tmp_path):
    assert catalog_problems(tmp_path, GOOD.encode("utf-16")) == [
        "c.yaml:1: the file is UTF-16 (it starts with a byte-order mark); save it as UTF-8"]


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_catalog(path).service.name == "shop"


def test_control_character_is_located(tmp_path):
    text = replace("  team: backend", "  team: back\x01end")
    line = line_of(GOOD, "  team: backend")
    assert catalog_problems(tmp_path, text) == [
        f"c.yaml:{line}: invalid YAML: unacceptable character #x0001: control characters are not allowed"]


def test_symlink_loop(tmp_path):
    """Subprocess smoke tests, this and the next: a time limit guards against a hang in open()."""
    (tmp_path / "catalog").mkdir()
    os.symlink("shop.yaml", tmp_path / "catalog" / "shop.yaml")
    result = obsgen("generate", cwd=tmp_path, timeout=30)
    assert result.returncode == 3, result.stderr
    assert "catalog/shop.yaml: cannot read catalog: a symbolic link loop" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifo_is_refused_without_hanging(tmp_path):
    (tmp_path / "catalog").mkdir()
    os.mkfifo(tmp_path / "catalog" / "shop.yaml")
    result = obsgen("generate", cwd=tmp_path, timeout=30)  # before: blocked forever in open()
    assert result.returncode == 3, result.stderr
    assert "catalog/shop.yaml: cannot read catalog: it is a FIFO (named pipe), not a regular file" in result.stderr


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "c.yaml").mkdir()
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path / "c.yaml", base=tmp_path)
    assert [str(p) for p in err.value.problems] == ["c.yaml: cannot read catalog: it is a directory, not a regular file"]
