"""The parser gives promtool 2.42's verdict on our own corpus of expressions (tests/fixtures/promql/),
checked live in one promtool run, apart from the documented differences (docs/reliability.md)."""
from __future__ import annotations

import re

import pytest

from generator.promql import ParseError, parse
from generator.promql.lexer import VARIABLE, tokenize
from generator.promql.promtool_check import promtool_verdicts, yaml_quoted
from tests.support.paths import REPO
from tests.test_promql_hardening import _mutations

FIXTURES = REPO / "tests" / "fixtures" / "promql"


def _lines(name: str) -> list[str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip() and not line.startswith("##")]


CORPUS = _lines("expressions.txt")
GRAFANA = _lines("grafana.txt")
# The documented differences: Prometheus has no nesting bound, obsgen refuses past MAX_NESTING/MAX_DEPTH.
KNOWN_DIFFERENCES = {
    "(" * 2000 + "up" + ")" * 2000: "nesting",
    "-" * 150 + "up": "nesting",
    "abs(" * 120 + "up" + ")" * 120: "nesting",
    "up" + " + up" * 250: "depth",
}


def _ours(expr: str, grafana: bool = False) -> str | None:
    try:
        parse(expr, grafana=grafana)
    except ParseError as exc:
        return exc.message
    return None


def _substituted(expr: str) -> str:
    """A dashboard query with each variable replaced by what Grafana would put there."""
    tokens, out, last = tokenize(expr), [], 0
    for index, token in enumerate(tokens):
        if token.kind != VARIABLE:
            continue
        before = [t for t in tokens[:index] if not t.is_op("-")]
        duration = before and (before[-1].is_op("[", ":") or before[-1].is_word("offset"))
        out += [expr[last:token.pos], "5m" if duration else "1"]
        last = token.pos + len(token.text)
    return "".join(out) + expr[last:]


MUTATIONS = sorted({e for e in _mutations(2000, seed=42) if e.strip() and yaml_quoted(e) is not None})


@pytest.fixture(scope="module")
def verdicts():
    """promtool's verdict on the corpus, the substituted dashboard queries, the known differences and
    seeded mutations of the corpus, from a single promtool run."""
    exprs = CORPUS + [_substituted(e) for e in GRAFANA] + list(KNOWN_DIFFERENCES) + MUTATIONS
    return dict(zip(exprs, promtool_verdicts(exprs)))


def test_the_corpus_covers_every_category():
    headers = re.findall(r"^## (.+)$", (FIXTURES / "expressions.txt").read_text(encoding="utf-8"), re.M)
    for category in ("numbers", "strings", "selectors", "regular expressions", "ranges", "offset and @",
                     "keywords as names", "aggregations", "Prometheus 3.x", "functions of 2.42", "binary operators",
                     "nesting", "real-world"):
        assert any(h.startswith(category) for h in headers), category
    assert len(CORPUS) >= 300
    assert len(set(CORPUS)) == len(CORPUS), "duplicate corpus lines"
    assert all(yaml_quoted(e) is not None for e in CORPUS)


@pytest.mark.promtool
def test_parser_and_promtool_agree_on_the_corpus(verdicts):
    disagreements = []
    for expr in CORPUS:
        ours, theirs = _ours(expr), verdicts[expr]
        assert theirs is not False
        if (ours is None) != (theirs is None):
            disagreements.append(f"{expr!r}: ours: {ours or 'valid'}; promtool: {theirs or 'valid'}")
    assert disagreements == []
    valid = sum(verdicts[e] is None for e in CORPUS)
    assert 150 <= valid <= len(CORPUS) - 150, "the corpus should hold plenty of both verdicts"


@pytest.mark.promtool
def test_parser_and_promtool_agree_on_seeded_mutations_of_the_corpus(verdicts):
    disagreements = [f"{e!r}: ours: {_ours(e) or 'valid'}; promtool: {verdicts[e] or 'valid'}"
                     for e in MUTATIONS if (_ours(e) is None) != (verdicts[e] is None)]
    assert disagreements == []
    assert len(MUTATIONS) > 1900 and sum(verdicts[e] is None for e in MUTATIONS) > 200


@pytest.mark.promtool
def test_the_documented_differences_are_exactly_the_nesting_bound(verdicts):
    for expr, kind in KNOWN_DIFFERENCES.items():
        assert verdicts[expr] is None, f"promtool accepts {expr[:40]!r}..."
        message = _ours(expr)
        assert message is not None and "nested too deeply" in message, kind


@pytest.mark.promtool
@pytest.mark.parametrize("expr", GRAFANA)
def test_dashboard_queries_parse_with_variables_and_promtool_accepts_their_values(expr, verdicts):
    assert _ours(expr, grafana=True) is None
    assert "only dashboard queries may use Grafana variables" in _ours(expr)
    substituted = _substituted(expr)
    assert "$" not in substituted
    assert verdicts[substituted] is None, substituted
    assert _ours(substituted) is None
