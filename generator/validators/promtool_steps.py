"""Validation steps that run promtool, each in one batched call.

"promtool-check": `promtool check rules` over every rule file on disk, plus one temporary rule file
holding every dashboard query, panel targets and annotation queries alike (Grafana variables
replaced by durations Prometheus accepts), so a dashboard query that Prometheus would reject is
reported against its dashboard and panel (or annotation), with the catalog line that defines it.

"promtool-test": `promtool test rules` over every test file in tests/rules/ (generated and
hand-written), plus an `untested-rule` finding for each alert or recording rule the generator could
not test and no hand-written test covers (`hand_tests`), unless the item silences it. With
`--catalog`, both steps take only the catalogs named: their generated rule and test files and the
hand-written tests that load their rule files (stray rule files belong to no catalog). Each
file is split by dependency first (`rule_test_split`: each test loads only the rules it depends on,
so the time grows linearly with the catalog), and the split files run in one promtool process per
batch, a batch per core when there are enough tests (TESTS_PER_BATCH). A batch that exceeds the
time limit is reported as a finding; the others keep their verdicts.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator import promtool
from generator.derive import derive
from generator.renderers import rule_tests
from generator.renderers.rules import group_path
from generator.validators import hand_tests
from generator.validators.findings import ERROR, Finding
from generator.validators.silences import Reporter
from generator.validators.rule_test_split import SplitFile, Unsplittable, split_test_file

RULE_FOLDERS = ("alerts", "recording_rules")
UNTESTED = "untested-rule"
SILENCEABLE = (UNTESTED,)  # the rules of these steps that a catalog item may silence
TESTS_PER_BATCH = 16  # below this many tests per core, one promtool process is cheaper than two
# Grafana's built-in variables -> what Prometheus sees at a 15 s scrape interval and a 1 h range.
GRAFANA_VARIABLES = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__interval_ms": "60000",
                     "__range_s": "3600", "__range_ms": "3600000"}
_VARIABLE_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]")


def substitute_grafana_variables(expr: str) -> str:
    """Built-in variables become durations; any other dashboard variable becomes `.*`-free text "x"
    inside a string and `5m` inside a range."""
    def repl(match: re.Match) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        return GRAFANA_VARIABLES.get(name, "5m" if _in_range(match) else "x")
    return _VARIABLE_RE.sub(repl, expr)


def _in_range(match: re.Match) -> bool:
    before = match.string[:match.start()]
    return before.rfind("[") > before.rfind("]")


def rule_files(ctx) -> list[Path]:
    """Every rule file on disk: the generated ones that exist and any other file in the rule folders;
    with --catalog, only the generated files of the catalogs named."""
    found = {ctx.root / group_path(g) for a in ctx.per_catalog for g in a.groups}
    for folder in RULE_FOLDERS if not getattr(ctx, "scoped", False) else ():
        if (ctx.root / folder).is_dir():
            found |= {p for p in (ctx.root / folder).iterdir() if p.suffix in (".yaml", ".yml")}
    return sorted(p for p in found if p.exists())


def _dashboard_documents(ctx):
    """(catalog artifacts, dashboard file, dashboard JSON as on disk, or as rendered when absent)."""
    for artifacts in ctx.per_catalog:
        for rel, rendered in sorted(artifacts.dashboards.items()):
            path = ctx.root / rel
            if path.exists() and not path.is_file():
                continue  # reported by the fresh step; a FIFO is never read
            try:
                yield artifacts, rel, json.loads(path.read_text(encoding="utf-8")) if path.exists() else rendered
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # reported by the fresh and dashboard-schema steps


@dataclass(frozen=True)
class QuerySource:
    """Where a dashboard query of the temporary rule file comes from."""
    dashboard: str  # the dashboard file, e.g. dashboards/checkout-overview.json
    panel: str  # "<panel title> (target <refId>)", or "annotation <name>"
    catalog: str  # the catalog file that defines the panel
    catalog_line: int | None
    doc_path: str  # e.g. dashboards[1].rows[0].panels[0].targets[0].expr


def _catalog_targets(artifacts) -> dict[tuple[str, str, int], tuple[str, int | None]]:
    """(dashboard file, panel title, target index) -> (catalog doc path, catalog line), from the derived
    dashboards."""
    out = {}
    for derived in derive(artifacts.catalog).dashboards:
        for query in derived.queries:
            out.setdefault((derived.artifact, query.panel.title, query.target),
                           (query.doc_path, artifacts.catalog.line_of(query.doc_path)))
    return out


def _catalog_annotations(artifacts) -> dict[tuple[str, str], tuple[str, int | None]]:
    """(dashboard file, annotation name) -> (catalog doc path, catalog line); names are unique in a
    dashboard (the catalog refuses a duplicate)."""
    out = {}
    for derived in derive(artifacts.catalog).dashboards:
        for n, annotation in enumerate(derived.dashboard.features.annotations):
            doc_path = f"{derived.doc_path}.annotations[{n}].expr"
            out[(derived.artifact, annotation.name)] = (doc_path, artifacts.catalog.line_of(doc_path))
    return out


def _annotation_queries(dashboard) -> list[dict]:
    """The dashboard's annotations that hold a PromQL `expr` (Grafana's built-in one holds none)."""
    annotations = dashboard.get("annotations") if isinstance(dashboard, dict) else None
    return [a for a in _dicts(annotations.get("list") if isinstance(annotations, dict) else None)
            if a.get("builtIn") not in (1, True) and isinstance(a.get("expr"), str) and a["expr"]]


def _dicts(value) -> list[dict]:
    """The objects of a JSON list; anything else is the dashboard-schema step's to report."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _panels(dashboard) -> list[dict]:
    """Every panel, those inside (collapsed) rows included."""
    panels = _dicts(dashboard.get("panels")) if isinstance(dashboard, dict) else []
    return panels + [p for row in panels if row.get("type") == "row" for p in _dicts(row.get("panels"))]


