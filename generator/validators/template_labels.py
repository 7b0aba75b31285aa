"""`legend-label-unknown`: a `{{label}}` in a panel target's legend, or in an annotation's title or
text, or an annotation's tag label, names a label the query's result does not carry. Grafana shows
it empty (`p99 {{rout}}` reads `p99 `), so every series of the panel looks alike.

The result's labels come from `LabelFlow` over the catalog's series and the recorded ones (the
table `check_queries` filled); a result whose labels are unknown (an unknown metric below, which
`unknown-metric` reports) is not checked. Grafana's own names (`__name__`, `__value`...) are left
alone.
"""
from __future__ import annotations

import re

from generator.derive import derive
from generator.promql import ParseError
from generator.validators.context import CatalogArtifacts
from generator.validators.findings import WARNING
from generator.validators.label_flow import LabelFlow
from generator.validators.queries import annotation_queries, parsed
from generator.validators.series import Series
from generator.validators.silences import Reporter

RULE = "legend-label-unknown"
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def template_labels(text: str) -> list[str]:
    """The label names a Grafana legend template refers to, in order, each once."""
    return list(dict.fromkeys(m.group(1) for m in _TEMPLATE.finditer(text or "")))


def _result_labels(expr: str, table: dict[str, Series], target: str) -> set[str] | None:
    tree = parsed(expr, True, target)
    if isinstance(tree, ParseError):
        return None  # reported by the parse checks
    labels = LabelFlow(table).labels(tree)
    return None if labels is None else set(labels)


def _check(report: Reporter, expr: str, table, target: str, uses: list[tuple[str, str, list[str]]],
           item: str, group: str, artifact: str) -> None:
    """uses: (what, doc path, label names) of one query."""
    wanted = [u for u in uses if u[2]]
    if not wanted:
        return
    have = _result_labels(expr, table, target)
    if have is None:
        return
    for what, doc_path, names in wanted:
        for name in names:
            if name.startswith("__") or name in have:
                continue
            there = ", ".join(sorted(have)) or "none"
            report.add(RULE, f"{what} names label {name!r}, which the query's result does not carry (its labels: "
                             f"{there}); Grafana shows it empty (in {artifact})",
                       doc_path, item=item, group=group, severity=WARNING)


def check_template_labels(report: Reporter, artifacts: CatalogArtifacts, table: dict[str, Series],
                          target: str) -> None:
    catalog = artifacts.catalog
    for derived in derive(catalog).dashboards:
        if derived.artifact not in artifacts.dashboards:
            continue
        uid = derived.dashboard.uid
        for query in derived.queries:
            legend = query.panel.targets[query.target].legend
            at = query.doc_path.removesuffix(".expr") + ".legend"
            _check(report, query.expr, table, target, [(f"legend {legend!r}", at, template_labels(legend))],
                   query.panel.title, uid, derived.artifact)
        for annotation, query in zip(derived.dashboard.features.annotations, annotation_queries(catalog, derived)):
            at = query.doc_path.removesuffix(".expr")
            uses = [(f"title {annotation.title!r}", f"{at}.title", template_labels(annotation.title)),
                    (f"text {annotation.text!r}", f"{at}.text", template_labels(annotation.text)),
                    ("tags", f"{at}.tags", list(annotation.tag_labels))]
            _check(report, query.expr, table, target, uses, annotation.name, uid, derived.artifact)
