"""Label-matcher regexes have Prometheus' semantics (RE2, anchored) everywhere obsgen checks or
evaluates them: the parser, cross-checks, steady-state evaluation, test series and catalog patterns."""
from __future__ import annotations

import pytest

from generator.build.steady_state import _matches
from generator.build.test_series import sample_values
from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.model import Label
from generator.promql import parse
from generator.promql.regex import RegexError, check, is_valid, matches
from tests.support.catalog_builder import CatalogBuilder, counter, label


@pytest.mark.parametrize("pattern,value,expected", [
    ("5..", "503", True), ("5..", "5030", False),  # anchored at both ends
    ("a|b", "ab", False), ("a|b", "b", True),
    ("(?i)get", "GET", True), ("ab(?i)c", "abC", True), ("ab(?i)c", "ABc", False),
    ("\\pL+", "Grüße", True), ("\\pL+", "a1", False),
    ("a$", "a\n", False),  # $ is the end of the text, not before a final newline as in Python re
    (".*", "", True), ("x+", "", False),
])
def test_matching_is_re2_fully_anchored(pattern, value, expected):
    assert matches(pattern, value) is expected


@pytest.mark.parametrize("pattern", ["(?=a)", "(?!a)", "(?<=a)", "(a)\\1", "x{1001}", "a++", "\\C", "(?<n>a)", "a)|(b",
                                     "(", "[z-a]"])
def test_patterns_prometheus_refuses(pattern):
    assert not is_valid(pattern) and not matches(pattern, "a")
    with pytest.raises(RegexError, match="error parsing regexp"):
        check(pattern)


def test_literal_text_is_not_syntax():
    assert is_valid("[(?<]") and matches("[(?<]+", "(?<")
    assert is_valid("\\Q(?<n>\\E") and matches("\\Q(?<n>\\E", "(?<n>")


def test_catalog_label_patterns_use_re2():
    label = Label("status", pattern="\\pN{3}")
    assert label.allows("503") and not label.allows("50")
    assert sample_values(label) == ["200", "500"]


def test_a_catalog_pattern_that_is_not_re2_is_a_located_error(tmp_path):
    def catalog(pattern: str):
        return CatalogBuilder("shop").metric(counter("shop_http_requests_total", [
            label("path", "/a"), label("method", "GET"), label("status", pattern=pattern)])).write(tmp_path)

    assert load_catalog(catalog("[1-5][0-9][0-9]")).metrics[1].labels[2].pattern == "[1-5][0-9][0-9]"
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog("(?=[1-5])[0-9]{3}"))
    assert "metrics[1].labels[2].pattern" in str(info.value) and "invalid regular expression (RE2" in str(info.value)


def test_steady_state_evaluation_matches_like_prometheus():
    selector = parse('x{method=~"(?i)get|post", code!~"5.."}')
    assert _matches(selector, {"method": "GET", "code": "200"})
    assert not _matches(selector, {"method": "GET", "code": "503"})
    assert not _matches(selector, {"method": "GETX", "code": "200"})
