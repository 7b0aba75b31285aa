"""Bad catalogs get a clear error naming file, line and document path, and nothing is written."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from tests.support.cli import obsgen
from tests.support.paths import AMPEL

GOOD = AMPEL.read_text()


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _mutate(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


CASES = {
    "yaml syntax": (_mutate("  team: backend\n", "  team: [backend\n"), None, "invalid YAML"),
    "bucket of wrong type": (_mutate("buckets: [0.05, 0.1,", "buckets: [0.05, fast,"),
                             "metrics[0].buckets[1]", "'fast' is not of type 'number'"),
    "unknown field": (_mutate("    unit: seconds\n", "    unit: seconds\n    bukets: [1]\n"),
                      "metrics[0].bukets", "unknown field 'bukets' (allowed: buckets, created_series,"),
    "buckets not increasing": (_mutate("buckets: [0.05, 0.1, 0.2,", "buckets: [0.05, 0.2, 0.1,"),
                               "metrics[0].buckets", "buckets must be strictly increasing"),
    "unknown metric in objective": (_mutate("    metric: ampel_dashboard_summary_duration_seconds\n    quantile",
                                            "    metric: ampel_dashboard_summary_duration\n    quantile"),
                                    "objectives[0].metric", "unknown metric 'ampel_dashboard_summary_duration'"),
    "unknown tier": (_mutate("threshold: {tier: large}", "threshold: {tier: huge}"),
                     "objectives[0].threshold.tier", "unknown tier 'huge'"),
    "counter without _total": (_mutate("- name: ampel_dashboard_breakdown_total", "- name: ampel_dashboard_breakdown"),
                               "metrics[1].name", "must end in _total"),
    "matcher value not allowed": (_mutate("matchers: {path: /api/dashboard/summary}", "matchers: {path: /api/summary}"),
                                  "objectives[1].total.matchers.path", "value '/api/summary' is not allowed"),
    "excluded label unknown": (_mutate("exclude: {error_type: [auth]}", "exclude: {kind: [auth]}"),
                               "objectives[1].errors.exclude.kind", "ampel_dashboard_errors_total has no label 'kind'"),
    "excluded value not allowed": (_mutate("exclude: {error_type: [auth]}", "exclude: {error_type: [auth, timeout]}"),
                                   "objectives[1].errors.exclude.error_type[1]", "value 'timeout' is not allowed"),
    "everything excluded": (_mutate("exclude: {error_type: [auth]}", "exclude: {error_type: [other, auth, database, calculation]}"),
                            "objectives[1].errors.exclude.error_type", "excludes every allowed value"),
    "label matched and excluded": (_mutate("matchers: {path: /api/dashboard/summary}",
                                           "matchers: {path: /api/dashboard/summary}, exclude: {path: [/metrics]}"),
                                   "objectives[1].total.exclude.path", "'path' is both matched and excluded"),
    "duplicate alert": (_mutate("  - name: DashboardSummaryMetricsAbsent", "  - name: DashboardSummaryTargetDown"),
                        "alerts[1].name", "duplicate alert name 'DashboardSummaryTargetDown'"),
    "threshold off bucket boundary": (_mutate("threshold: {tier: large}", "threshold: 0.45"),
                                      "objectives[0].threshold", "not a bucket boundary"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_located_error_and_nothing_written(case, tmp_path):
    text, doc_path, message = CASES[case]
    (tmp_path / "catalog").mkdir()
    catalog = tmp_path / "catalog" / "ampel.yaml"
    catalog.write_text(text)
    result = obsgen("generate", cwd=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "nothing was written" in result.stderr
    assert message in result.stderr, result.stderr
    match = re.search(r"catalog/ampel\.yaml:(\d+): ?(\S*)", result.stderr)
    assert match, result.stderr
    if doc_path:
        assert f"catalog/ampel.yaml:{match.group(1)}: {doc_path}: " in result.stderr
        key = doc_path.split(".")[-1].split("[")[0]
        assert key in text.splitlines()[int(match.group(1)) - 1] or doc_path.endswith("]"), result.stderr
    else:
        assert _line_of(text, "team: [backend") <= int(match.group(1)) <= _line_of(text, "team: [backend") + 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["catalog", "catalog/ampel.yaml"]


def test_line_points_at_the_offending_entry(tmp_path):
    text = CASES["bucket of wrong type"][0]
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    (problem,) = err.value.problems
    assert problem.location.line == _line_of(text, "buckets: [0.05, fast")
    assert problem.location.path == "metrics[0].buckets[1]"


def test_all_problems_are_reported_at_once(tmp_path):
    text = CASES["unknown tier"][0].replace("- name: ampel_dashboard_breakdown_total", "- name: ampel_dashboard_breakdown")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    paths = {p.location.path for p in err.value.problems}
    assert {"metrics[1].name", "objectives[0].threshold.tier"} <= paths


def test_missing_catalog_file(tmp_path):
    result = obsgen("generate", "--catalog", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert result.returncode == 3
    assert "nope.yaml: cannot read catalog" in result.stderr


def test_an_invalid_catalog_leaves_existing_artifacts_untouched(tmp_path):
    (tmp_path / "catalog").mkdir()
    shutil.copy(AMPEL, tmp_path / "catalog" / "ampel.yaml")
    assert obsgen("generate", cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "catalog"}
    (tmp_path / "catalog" / "ampel.yaml").write_text(CASES["unknown tier"][0])
    assert obsgen("generate", cwd=tmp_path).returncode == 3
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "catalog"}
    assert after == before
