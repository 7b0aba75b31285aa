"""Hostile and broken catalog values: each is a located error (exit 3), never a traceback or
output that Prometheus refuses; the YAML-level cases are in test_catalog_hardening.py."""
from __future__ import annotations

import re

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.inprocess import run_obsgen
from tests.support.paths import CHECKOUT as CATALOG_CHECKOUT
from tests.support.hardening_catalog import catalog_problems, line_of, project, replace


# -- values -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN", "+.Inf"])
def test_non_finite_threshold(tmp_path, value):
    text = replace("    threshold: 0.01\n", f"    threshold: {value}\n")
    line = line_of(text, f"threshold: {value}")
    assert catalog_problems(tmp_path, text) == [f"c.yaml:{line}: objectives[1].threshold: '{value}' is not a finite number"]


def test_deeply_nested_expression(tmp_path):
    deep = "(" * 2000 + "up" + ")" * 2000
    text = replace("    expr: up{$selector} == 0\n", f"    expr: '{deep}'\n")
    line = line_of(text, deep)
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].expr: invalid PromQL: "), problem
    assert len(problem) < 700


def test_define_in_an_annotation(tmp_path):
    text = replace("    description: Prometheus cannot scrape",
                    "    annotations: {note: '{{ define \"x\" }}y{{ end }}'}\n    description: Prometheus cannot scrape")
    line = line_of(text, "define")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].annotations.note: unsupported alert template: "
                              "template term 'define \"x\"'"), problem


def test_define_in_an_objective_alert(tmp_path):
    """Objective alerts are always tested, so an unpredictable template was a traceback there."""
    text = replace("      summary: Shop API is slow",
                    "      summary: '{{ define \"x\" }}y{{ end }}'")
    line = line_of(text, "define")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[0].alert.summary: unsupported alert template"), problem


# -- output Prometheus would refuse ----------------------------------------------------------------------

def test_label_name_prometheus_refuses(tmp_path):
    text = replace("    summary: Shop target is down",
                    "    labels: {0lab: x}\n    summary: Shop target is down")
    line = line_of(text, "0lab")
    assert catalog_problems(tmp_path, text) == [
        f"c.yaml:{line}: alerts[0].labels.0lab: '0lab' is not a Prometheus label name "
        "(letters, digits and _, not starting with a digit)"]


@pytest.mark.parametrize("section", ["annotations", "labels"])
def test_annotation_and_recording_label_names(tmp_path, section):
    if section == "annotations":
        text = replace("    summary: Shop target is down",
                        "    annotations: {bad-name: x}\n    summary: Shop target is down")
        where = "alerts[0].annotations.bad-name"
    else:
        text = replace("    expr: sum by (job, state)", "    labels: {'a b': x}\n    expr: sum by (job, state)")
        where = "recording_rules[0].labels.a b"
    (problem,) = catalog_problems(tmp_path, text)
    assert f": {where}: " in problem and "is not a Prometheus label name" in problem, problem


def test_record_name_with_a_trailing_newline(tmp_path):
    text = replace("  - record: job_state:shop_orders:rate5m", '  - record: "job_state:shop_orders:rate5m\\n"')
    line = line_of(text, '"job_state')
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: recording_rules[0].record: "), problem


def test_no_name_pattern_accepts_a_trailing_newline(tmp_path):
    """Every `$`-anchored schema pattern is checked to the very end of the text."""
    for old, new, where in [
        ("  - name: ShopTargetDown", '  - name: "ShopTargetDown\\n"', "alerts[0].name"),
        ("  - name: shop_orders_total", '  - name: "shop_orders_total\\n"', "metrics[1].name"),
        ("  selector: {job: shop-api}", '  selector: {"job\\n": shop-api}', "service.selector"),
        ("    for: 2m\n", '    for: "2m\\n"\n', "alerts[0].for"),
    ]:
        problems = catalog_problems(tmp_path, replace(old, new))
        assert any(f": {where}" in p for p in problems), (where, problems)


def test_description_ending_in_an_open_action(tmp_path):
    text = replace("of job {{ $labels.job }}.", "of job {{ $labels.job }}. {{")
    line = line_of(text, "}}. {{")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].description: unsupported alert template: "
                              "an unclosed template action ('{{' without '}}')"), problem


@pytest.mark.parametrize("value, message", [
    ("99999999999999999999y", "duration '99999999999999999999y' is out of range (Prometheus allows up to 292y)"),
    ("293y", "duration '293y' is out of range (Prometheus allows up to 292y)"),
    ("5m1h", "'5m1h' is not a Prometheus duration"),
    ("1m1m", "'1m1m' is not a Prometheus duration"),
])
def test_durations_prometheus_refuses(tmp_path, value, message):
    text = replace("    for: 2m\n", f"    for: {value}\n")
    line = line_of(text, f"for: {value}")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: alerts[0].for: {message}"), problem


def test_the_longest_duration_prometheus_takes_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(replace("    for: 2m\n", "    for: 292y\n"))
    assert load_catalog(path).alerts[0].text.for_ == "292y"


