"""Hostile and broken catalogs: each is a located error (exit 3), never a traceback, a hang or
output that Prometheus refuses. The reproducers of the hardening issue are among them."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.cli import obsgen
from tests.support.inprocess import run_obsgen
from tests.support.paths import CHECKOUT as CATALOG_CHECKOUT

# The text these tests edit: a small valid catalog, independent of the shipped one.
GOOD = """# yaml-language-server: $schema=../generator/catalog/catalog.schema.json
# A small catalog written out as text: these tests edit its text (keys, aliases, bytes).

service:
  name: shop
  title: Shop
  team: backend
  runbook_base_url: https://runbooks.example.com/shop
  grafana:
    folder: {uid: shop, title: Shop}
    datasource: {type: prometheus, uid: prometheus}
  selector: {job: shop-api}
  scrape_interval: 15s

metrics:
  - name: shop_request_duration_seconds
    type: histogram
    help: Time spent serving one request.
    unit: seconds
    buckets: [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
  - name: shop_orders_total
    type: counter
    help: Orders counted, by state.
    unit: orders
    labels:
      - name: state
        values: [paid, pending, failed]
  - name: shop_errors_total
    type: counter
    help: Requests that failed, by cause.
    unit: errors
    labels:
      - name: error_type
        values: [database, auth, other]
  - name: http_requests_total
    type: counter
    help: HTTP requests served, by path.
    unit: requests
    labels:
      - name: path
        values: [/orders, /healthz]

tiers:
  - {name: large, target: 0.5, critical: 1.0}

objectives:
  - name: latency
    kind: latency
    metric: shop_request_duration_seconds
    quantile: 0.95
    threshold: {tier: large}
    alert:
      name: ShopSlowResponse
      for: 5m
      severity: warning
      summary: Shop API is slow
      description: p95 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above ${threshold} for ${for}.
  - name: errors
    kind: error_ratio
    errors: {metric: shop_errors_total, exclude: {error_type: [auth]}}
    total: {metric: http_requests_total, matchers: {path: /orders}}
    threshold: 0.01
    alert:
      name: ShopHighErrorRate
      for: 3m
      severity: critical
      summary: Shop error rate is high
      description: '{{ $value | humanizePercentage }} of requests on {{ $labels.job }} fail, above ${threshold}.'

alerts:
  - name: ShopTargetDown
    expr: up{$selector} == 0
    for: 2m
    severity: critical
    summary: Shop target is down
    description: Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}.
    test: {series: 'up{$selector, instance="shop-0:8080"}', firing: 0, quiet: 1}

recording_rules:
  - record: job_state:shop_orders:rate5m
    expr: sum by (job, state) (rate(shop_orders_total{$selector}[5m]))

alerting:
  group_by: [alertname, job]
  repeat_interval: 4h
  default_receiver: chat
  receivers:
    - {name: pager, type: pagerduty, routing_key_file: /run/secrets/pd}
    - {name: chat, type: slack, api_url_file: /run/secrets/slack, channel: '#shop'}
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      repeat_interval: 1h
"""


def _line_of(text: str, needle: str, start: int = 0) -> int:
    return text[: text.index(needle, start)].count("\n") + 1


def _replace(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "c.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path, base=tmp_path)
    return [str(p) for p in err.value.problems]


def _project(tmp_path: Path, text: str | None = None) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "shop.yaml").write_text(GOOD if text is None else text, encoding="utf-8")
    return tmp_path / "catalog" / "shop.yaml"


# -- duplicate keys -------------------------------------------------------------------------------

def test_a_second_top_level_key_is_refused_by_generate_and_validate(tmp_path):
    """The issue's reproducer: `printf '\\nalerts: []\\n' >> catalog/<name>.yaml`."""
    catalog = _project(tmp_path)
    with catalog.open("a") as handle:
        handle.write("\nalerts: []\n")
    first = _line_of(GOOD, "\nalerts:\n") + 1
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
    text = _replace("    threshold: 0.01\n", "    threshold: 0.01\n    threshold: 0.5\n")
    first = _line_of(text, "    threshold: 0.01")
    assert _problems(tmp_path, text) == [
        f"c.yaml:{first + 1}: objectives[1].threshold: duplicate key 'threshold': already given at line {first}"]


def test_duplicates_deep_in_flow_mappings_and_equal_booleans(tmp_path):
    text = _replace("{type: prometheus, uid: prometheus}", "{type: prometheus, uid: prometheus, type: loki}")
    text = _replace("  selector: {job: shop-api}\n", "  selector: {job: shop-api}\n  extra: {yes: 1, true: 2}\n", text)
    line = _line_of(text, "type: loki")
    problems = _problems(tmp_path, text)
    assert f"c.yaml:{line}: service.grafana.datasource.type: duplicate key 'type': already given at line {line}" \
        in problems
    # YAML 1.1 reads `yes` and `true` as the same key: that is a duplicate too
    assert any(re.match(rf"c\.yaml:{line + 2}: service\.extra\.true: duplicate key 'true'", p) for p in problems), problems


