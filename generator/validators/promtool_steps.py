"""Validation steps that run promtool, each in one batched call.

"promtool-check": `promtool check rules` over every rule file on disk, plus one temporary rule file
holding every dashboard query (Grafana variables replaced by durations Prometheus accepts), so a
dashboard query that Prometheus would reject is reported against its dashboard and panel.

"promtool-test": `promtool test rules` over every test file in tests/rules/ (generated and
hand-written), plus a finding for each alert or recording rule the generator could not test. Each
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
from pathlib import Path

import yaml

from generator import promtool
from generator.renderers import rule_tests
from generator.renderers.rules import group_path
from generator.validators.findings import ERROR, Finding
from generator.validators.rule_test_split import SplitFile, Unsplittable, split_test_file

RULE_FOLDERS = ("alerts", "recording_rules")
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
    """Every rule file on disk: the generated ones that exist and any other file in the rule folders."""
    found = {ctx.root / group_path(g) for a in ctx.per_catalog for g in a.groups}
    for folder in RULE_FOLDERS:
        if (ctx.root / folder).is_dir():
            found |= {p for p in (ctx.root / folder).iterdir() if p.suffix in (".yaml", ".yml")}
    return sorted(p for p in found if p.exists())


def _dashboard_documents(ctx):
    for artifacts in ctx.per_catalog:
        for rel, rendered in sorted(artifacts.dashboards.items()):
            path = ctx.root / rel
            try:
                yield rel, json.loads(path.read_text(encoding="utf-8")) if path.exists() else rendered
            except json.JSONDecodeError:
                continue  # reported by the dashboard-schema step


def dashboard_query_file(ctx, folder: Path) -> tuple[Path | None, dict[tuple[str, str], tuple[str, str]]]:
    """A rule file with one recording rule per dashboard query; (group, record) -> (dashboard file, panel)."""
    groups, where = [], {}
    for rel, dashboard in _dashboard_documents(ctx):
        rules, panels = [], list(dashboard.get("panels", []))
        for panel in list(panels):
            panels += panel.get("panels", []) if panel.get("type") == "row" else []
        for panel in panels:
            for t, target in enumerate(panel.get("targets", [])):
                if not target.get("expr"):
                    continue
                record = f"dashboard_query_{len(where) + 1}"  # unique in the file: promtool lints duplicates across groups
                rules.append({"record": record, "expr": substitute_grafana_variables(target["expr"])})
                where[(rel, record)] = (rel, f"{panel.get('title', '?')} (target {target.get('refId', t)})")
        if rules:
            groups.append({"name": rel, "rules": rules})
    if not groups:
        return None, where
    path = folder / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=10_000), encoding="utf-8")
    return path, where


def check_promtool_rules(ctx) -> list[Finding]:
    tool = promtool.find_promtool(ctx.root)
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-", dir=ctx.workdir) as tmp:
        queries, where = dashboard_query_file(ctx, Path(tmp))
        files = [str(p.resolve()) for p in rule_files(ctx)]
        findings = promtool.check_rules(files + ([str(queries)] if queries else []), tool, check="promtool-check")
        out = []
        for f in findings:
            if queries and f.file == str(queries):
                rel, panel = where.get((f.group, f.item), (f.group, f.item))
                out.append(Finding(f.check, "dashboard-query-invalid", f"Prometheus rejects the query: {f.message}",
                                   rel, None, ERROR, "", panel))
            else:
                out.append(_relative(ctx.root, f))
        return out


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
    batches: list[tuple[int, list[str]]] = [(0, []) for _ in range(count)]
    for size, name in sorted(jobs, key=lambda j: (-j[0], j[1])):
        weight, files = min(batches, key=lambda b: b[0])
        batches[batches.index((weight, files))] = (weight + size, files + [name])
    return [sorted(files) for _, files in batches]


def check_promtool_tests(ctx) -> list[Finding]:
    folder = ctx.root / rule_tests.FOLDER
    files = sorted(p.resolve() for p in folder.glob("*.y*ml")) if folder.is_dir() else []
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
    for artifacts in ctx.per_catalog:
        catalog = artifacts.catalog
        for doc_path, name, reason in rule_tests.plan_for(catalog).untested:
            findings.append(Finding("promtool-test", "untested-rule", f"no generated unit test: {reason}",
                                    catalog.path.as_posix(), catalog.line_of(doc_path), ERROR, "", name))
    return findings


def _relative(root: Path, finding: Finding) -> Finding:
    """Findings name files relative to the project root, as every other step does."""
    path = Path(finding.file)
    if path.is_absolute() and path.is_relative_to(root.resolve()):
        return Finding(**{**finding.__dict__, "file": path.relative_to(root.resolve()).as_posix()})
    return finding
