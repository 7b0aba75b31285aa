"""Lint of the generated rules and dashboards, in the spirit of mixtool and pint.

Each rule is documented in docs/lint-rules.md and can be silenced on its catalog item with
`silence: [{rule: <id>, reason: <why>}]` (alerts, recording rules, objectives' alerts, dashboards,
panels, metrics).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from generator.build.rules import Rule
from generator.model import Catalog, format_duration, parse_duration
from generator.promql import Call, MatrixSelector, ParseError, Subquery, walk
from generator.promql.functions import TARGET, WINDOWED_FUNCTIONS
from generator.validators import dashboard_variables, migration, override_fields, unitless_variables
from generator.validators.context import CatalogArtifacts, ValidationContext
from generator.validators.findings import WARNING, Finding
from generator.validators.queries import Query, all_queries, dashboard_panels, parsed
from generator.validators.silences import Reporter

CHECK = "lint"
RULES = ("alert-name-camelcase", "alert-severity", "alert-summary", "alert-description-templated",
         "alert-runbook-url", "alert-for", "recording-rule-name", "rate-window", "dashboard-query-parses",
         "dashboard-rate-interval", "panel-unit", "panel-description", "dashboard-uid-unique",
         "dashboard-uid-stable", "silence-unknown-rule", dashboard_variables.RULE, override_fields.RULE)

CAMEL_CASE = re.compile(r"[A-Z][a-zA-Z0-9]*[a-z][a-zA-Z0-9]*")
RECORD_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+")
DASHBOARD_UID = re.compile(r"[a-zA-Z0-9_-]{1,40}")
URL = re.compile(r"https?://[^\s/]+\S*")
RATE_INTERVAL = "$__rate_interval"
MIN_SCRAPES_PER_WINDOW = 4


def lint(ctx: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    for artifacts in ctx.per_catalog:
        report = Reporter(CHECK, artifacts.catalog)
        for group in artifacts.groups:
            for rule in group.rules:
                lint_rule(report, artifacts.catalog.service.severities, rule, group.name)
        for query in all_queries(artifacts):
            lint_query(report, artifacts.catalog.service.scrape_interval, query, ctx.target)
        _panels(report, artifacts)
        dashboard_variables.check_undefined_variables(report, artifacts.catalog)
        override_fields.check_override_fields(report, artifacts.catalog)
        _dashboards(report, ctx.root, artifacts)
        _silences(report, artifacts.catalog)
        findings += report.findings
        if migration.applies(ctx.target):
            report = Reporter(migration.CHECK, artifacts.catalog)
            migration.check_migration(report, all_queries(artifacts), ctx.target)
            findings += report.findings
    findings += _unique_uids(ctx)
    return findings


def _rule_path(rule: Rule, field: str) -> str:
    return f"{rule.source}.{field}"


def lint_rule(report: Reporter, severities: tuple[str, ...], rule: Rule, group: str,
              severities_from: str = "service.severities") -> None:
    """The rule checks of one alert or recording rule (`report` is a catalog or a file reporter)."""
    if rule.alert:
        _alert(report, severities, rule, group, severities_from)
    elif not RECORD_NAME.fullmatch(rule.record):
        report.add("recording-rule-name", f"recording rule {rule.record!r} is not named "
                                          f"level:metric:operations", _rule_path(rule, "record"),
                   item=rule.record, group=group)


def _alert(report: Reporter, severities: tuple[str, ...], rule: Rule, group: str, severities_from: str) -> None:
    def add(lint_rule: str, message: str, field: str) -> None:
        report.add(lint_rule, message, _rule_path(rule, field), item=rule.alert, group=group)

    labels, annotations = dict(rule.labels), dict(rule.annotations)
    if not CAMEL_CASE.fullmatch(rule.alert):
        add("alert-name-camelcase", f"alert name {rule.alert!r} is not CamelCase (e.g. ServiceHighErrorRate)", "name")
    severity = labels.get("severity", "")
    if severity not in severities:
        add("alert-severity", f"severity {severity!r} is not one of {', '.join(severities)} "
                              f"({severities_from})", "severity")
    if not annotations.get("summary", "").strip():
        add("alert-summary", "the alert has no summary annotation", "summary")
    description = annotations.get("description", "").strip()
    if not description:
        add("alert-description-templated", "the alert has no description annotation", "description")
    elif "{{" not in description:
        add("alert-description-templated", "the description uses no template ({{ $value }}, {{ $labels.x }}): "
                                           "it cannot say what fired where", "description")
    runbook = annotations.get("runbook_url", "").strip()
    if not runbook:
        add("alert-runbook-url", "missing runbook_url annotation: set runbook_url or service.runbook_base_url",
            "runbook_url")
    elif not URL.fullmatch(runbook):
        add("alert-runbook-url", f"runbook_url {runbook!r} is not an http(s) URL", "runbook_url")
    if not rule.for_ or _seconds(rule.for_) <= 0:
        add("alert-for", "the alert has no `for`: one bad scrape would page; give it a duration", "for")


def _seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        return 0.0


def lint_query(report: Reporter, scrape_interval: str, query: Query, target: str = TARGET) -> None:
    """The expression checks of one rule expression or panel query, for a Prometheus version."""
    tree = parsed(query.expr, query.grafana, target)

    def add(lint_rule: str, message: str) -> None:
        report.add(lint_rule, f"{message} (in {query.artifact})", query.doc_path, item=query.item, group=query.group)

    if isinstance(tree, ParseError):
        if query.kind == "panel":
            add("dashboard-query-parses", f"the query does not parse: {tree} in `{query.expr}`")
        return
    if query.kind == "panel":
        for duration, what, name in unitless_variables.unitless_durations(tree):
            add(unitless_variables.RULE, unitless_variables.message(query.expr, duration, what, name))
    scrape = parse_duration(scrape_interval)
    for node in walk(tree):
        if not (isinstance(node, Call) and node.func in WINDOWED_FUNCTIONS and node.args):
            continue
        window = node.args[0].range if isinstance(node.args[0], (MatrixSelector, Subquery)) else None
        if window is None:
            continue
        if query.kind == "panel" and window.text != RATE_INTERVAL:
            add("dashboard-rate-interval", f"{node.func}() over [{window.text}]: dashboard queries use "
                                           f"[{RATE_INTERVAL}] so that the window follows the zoom and the scrape "
                                           f"interval")
        if window.seconds is not None and window.seconds < MIN_SCRAPES_PER_WINDOW * scrape:
            add("rate-window", f"{node.func}() over [{window.text}] covers fewer than {MIN_SCRAPES_PER_WINDOW} "
                               f"scrapes of {scrape_interval}; use at least "
                               f"{format_duration(MIN_SCRAPES_PER_WINDOW * scrape)}")


def _panels(report: Reporter, artifacts: CatalogArtifacts) -> None:
    for doc_path, dashboard, panel, panel_json, artifact in dashboard_panels(artifacts):
        lint_panel(report, doc_path, panel_json.get("title", panel.title), panel_json, artifact, dashboard.uid)


def lint_panel(report: Reporter, doc_path: str, title: str, panel_json: dict, artifact: str, uid: str) -> None:
    config = panel_json.get("fieldConfig")
    defaults = config.get("defaults") if isinstance(config, dict) else None
    unit = defaults.get("unit", "") if isinstance(defaults, dict) else ""
    if not unit and panel_json.get("type") != "text":  # markdown has no unit
        report.add("panel-unit", f"panel {title!r} has no unit (in {artifact})", f"{doc_path}.unit",
                   item=title, group=uid)
    if not str(panel_json.get("description") or "").strip():
        report.add("panel-description", f"panel {title!r} has no description (in {artifact})",
                   f"{doc_path}.description", item=title, group=uid)


def _dashboards(report: Reporter, root: Path, artifacts: CatalogArtifacts) -> None:
    for i, dashboard in enumerate(artifacts.catalog.dashboards):
        artifact = f"dashboards/{dashboard.uid}.json"
        at = f"dashboards[{i}].uid"
        data = artifacts.dashboards.get(artifact)
        if not DASHBOARD_UID.fullmatch(dashboard.uid):
            report.add("dashboard-uid-stable", f"uid {dashboard.uid!r} is not a valid Grafana uid "
                                               f"(1-40 of a-z A-Z 0-9 _ -)", at, item=dashboard.title)
        elif data is not None and data.get("uid") != dashboard.uid:
            report.add("dashboard-uid-stable", f"{artifact} has uid {data.get('uid')!r}, the catalog says "
                                               f"{dashboard.uid!r}", at, item=dashboard.title)
        committed = _committed_uid(root / artifact)
        if committed is not None and committed != dashboard.uid:
            report.add("dashboard-uid-stable", f"the committed {artifact} has uid {committed!r}; a uid must not "
                                               f"change (links, bookmarks and provisioning use it)", at,
                       item=dashboard.title)


def _silenced_items(catalog: Catalog):
    """(doc path, silences) of every catalog item that can carry silences."""
    for i, metric in enumerate(catalog.metrics):
        yield f"metrics[{i}]", metric.silences
    for i, objective in enumerate(catalog.objectives):
        if objective.alert is not None:
            yield f"objectives[{i}].alert", objective.alert.silences
    for i, alert in enumerate(catalog.alerts):
        yield f"alerts[{i}]", alert.text.silences
    for i, recording in enumerate(catalog.recording_rules):
        yield f"recording_rules[{i}]", recording.silences
    for i, dashboard in enumerate(catalog.dashboards):
        yield f"dashboards[{i}]", dashboard.silences
        for r, row in enumerate(dashboard.rows):
            for p, panel in enumerate(row.panels):
                yield f"dashboards[{i}].rows[{r}].panels[{p}]", panel.silences


def _silences(report: Reporter, catalog: Catalog) -> None:
    from generator.validators.crosscheck import RULES as CROSSCHECK_RULES
    from generator.validators.promtool_steps import SILENCEABLE as PROMTOOL_RULES
    known = set(CROSSCHECK_RULES) | set(RULES) | set(migration.RULES) | set(PROMTOOL_RULES)
    for at, silences in _silenced_items(catalog):
        for k, silence in enumerate(silences):
            if silence.rule not in known:
                report.add("silence-unknown-rule", f"silence of {silence.rule!r} has no effect: no cross-check or "
                                                   f"lint rule has that id (see docs/lint-rules.md)",
                           f"{at}.silence[{k}].rule", severity=WARNING)


def _committed_uid(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("uid")
    except (OSError, ValueError, AttributeError):
        return None


def _unique_uids(ctx: ValidationContext) -> list[Finding]:
    seen: dict[str, str] = {}
    findings = []
    for artifacts in ctx.per_catalog:
        catalog = artifacts.catalog
        report = Reporter(CHECK, catalog)
        for i, dashboard in enumerate(catalog.dashboards):
            where = f"{catalog.path.as_posix()}:{catalog.line_of(f'dashboards[{i}].uid')}"
            if dashboard.uid in seen:
                report.add("dashboard-uid-unique", f"dashboard uid {dashboard.uid!r} is also used at "
                                                   f"{seen[dashboard.uid]}", f"dashboards[{i}].uid",
                           item=dashboard.title)
            else:
                seen[dashboard.uid] = where
        findings += report.findings
    return findings