def dashboard_query_file(ctx, folder: Path) -> tuple[Path | None, dict[str, QuerySource]]:
    """A rule file with one recording rule per dashboard query, named `dashboard_query_<n>` with n
    counted across every dashboard (promtool refuses a record name twice in one file, whatever the
    group); record name -> where the query comes from."""
    groups, where, in_catalog, in_annotations = [], {}, {}, {}
    for artifacts, rel, dashboard in _dashboard_documents(ctx):
        targets = in_catalog.setdefault(id(artifacts), _catalog_targets(artifacts))
        annotated = in_annotations.setdefault(id(artifacts), _catalog_annotations(artifacts))
        rules = []
        for panel in _panels(dashboard):
            for t, target in enumerate(_dicts(panel.get("targets"))):
                if not target.get("expr") or not isinstance(target["expr"], str):
                    continue
                record = f"dashboard_query_{len(where) + 1}"  # unique in the file: promtool lints duplicates across groups
                rules.append({"record": record, "expr": substitute_grafana_variables(target["expr"])})
                title = panel.get("title", "?")
                doc_path, line = targets.get((rel, title, t), ("", None))
                where[record] = QuerySource(rel, f"{title} (target {target.get('refId', t)})",
                                            artifacts.catalog.path.as_posix(), line, doc_path)
        for annotation in _annotation_queries(dashboard):
            record = f"dashboard_query_{len(where) + 1}"
            rules.append({"record": record, "expr": substitute_grafana_variables(annotation["expr"])})
            name = str(annotation.get("name", "?"))
            doc_path, line = annotated.get((rel, name), ("", None))
            where[record] = QuerySource(rel, f"annotation {name}", artifacts.catalog.path.as_posix(), line, doc_path)
        if rules:
            groups.append({"name": rel, "rules": rules})
    if not groups:
        return None, where
    path = folder / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=10_000), encoding="utf-8")
    return path, where


def _dashboard_query_finding(finding: Finding, where: dict[str, QuerySource]) -> Finding:
    source = where.get(finding.item)
    if source is None:  # a problem of the query file as a whole: name the dashboards it came from
        files = ", ".join(sorted({s.dashboard for s in where.values()}))
        return Finding(finding.check, "dashboard-query-invalid", f"Prometheus rejects the dashboard queries of "
                       f"{files}: {finding.message}", finding.group or "dashboards", None, ERROR)
    defined = f"{source.catalog}:{source.catalog_line}" if source.catalog_line else source.catalog
    detail = f" (defined at {defined}: {source.doc_path})" if source.doc_path else ""
    return Finding(finding.check, "dashboard-query-invalid", f"Prometheus rejects the query: {finding.message}{detail}",
                   source.dashboard, None, ERROR, "", source.panel)