def test_merge_keys_may_be_overridden(tmp_path):
    """`<<:` is not a duplicate of the keys it merges; an explicit key after it wins, as YAML says."""
    text = _replace("    datasource: {type: prometheus, uid: prometheus}\n",
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
    problems = _problems(tmp_path, text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed  # 10**9 nodes if expanded
    line = _line_of(text, "*a")
    assert problems == [f"c.yaml:{line}: YAML aliases expand to more than 10,000 nodes; "
                        "write the shared parts out instead of nesting aliases"]


def test_a_modest_alias_still_works(tmp_path):
    text = _replace("    help: Time spent serving", "    help: &help Time spent serving")
    text = _replace("    help: Orders counted, by state.\n", "    help: *help\n", text)
    path = tmp_path / "c.yaml"
    path.write_text(text)
    metrics = load_catalog(path).metrics
    assert metrics[1].help == metrics[0].help == "Time spent serving one request."


def test_errors_do_not_echo_megabytes(tmp_path):
    huge = "x" * 2_000_000
    text = _replace("    buckets: [0.05, 0.1,", f"    buckets: [0.05, {huge},")
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and len(problems[0]) < 700, len(problems[0])
    assert "characters cut" in problems[0] and "is not of type 'number'" in problems[0]


# -- reading ----------------------------------------------------------------------------------------

def test_invalid_utf8_is_located(tmp_path):
    data = GOOD.encode() + b"\xff"
    line = GOOD.count("\n") + 1
    assert _problems(tmp_path, data) == [f"c.yaml:{line}: not valid UTF-8: byte 0xff at column 1 (invalid start byte)"]


def test_invalid_utf8_mid_file(tmp_path):
    data = _replace("  team: backend", "  team: back\xe9nd").encode("latin-1")
    line = _line_of(GOOD, "  team: backend")
    assert _problems(tmp_path, data) == [
        f"c.yaml:{line}: not valid UTF-8: byte 0xe9 at column 13 (invalid continuation byte)"]


def test_utf16_with_bom(tmp_path):
    assert _problems(tmp_path, GOOD.encode("utf-16")) == [
        "c.yaml:1: the file is UTF-16 (it starts with a byte-order mark); save it as UTF-8"]


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_catalog(path).service.name == "shop"


def test_control_character_is_located(tmp_path):
    text = _replace("  team: backend", "  team: back\x01end")
    line = _line_of(GOOD, "  team: backend")
    assert _problems(tmp_path, text) == [
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


# -- values -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN", "+.Inf"])
def test_non_finite_threshold(tmp_path, value):
    text = _replace("    threshold: 0.01\n", f"    threshold: {value}\n")
    line = _line_of(text, f"threshold: {value}")
    assert _problems(tmp_path, text) == [f"c.yaml:{line}: objectives[1].threshold: '{value}' is not a finite number"]


def test_deeply_nested_expression(tmp_path):
    deep = "(" * 2000 + "up" + ")" * 2000
    text = _replace("    expr: up{$selector} == 0\n", f"    expr: '{deep}'\n")
    line = _line_of(text, deep)
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].expr: invalid PromQL: "), problem
    assert len(problem) < 700


def test_define_in_an_annotation(tmp_path):
    text = _replace("    description: Prometheus cannot scrape",
                    "    annotations: {note: '{{ define \"x\" }}y{{ end }}'}\n    description: Prometheus cannot scrape")
    line = _line_of(text, "define")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].annotations.note: unsupported alert template: "
                              "template term 'define \"x\"'"), problem


def test_define_in_an_objective_alert(tmp_path):
    """Objective alerts are always tested, so an unpredictable template was a traceback there."""
    text = _replace("      summary: Shop API is slow",
                    "      summary: '{{ define \"x\" }}y{{ end }}'")
    line = _line_of(text, "define")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[0].alert.summary: unsupported alert template"), problem


# -- output Prometheus would refuse ----------------------------------------------------------------------

def test_label_name_prometheus_refuses(tmp_path):
    text = _replace("    summary: Shop target is down",
                    "    labels: {0lab: x}\n    summary: Shop target is down")
    line = _line_of(text, "0lab")
    assert _problems(tmp_path, text) == [
        f"c.yaml:{line}: alerts[0].labels.0lab: '0lab' is not a Prometheus label name "
        "(letters, digits and _, not starting with a digit)"]


