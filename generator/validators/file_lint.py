"""`obsgen lint`: the lint and cross-checks on rule files and dashboards read from disk, with or
without a catalog.

Rules become `Rule`s located at their path in the file, panel queries `Query`s; the checks are
the ones `validate` runs on generated artifacts (lint.py, crosscheck.py), reported through a
FileReporter that turns a document path into the line of the rule or field in the source file
and applies the config file's silences. Without a catalog the cross-checks that need to know the
series (unknown-metric, unknown-label, rate-on-gauge, ...) do not run; with one they do, and the
catalog items' silences apply as in `validate`.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

from generator.build.rules import Rule, RuleGroup
from generator.lint_config import FileSilence
from generator.model import Catalog, Service
from generator.promql.functions import TARGET
from generator.validators import crosscheck, lint, migration, unitless_variables
from generator.validators.findings import ERROR, WARNING, Finding
from generator.validators.queries import Query
from generator.validators.rule_files import LintFile, join
from generator.validators.run import Result, StepResult
from generator.validators.series import Series, catalog_series

DEFAULT_SEVERITIES = Service.__dataclass_fields__["severities"].default
DEFAULT_SCRAPE = Service.__dataclass_fields__["scrape_interval"].default
CHUNK = 1000  # queries checked together, well below the size of the shared parse cache


@dataclass(frozen=True)
class LintOptions:
    target: str = TARGET
    scrape_interval: str = DEFAULT_SCRAPE
    silences: tuple[FileSilence, ...] = ()
    catalogs: tuple[Catalog, ...] = ()
    config_file: str = ""


class FileReporter:
    """The Reporter of one check for one file: same `add` as the catalog's, lines from the file."""

    def __init__(self, check: str, file: LintFile, silences: tuple[FileSilence, ...]):
        self.check, self.file, self.silences = check, file, silences
        self.findings: list[Finding] = []

    def add(self, rule: str, message: str, doc_path: str, *, item: str = "", group: str = "",
            severity: str = ERROR, also_silenced_by=()) -> None:
        if any(s.rule == rule for s in also_silenced_by) or any(s.covers(rule, self.file.path) for s in self.silences):
            return
        self.findings.append(Finding(self.check, rule, message, self.file.path, self.file.line_of(doc_path),
                                     severity, group, item))


def _text(value) -> str:
    return "" if value is None else str(value)


def file_rules(file: LintFile) -> tuple[list[RuleGroup], list[Query]]:
    groups, queries = [], []
    for group in file.groups:
        alerts, records = [], []
        for index, data in zip(group.indices, group.rules):
            at = join(group.at, f"rules[{index}]")
            rule = Rule(expr=_text(data.get("expr")), record=_text(data.get("record")), alert=_text(data.get("alert")),
                        for_=_text(data.get("for")),
                        labels=tuple((str(k), _text(v)) for k, v in (data.get("labels") or {}).items()),
                        annotations=tuple((str(k), _text(v)) for k, v in (data.get("annotations") or {}).items()),
                        source=at)
            (alerts if "alert" in data else records).append(rule)
            queries.append(Query(None, rule.expr, "rule", f"{at}.expr", rule.name, group.name,
                                 f"group {group.name!r}", rule))
        groups += [RuleGroup(group.name, "alerts", tuple(alerts)), RuleGroup(group.name, "recording", tuple(records))]
    return groups, queries


def dashboard_panels(data: dict, at: str):
    """(doc path, panel JSON) of every panel with queries: top level, inside rows, legacy rows."""
    def visit(panels, base):
        for i, panel in enumerate(panels if isinstance(panels, list) else []):
            if not isinstance(panel, dict):
                continue
            here = join(base, f"[{i}]")
            if panel.get("targets"):
                yield here, panel
            yield from visit(panel.get("panels"), f"{here}.panels")
    yield from visit(data.get("panels"), join(at, "panels"))
    for r, row in enumerate(data.get("rows") if isinstance(data.get("rows"), list) else []):
        if isinstance(row, dict):
            yield from visit(row.get("panels"), join(at, f"rows[{r}].panels"))


def _prometheus(target: dict, panel: dict) -> bool:
    source = target.get("datasource") or panel.get("datasource")
    kind = source.get("type") if isinstance(source, dict) else None
    return "expr" in target and isinstance(target["expr"], str) and kind in (None, "prometheus")


