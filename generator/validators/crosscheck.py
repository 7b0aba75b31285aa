"""Cross-checks between the catalog and the generated artifacts, offline (no Prometheus needed).

For every expression of the rules and dashboards (a query variable's `label_values` read as one too):
- invalid-promql: a rule expression does not parse (dashboard queries: lint's dashboard-query-parses);
- unknown-metric: it selects a series the catalog does not define;
- unknown-label: a matcher or by()/without()/on()/ignoring()/group_*() names a label the series lack;
- label-value-not-allowed: a matcher compares a label with a value the catalog does not allow (also a
  selecting custom variable's values, `variable_values`);
- rate-on-gauge: rate/irate/increase/resets over something that is not a counter or a bucket;
- histogram-quantile-le / histogram-quantile-bucket / histogram-quantile-phi: histogram_quantile over
  anything but `_bucket` series aggregated by (le), or with a quantile outside [0, 1].
- legend-label-unknown (warning): a `{{label}}` of a legend or annotation template, or an annotation
  tag label, that the query's result does not carry (`template_labels`).
For every catalog metric:
- high-cardinality-label: a label that is a log field, an identifier or a raw path, or is unbounded.
"""
from __future__ import annotations

import re

from generator.model import Catalog, Label
from generator.promql import (
    Aggregation, Call, NumberLiteral, ParseError, VectorSelector, selectors, strip_parens,
    to_text, walk,
)
from generator.promql.functions import COUNTER_FUNCTIONS, TARGET
from generator.promql.regex import matches as regex_matches
from generator.validators.context import CatalogArtifacts, ValidationContext
from generator.validators.findings import WARNING, Finding
from generator.validators.label_flow import LabelFlow
from generator.validators.queries import Query, all_queries, parsed, rule_queries, variable_queries
from generator.validators.series import COUNTER_KINDS, Series, catalog_series, close_names
from generator.validators.load_thresholds import check_load_thresholds
from generator.validators.silences import Reporter
from generator.validators import template_labels
from generator.validators.template_labels import check_template_labels
from generator.validators.variable_values import check_variable_values

CHECK = "crosscheck"
RULES = ("invalid-promql", "unknown-metric", "unknown-label", "label-value-not-allowed", "rate-on-gauge",
         "histogram-quantile-le", "histogram-quantile-bucket", "histogram-quantile-phi", "high-cardinality-label",
         template_labels.RULE)

# Label names that identify a user, a request or a raw location: never metric labels.
HIGH_CARDINALITY_NAMES = re.compile(
    r"(user|customer|account|session|request|trace|span|correlation|order|tenant)_?(id|uuid)|uuid|guid|email|"
    r"(client_|remote_|source_)?ip|(remote|client)_addr(ess)?|url|uri|raw_?path|query|query_string|token|username")
# Label names that usually hold paths or free text and are only safe with an enumerated value list.
NEEDS_VALUES = re.compile(r"path|route|endpoint|handler|message|reason|error")


def crosscheck(ctx: ValidationContext) -> list[Finding]:
    findings: list[Finding] = []
    for artifacts in ctx.per_catalog:
        findings += check_catalog(artifacts, ctx.target)
        findings += check_load_thresholds(artifacts.catalog)
    return findings


def check_catalog(artifacts: CatalogArtifacts, target: str = TARGET) -> list[Finding]:
    catalog = artifacts.catalog
    report = Reporter(CHECK, catalog)
    table = catalog_series(catalog)
    check_queries(report, artifacts.groups, rule_queries(artifacts), all_queries(artifacts) + variable_queries(artifacts),
                  table, target)
    check_template_labels(report, artifacts, table, target)  # the table now holds the recorded series too
    check_variable_values(report, artifacts, table, target)
    _check_cardinality(report, catalog)
    return report.findings