@pytest.mark.parametrize("section", ["annotations", "labels"])
def test_annotation_and_recording_label_names(tmp_path, section):
    if section == "annotations":
        text = _replace("    summary: Shop target is down",
                        "    annotations: {bad-name: x}\n    summary: Shop target is down")
        where = "alerts[0].annotations.bad-name"
    else:
        text = _replace("    expr: sum by (job, state)", "    labels: {'a b': x}\n    expr: sum by (job, state)")
        where = "recording_rules[0].labels.a b"
    (problem,) = _problems(tmp_path, text)
    assert f": {where}: " in problem and "is not a Prometheus label name" in problem, problem


def test_record_name_with_a_trailing_newline(tmp_path):
    text = _replace("  - record: job_state:shop_orders:rate5m", '  - record: "job_state:shop_orders:rate5m\\n"')
    line = _line_of(text, '"job_state')
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: recording_rules[0].record: "), problem


def test_no_name_pattern_accepts_a_trailing_newline(tmp_path):
    """Every `$`-anchored schema pattern is checked to the very end of the text."""
    for old, new, where in [
        ("  - name: ShopTargetDown", '  - name: "ShopTargetDown\\n"', "alerts[0].name"),
        ("  - name: shop_orders_total", '  - name: "shop_orders_total\\n"', "metrics[1].name"),
        ("  selector: {job: shop-api}", '  selector: {"job\\n": shop-api}', "service.selector"),
        ("    for: 2m\n", '    for: "2m\\n"\n', "alerts[0].for"),
    ]:
        problems = _problems(tmp_path, _replace(old, new))
        assert any(f": {where}" in p for p in problems), (where, problems)


def test_description_ending_in_an_open_action(tmp_path):
    text = _replace("of job {{ $labels.job }}.", "of job {{ $labels.job }}. {{")
    line = _line_of(text, "}}. {{")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].description: unsupported alert template: "
                              "an unclosed template action ('{{' without '}}')"), problem


@pytest.mark.parametrize("value, message", [
    ("99999999999999999999y", "duration '99999999999999999999y' is out of range (Prometheus allows up to 292y)"),
    ("293y", "duration '293y' is out of range (Prometheus allows up to 292y)"),
    ("5m1h", "'5m1h' is not a Prometheus duration"),
    ("1m1m", "'1m1m' is not a Prometheus duration"),
])
def test_durations_prometheus_refuses(tmp_path, value, message):
    text = _replace("    for: 2m\n", f"    for: {value}\n")
    line = _line_of(text, f"for: {value}")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].for: {message}"), problem


def test_the_longest_duration_prometheus_takes_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(_replace("    for: 2m\n", "    for: 292y\n"))
    assert load_catalog(path).alerts[0].text.for_ == "292y"


def test_alerting_timings_out_of_range(tmp_path):
    text = _replace("  repeat_interval: 4h\n", "  repeat_interval: 300y\n")
    text = _replace("      repeat_interval: 1h\n", "      repeat_interval: 9999999999999999d\n", text)
    assert _problems(tmp_path, text) == [
        f"c.yaml:{_line_of(text, '300y')}: alerting.repeat_interval: duration '300y' is out of range "
        "(Prometheus allows up to 292y)",
        f"c.yaml:{_line_of(text, '9999999999999999d')}: alerting.routes[0].repeat_interval: duration "
        "'9999999999999999d' is out of range (Prometheus allows up to 292y)"]


# -- found by the catalog fuzzer ---------------------------------------------------------------------

def test_a_scalar_its_explicit_tag_cannot_read(tmp_path):
    text = _replace("    help: Time spent serving one request.", "    help: !!int x")
    line = _line_of(text, "!!int x")
    assert _problems(tmp_path, text) == [f"c.yaml:{line}: 'x' cannot be read as int (invalid literal for int() "
                                         "with base 10: 'x')"]


def test_an_integer_too_large_for_a_float(tmp_path):
    text = _replace("    threshold: 0.01\n", f"    threshold: {'1' * 400}\n")
    line = _line_of(text, "1" * 400)
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[1].threshold: '111"), problem
    assert problem.endswith("…' is out of range (at most 2^63-1 in magnitude)"), problem


@pytest.mark.parametrize("old, new, where", [
    ("  scrape_interval: 15s\n", "  scrape_interval: 15s\n  rate_window: 0s\n", "service.rate_window"),
    ("  scrape_interval: 15s\n", "  scrape_interval: 0ms\n", "service.scrape_interval"),
])
def test_a_zero_window(tmp_path, old, new, where):
    """A 0s window built into a rule was a parse-error traceback while rendering."""
    text = _replace(old, new)
    line = _line_of(text, "0s\n" if "rate_window" in new else "0ms")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: {where}: must be longer than 0s"), problem