def check_promtool_rules(ctx) -> list[Finding]:
    tool = promtool.find_promtool(ctx.root)
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-", dir=ctx.workdir) as tmp:
        queries, where = dashboard_query_file(ctx, Path(tmp))
        files = [str(p.resolve()) for p in rule_files(ctx)]
        findings = promtool.check_rules(files + ([str(queries)] if queries else []), tool, check="promtool-check")
        return [_dashboard_query_finding(f, where) if queries and f.file == str(queries) else _relative(ctx.root, f)
                for f in findings]


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _batches(whole: list[str], split: list[SplitFile], workers: int) -> list[list[str]]:
    """Split files spread over up to `workers` batches, largest first onto the lightest batch;
    files that run whole each add their weight too."""
    jobs = [(Path(f).stat().st_size, f) for f in whole] + [(s.path.stat().st_size, str(s.path)) for s in split]
    tests = sum(s.tests for s in split) + 8 * len(whole)
    count = max(1, min(workers, tests // TESTS_PER_BATCH, len(jobs)))
    weights, batches = [0] * count, [[] for _ in range(count)]
    for size, name in sorted(jobs, key=lambda j: (-j[0], j[1])):
        lightest = weights.index(min(weights))
        weights[lightest] += size
        batches[lightest].append(name)
    return [sorted(files) for files in batches]


def test_files(ctx) -> list[Path]:
    """The test files `promtool-test` runs: every file in tests/rules/; with --catalog, the generated
    test files of the catalogs named and the hand-written ones that load their rule files."""
    folder = ctx.root / rule_tests.FOLDER
    files = sorted(p.resolve() for p in folder.glob("*.y*ml")) if folder.is_dir() else []
    if not getattr(ctx, "scoped", False):
        return files
    own = {(ctx.root / rule_tests.test_file_path(c)).resolve() for c in ctx.catalogs}
    rule_sets = [hand_tests.catalog_rule_files(ctx.root, a.groups) for a in ctx.per_catalog]
    mine = {t.path for t in hand_tests.hand_written(folder) if any(t.loads_any(s) for s in rule_sets)}
    return [p for p in files if p in own or p in mine]


def check_promtool_tests(ctx) -> list[Finding]:
    files = test_files(ctx)
    tool = promtool.find_promtool(ctx.root) if files else None
    whole, split, origins = [], [], {}
    with tempfile.TemporaryDirectory(prefix="obsgen-rule-tests-", dir=ctx.workdir) as tmp:
        for n, path in enumerate(files):
            try:
                parts = split_test_file(path, Path(tmp), f"{n}-{path.stem}")
            except Unsplittable:
                whole.append(str(path))
                continue
            split += parts
            origins.update({str(p.path): str(path) for p in parts})
        timeout = getattr(ctx, "promtool_timeout", None)
        findings = [_relative(ctx.root, f) for f in promtool.test_batches(
            _batches(whole, split, cores()), tool, "promtool-test", timeout, origins, workers=cores())]
    return findings + untested_findings(ctx)


def untested_findings(ctx) -> list[Finding]:
    """An `untested-rule` finding for each item the generated tests leave out and no hand-written
    test covers, unless the item silences `untested-rule`."""
    hand = hand_tests.hand_written(ctx.root / rule_tests.FOLDER)
    out = []
    for artifacts in ctx.per_catalog:
        catalog, files = artifacts.catalog, hand_tests.catalog_rule_files(ctx.root, artifacts.groups)
        report = Reporter("promtool-test", catalog)
        for doc_path, name, reason in rule_tests.plan_for(catalog).untested:
            exprs = tuple(r.expr for g in artifacts.groups for r in g.rules if r.record and r.record == name)
            if hand_tests.covered(name, hand, files, exprs) is None:
                report.add(UNTESTED, f"no generated unit test: {reason}; a hand-written test in "
                           f"{rule_tests.FOLDER}/ that loads the catalog's rule files and tests it covers it", doc_path, item=name)
        out += report.findings
    return out


def _relative(root: Path, finding: Finding) -> Finding:
    """Findings name files relative to the project root, as every other step does."""
    path = Path(finding.file)
    if path.is_absolute() and path.is_relative_to(root.resolve()):
        return Finding(**{**finding.__dict__, "file": path.relative_to(root.resolve()).as_posix()})
    return finding