def test_alerting_timings_out_of_range(tmp_path):
    text = replace("  repeat_interval: 4h\n", "  repeat_interval: 300y\n")
    text = replace("      repeat_interval: 1h\n", "      repeat_interval: 9999999999999999d\n", text)
    assert catalog_problems(tmp_path, text) == [
        f"c.yaml:{line_of(text, '300y')}: alerting.repeat_interval: duration '300y' is out of range "
        "(Prometheus allows up to 292y)",
        f"c.yaml:{line_of(text, '9999999999999999d')}: alerting.routes[0].repeat_interval: duration "
        "'9999999999999999d' is out of range (Prometheus allows up to 292y)"]


# -- found by the catalog fuzzer ---------------------------------------------------------------------

def test_a_scalar_its_explicit_tag_cannot_read(tmp_path):
    text = replace("    help: Time spent serving one request.", "    help: !!int x")
    line = line_of(text, "!!int x")
    assert catalog_problems(tmp_path, text) == [f"c.yaml:{line}: 'x' cannot be read as int (invalid literal for int() "
                                         "with base 10: 'x')"]


def test_an_integer_too_large_for_a_float(tmp_path):
    text = replace("    threshold: 0.01\n", f"    threshold: {'1' * 400}\n")
    line = line_of(text, "1" * 400)
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[1].threshold: '111"), problem
    assert problem.endswith("…' is out of range (at most 2^63-1 in magnitude)"), problem


@pytest.mark.parametrize("old, new, where", [
    ("  scrape_interval: 15s\n", "  scrape_interval: 15s\n  rate_window: 0s\n", "service.rate_window"),
    ("  scrape_interval: 15s\n", "  scrape_interval: 0ms\n", "service.scrape_interval"),
])
def test_a_zero_window(tmp_path, old, new, where):
    """A 0s window built into a rule was a parse-error traceback while rendering."""
    text = replace(old, new)
    line = line_of(text, "0s\n" if "rate_window" in new else "0ms")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: {where}: must be longer than 0s"), problem


def test_a_zero_objective_window(tmp_path):
    checkout = CATALOG_CHECKOUT.read_text()
    text = replace("    window: 30m\n", "    window: 0s\n", checkout)
    line = line_of(text, "window: 0s")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem == f"c.yaml:{line}: objectives[1].window: must be longer than 0s, not '0s'"


@pytest.mark.parametrize("value", ["4.9e-324", "0.0000001", "1", "1.5"])
def test_an_error_ratio_threshold_outside_what_a_ratio_can_be(tmp_path, value):
    """4.9e-324 made the rule-test planner divide into infinity (a traceback)."""
    text = replace("    threshold: 0.01\n", f"    threshold: {value}\n")
    line = line_of(text, f"threshold: {value}")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[1].threshold: an error ratio threshold must be at least "
                              "1e-06 and below 1, not "), problem


def test_the_smallest_error_ratio_threshold_is_fine(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(replace("    threshold: 0.01\n", "    threshold: 0.000001\n"))
    assert load_catalog(path).objectives[1].threshold == 1e-06


def test_validate_does_not_echo_megabytes_either(tmp_path):
    huge = "x" * 1_000_000
    project(tmp_path, replace("    buckets: [0.05, 0.1,", f"    buckets: [0.05, {huge},"))
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
    text = replace("  team: backend\n", "  team: backend\n  deep: " + "[" * depth + "]" * depth + "\n")
    line = line_of(text, "  deep: ")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: {message}"), problem


@pytest.mark.parametrize("value", ["4.9e-324", "0.0000001", "0.0009"])
def test_a_quantile_too_small_to_name(tmp_path, value):
    """4.9e-324 became the recording rule name `...:p4.9e-322_rate5m`, a rendering traceback."""
    text = replace("    quantile: 0.95\n", f"    quantile: {value}\n")
    line = line_of(text, f"quantile: {value}")
    (problem,) = catalog_problems(tmp_path, text)
    assert problem.startswith(f"c.yaml:{line}: objectives[0].quantile: a quantile must be at least 0.001 (p0.1)"), problem


def test_a_flood_of_problems_is_cut_short(tmp_path):
    flood = "".join(f"  junk{i}: 1\n" for i in range(5000))
    text = replace("  team: backend\n", "  team: backend\n" + flood)
    problems = catalog_problems(tmp_path, text)
    assert len(problems) == 101
    assert all("unknown field 'junk" in p for p in problems[:100])
    line, message = re.fullmatch(r"c\.yaml:(\d+): (.*)", problems[-1]).groups()
    assert message == "... and 4,900 more problem(s) not shown"
    assert text.splitlines()[int(line) - 1].startswith("  junk")


def test_an_alert_test_series_that_does_not_parse(tmp_path):
    """Found by the fuzzer: the rule-test planner parsed it, and its parse error was a traceback."""
    text = replace("    test: {series: 'up{$selector, ", "    test: {series: 'u🙂p{$selector, ")
    line = line_of(text, "u🙂p")
    (problem,) = catalog_problems(tmp_path, text)
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
    text = replace(old, new)
    line = line_of(text, new.strip().splitlines()[0])
    problems = catalog_problems(tmp_path, text)
    assert any(p.startswith(f"c.yaml:{line}: {where}: unsupported alert template") for p in problems), problems