def test_a_zero_objective_window(tmp_path):
    checkout = CATALOG_CHECKOUT.read_text()
    text = _replace("    window: 30m\n", "    window: 0s\n", checkout)
    line = _line_of(text, "window: 0s")
    (problem,) = _problems(tmp_path, text)
    assert problem == f"c.yaml:{line}: objectives[1].window: must be longer than 0s, not '0s'"


@pytest.mark.parametrize("value", ["4.9e-324", "0.0000001", "1", "1.5"])
def test_an_error_ratio_threshold_outside_what_a_ratio_can_be(tmp_path, value):
    """4.9e-324 made the rule-test planner divide into infinity (a traceback)."""
    text = _replace("    threshold: 0.01\n", f"    threshold: {value}\n")
    line = _line_of(text, f"threshold: {value}")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[1].threshold: an error ratio threshold must be at least "
                              "1e-06 and below 1, not "), problem


def test_the_smallest_error_ratio_threshold_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(_replace("    threshold: 0.01\n", "    threshold: 0.000001\n"))
    assert load_catalog(path).objectives[1].threshold == 1e-06


def test_validate_does_not_echo_megabytes_either(tmp_path):
    huge = "x" * 1_000_000
    _project(tmp_path, _replace("    buckets: [0.05, 0.1,", f"    buckets: [0.05, {huge},"))
    result = run_obsgen("validate", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    output = result.stdout + result.stderr
    assert "characters cut" in output and "is not of type 'number'" in output
    assert len(output) < 10_000, len(output)


@pytest.mark.parametrize("depth, message", [
    (100, "nested more than 64 levels deep"),
    (5000, "invalid YAML: exceeded maximum nesting depth"),
])
def test_deeply_nested_yaml(tmp_path, depth, message):
    text = _replace("  team: backend\n", "  team: backend\n  deep: " + "[" * depth + "]" * depth + "\n")
    line = _line_of(text, "  deep: ")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: {message}"), problem


@pytest.mark.parametrize("value", ["4.9e-324", "0.0000001", "0.0009"])
def test_a_quantile_too_small_to_name(tmp_path, value):
    """4.9e-324 became the recording rule name `...:p4.9e-322_rate5m`, a rendering traceback."""
    text = _replace("    quantile: 0.95\n", f"    quantile: {value}\n")
    line = _line_of(text, f"quantile: {value}")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[0].quantile: a quantile must be at least 0.001 (p0.1)"), problem


def test_a_flood_of_problems_is_cut_short(tmp_path):
    flood = "".join(f"  junk{i}: 1\n" for i in range(5000))
    text = _replace("  team: backend\n", "  team: backend\n" + flood)
    problems = _problems(tmp_path, text)
    assert len(problems) == 101
    assert all("unknown field 'junk" in p for p in problems[:100])
    line, message = re.fullmatch(r"c\.yaml:(\d+): (.*)", problems[-1]).groups()
    assert message == "... and 4,900 more problem(s) not shown"
    assert text.splitlines()[int(line) - 1].startswith("  junk")


def test_an_alert_test_series_that_does_not_parse(tmp_path):
    """Found by the fuzzer: the rule-test planner parsed it, and its parse error was a traceback."""
    text = _replace("    test: {series: 'up{$selector, ", "    test: {series: 'u🙂p{$selector, ")
    line = _line_of(text, "u🙂p")
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].test.series: invalid PromQL: "), problem


def test_a_file_larger_than_any_catalog(tmp_path):
    path = tmp_path / "c.yaml"
    with path.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(CatalogError) as err:
        load_catalog(path, base=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "c.yaml: cannot read catalog: it is 17,825,792 bytes, more than the 16,777,216 a catalog may be"]


@pytest.mark.parametrize("old, new, where", [
    ("  team: backend\n", "  team: '{{status}}'\n", "service.team"),
    ("  runbook_base_url: https://runbooks.example.com/shop\n",
     "  runbook_base_url: https://runbooks.example.com/{{ .x }}\n", "service.runbook_base_url"),
    ("    severity: critical\n    summary: Shop target", "    severity: '{{'\n    summary: Shop target",
     "alerts[0].severity"),
])
def test_fields_every_alert_carries_are_templates_too(tmp_path, old, new, where):
    """Found by the fuzzer: `team: '{{status}}'` became every alert's team label, and rendering it
    for the generated tests was a traceback."""
    text = _replace(old, new)
    line = _line_of(text, new.strip().splitlines()[0])
    problems = _problems(tmp_path, text)
    assert any(p.startswith(f"c.yaml:{line}: {where}: unsupported alert template") for p in problems), problems