def lint_files(files: list[LintFile], options: LintOptions) -> Result:
    started = time.perf_counter()
    table: dict[str, Series] | None = None
    severities, scrape, severities_from = DEFAULT_SEVERITIES, options.scrape_interval, "the default severities"
    if options.catalogs:
        table = {}
        for catalog in options.catalogs:
            table.update(catalog_series(catalog))
        first = options.catalogs[0].service
        severities, scrape, severities_from = first.severities, first.scrape_interval, "the catalog's service.severities"
    steps = {name: StepResult(name, [], 0.0) for name in (crosscheck.CHECK, lint.CHECK, migration.CHECK)}
    run_migration = migration.applies(options.target)
    uids: dict[str, str] = {}
    for file in files:
        reports = {name: FileReporter(name, file, options.silences) for name in steps}
        groups, rule_queries = file_rules(file)
        panel_queries = []
        for dashboard in file.dashboards:
            panel_queries += _dashboard(reports[lint.CHECK], file, dashboard, uids, options.target)
        queries = rule_queries + panel_queries
        rule_set = {id(q) for q in rule_queries}
        group_of = {id(r): g.name for g in groups for r in g.rules}
        file_table = None if table is None else dict(table)
        timed = _Stopwatch()
        for start in range(0, max(len(queries), 1), CHUNK):
            chunk = queries[start:start + CHUNK]  # each expression is parsed once: the parse cache holds a chunk
            with timed(crosscheck.CHECK):
                crosscheck.check_queries(reports[crosscheck.CHECK], groups if start == 0 else [],
                                         [q for q in chunk if id(q) in rule_set], chunk, file_table, options.target)
            with timed(lint.CHECK):
                for rule in (r for g in groups for r in g.rules) if start == 0 else ():
                    lint.lint_rule(reports[lint.CHECK], severities, rule, group_of[id(rule)], severities_from)
                for query in chunk:
                    lint.lint_query(reports[lint.CHECK], scrape, query, options.target)
            if run_migration:
                with timed(migration.CHECK):
                    migration.check_migration(reports[migration.CHECK], chunk, options.target)
        for name, report in reports.items():
            steps[name].findings += report.findings
            steps[name].seconds += timed.seconds.get(name, 0.0)
    steps[lint.CHECK].findings += _config_silences(options)
    steps[migration.CHECK].skipped = not run_migration
    return Result(list(steps.values()), time.perf_counter() - started)


class _Stopwatch:
    """Seconds spent per step, summed over the chunks."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def _dashboard(report: FileReporter, file: LintFile, dashboard, uids: dict[str, str], target: str) -> list[Query]:
    data, at = dashboard.data, dashboard.at
    uid = _text(data.get("uid"))
    title = _text(data.get("title")) or uid or file.path
    label = f"dashboard {uid or title!r}"
    if uid:
        where = f"{file.path}:{file.line_of(join(at, 'uid'))}"
        if not lint.DASHBOARD_UID.fullmatch(uid):
            report.add("dashboard-uid-stable", f"uid {uid!r} is not a valid Grafana uid (1-40 of a-z A-Z 0-9 _ -)",
                       join(at, "uid"), item=title)
        elif uid in uids:
            report.add("dashboard-uid-unique", f"dashboard uid {uid!r} is also used at {uids[uid]}", join(at, "uid"),
                       item=title)
        else:
            uids[uid] = where
    queries = []
    for panel_at, panel in dashboard_panels(data, at):
        panel_title = _text(panel.get("title"))
        targets = [(t, target) for t, target in enumerate(panel["targets"])
                   if isinstance(target, dict) and _prometheus(target, panel)]
        if not targets:
            continue
        lint.lint_panel(report, panel_at, panel_title, panel, label, uid or title)
        queries += [Query(None, target["expr"], "panel", f"{panel_at}.targets[{t}].expr", panel_title, uid or title,
                          label) for t, target in targets]
    annotations = data.get("annotations") if isinstance(data.get("annotations"), dict) else {}
    for n, annotation in enumerate(annotations.get("list") if isinstance(annotations.get("list"), list) else []):
        if isinstance(annotation, dict) and annotation.get("builtIn") not in (1, True) and _prometheus(annotation, {}):
            name = f"annotation {_text(annotation.get('name')) or n}"
            queries.append(Query(None, annotation["expr"], "panel", join(at, f"annotations.list[{n}].expr"), name,
                                 uid or title, label))
    templating = data.get("templating") if isinstance(data.get("templating"), dict) else {}
    for v, variable in enumerate(templating.get("list") if isinstance(templating.get("list"), list) else []):
        unitless_variables.check_variable(report, variable, join(at, f"templating.list[{v}]"), uid or title,
                                          label, target)
    return queries


def _config_silences(options: LintOptions) -> list[Finding]:
    known = set(crosscheck.RULES) | set(lint.RULES) | set(migration.RULES)
    return [Finding(lint.CHECK, "silence-unknown-rule", f"silence of {s.rule!r} has no effect: no cross-check or "
                                                         f"lint rule has that id (see docs/lint-rules.md)",
                    options.config_file, s.line, WARNING) for s in options.silences if s.rule not in known]