def check_queries(report: Reporter, groups, rules: list[Query], queries: list[Query],
                  table: dict[str, Series] | None, target: str = TARGET) -> None:
    """The expression checks of `queries` (`rules` among them are checked to parse). With `table`
    None (no catalog), only the checks that need no knowledge of the series run."""
    if table is not None:
        _register_recordings(groups, table, target)
    for query in rules:
        tree = parsed(query.expr, query.grafana, target)
        if isinstance(tree, ParseError):
            report.add("invalid-promql", f"invalid PromQL in {query.artifact}: {tree} in `{query.expr}`",
                       query.doc_path, item=query.item, group=query.group)
    for query in queries:
        tree = parsed(query.expr, query.grafana, target)
        if isinstance(tree, ParseError):
            continue
        check = _ExpressionCheck(report, query, table or {})
        if table is None:
            check.phi_only(tree)
        else:
            check.run(tree)


def _register_recordings(groups, table: dict[str, Series], target: str = TARGET) -> None:
    """Recording rule outputs become series too, with the labels their expressions leave."""
    pending = [r for g in groups if g.kind == "recording" for r in g.rules]
    for _ in range(len(pending) + 1):  # a rule may read another one defined later
        progress = False
        for rule in list(pending):
            tree = parsed(rule.expr, False, target)
            if isinstance(tree, ParseError):
                pending.remove(rule)
                continue
            uses = list(selectors(tree))
            waiting_for = {r.record for r in pending if r is not rule}
            if any(u.selector.metric_name in waiting_for for u in uses):
                continue
            labels = LabelFlow(table).labels(tree)
            if labels is not None:
                labels = {**labels, **{k: Label(k, (v,)) for k, v in rule.labels}}
            from_buckets = labels is not None and "le" in labels and any(
                _series_kind(table, u.selector) in ("bucket", "from_buckets") for u in uses)
            table[rule.record] = Series(rule.record, "recorded", labels, origin="recording", from_buckets=from_buckets)
            pending.remove(rule)
            progress = True
        if not pending or not progress:
            break


def _series_kind(table: dict[str, Series], selector: VectorSelector) -> str:
    series = table.get(selector.metric_name)
    if series is None:
        return ""
    return "from_buckets" if series.from_buckets else series.kind


class _ExpressionCheck:
    def __init__(self, report: Reporter, query: Query, table: dict[str, Series]):
        self.report, self.query, self.table = report, query, table

    def add(self, rule: str, message: str, metric_silences=()) -> None:
        self.report.add(rule, f"{message} (in {self.query.artifact})", self.query.doc_path, item=self.query.item,
                        group=self.query.group, also_silenced_by=metric_silences)

    def run(self, tree) -> None:
        for use in selectors(tree):
            self.selector(use)
        flow = LabelFlow(self.table)
        flow.labels(tree)
        for problem in flow.problems:
            have = ", ".join(problem.available) or "none"
            self.add("unknown-label", f"{problem.clause} ({problem.label}): no series below carries label "
                                      f"{problem.label!r} (labels there: {have})")
        for node in walk(tree):
            if isinstance(node, Call) and node.func == "histogram_quantile":
                self.histogram_quantile(node, flow)

    def selector(self, use) -> None:
        selector = use.selector
        name = selector.metric_name
        if not name:
            return
        series = self.table.get(name)
        if series is None:
            hints = close_names(name, self.table)
            hint = f"; did you mean {' or '.join(repr(h) for h in hints)}?" if hints else ""
            self.add("unknown-metric", f"unknown metric {name!r}: the catalog defines no such series{hint}")
            return
        silences = series.metric.silences if series.metric else ()
        for matcher in selector.label_matchers:
            self.matcher(series, matcher, silences)
        function = use.function
        if function is not None and function.func in COUNTER_FUNCTIONS and series.kind not in COUNTER_KINDS:
            what = "a recording rule output, already a rate or ratio" if series.origin == "recording" else (
                f"a {series.kind}" if series.kind != "builtin" else "a gauge")
            if series.origin == "prometheus":
                what = "a gauge written by Prometheus"
            self.add("rate-on-gauge", f"{function.func}() over {name!r}, {what}: {function.func} only applies to "
                                      f"counters and histogram _bucket/_sum/_count series", silences)

    def matcher(self, series: Series, matcher, silences) -> None:
        if series.labels is None:
            return
        if matcher.name not in series.labels:
            have = ", ".join(sorted(series.labels)) or "none"
            self.add("unknown-label", f"{series.describe()} has no label {matcher.name!r} (it has: {have})", silences)
            return
        label = series.labels[matcher.name]
        if label is None or "$" in matcher.value or not (label.values or label.pattern):
            return
        if matcher.op in ("=", "!="):
            if matcher.value and not label.allows(matcher.value):
                self.add("label-value-not-allowed", f"{matcher.name}{matcher.op}{matcher.value!r} on {series.name!r}: "
                                                    f"value not allowed by the catalog ({_allowed(label)})", silences)
        elif label.values and not any(regex_matches(matcher.value, v) for v in label.values):
            self.add("label-value-not-allowed", f"{matcher.name}{matcher.op}{matcher.value!r} on {series.name!r}: "
                                                f"the regex matches no allowed value ({_allowed(label)})", silences)

    def phi_only(self, tree) -> None:
        for node in walk(tree):
            if isinstance(node, Call) and node.func == "histogram_quantile":
                self.phi(node)

    def phi(self, node: Call) -> None:
        phi = strip_parens(node.args[0])
        if isinstance(phi, NumberLiteral) and not 0 <= phi.value <= 1:
            self.add("histogram-quantile-phi", f"histogram_quantile({phi.text}, ...): the quantile must lie in [0, 1]")

    def histogram_quantile(self, node: Call, flow: LabelFlow) -> None:
        arg = node.args[1]
        self.phi(node)
        labels = flow.labels(arg)
        uses = list(selectors(arg))
        kinds = {u.selector.metric_name: _series_kind(self.table, u.selector) for u in uses}
        not_buckets = [n for n, k in kinds.items() if k and k not in ("bucket", "from_buckets")]
        if not_buckets:
            self.add("histogram-quantile-bucket", f"histogram_quantile over {', '.join(map(repr, not_buckets))}: "
                                                  f"it needs histogram _bucket series (or a recording of them by le)")
            return
        if labels is not None and "le" not in labels:
            dropper = next((n for n in walk(arg) if isinstance(n, Aggregation) and not n.keeps("le")), None)
            where = f"`{to_text(dropper)}` drops it" if dropper else "the expression drops it"
            self.add("histogram-quantile-le", f"histogram_quantile without le: {where}; aggregate with by (le, ...)")
            return
        for use in uses:
            if kinds.get(use.selector.metric_name) == "bucket" and not any(
                    isinstance(n, Aggregation) for n in use.path):
                self.add("histogram-quantile-le", f"histogram_quantile over {use.selector.metric_name!r} without an "
                                                  f"aggregation by (le): write sum by (le) (rate(...))")


def _allowed(label: Label) -> str:
    if label.values:
        return "allowed: " + ", ".join(label.values)
    return f"must match {label.pattern!r}"


def _check_cardinality(report: Reporter, catalog: Catalog) -> None:
    log_only = set(catalog.log_only_fields)
    for i, metric in enumerate(catalog.metrics):
        for j, label in enumerate(metric.labels):
            at = f"metrics[{i}].labels[{j}].name"
            subject = f"label {label.name!r} of {metric.name!r}"
            if label.name in log_only:
                report.add("high-cardinality-label", f"{subject} is one of the catalog's log_only_fields: unbounded "
                                                     f"values belong in logs, never in metric labels", at, item=metric.name)
            elif HIGH_CARDINALITY_NAMES.fullmatch(label.name):
                report.add("high-cardinality-label", f"{subject} identifies users, requests or raw locations: "
                                                     f"one series per value would explode", at, item=metric.name)
            elif not label.values and (label.pattern is None or _unbounded(label.pattern)):
                severe = NEEDS_VALUES.search(label.name) is not None
                report.add("high-cardinality-label", f"{subject} has no bounded value set; give values: (or a "
                                                     f"bounded pattern:)" + (" - raw paths must be normalised to "
                                                                             "route templates" if severe else ""),
                           at, item=metric.name, severity="error" if severe else WARNING)


def _unbounded(pattern: str) -> bool:
    return bool(re.search(r"(?<!\\)[*+]|\{\d+,\}", pattern))
