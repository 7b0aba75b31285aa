"""`label-value-not-allowed` for a custom variable's values: a variable with `label` narrows every
query of its dashboard (`route=~"$route"`), so each of its values must be a value the catalog allows
for that label on the series the queries select, or every panel over them is empty when that value
is chosen. The matcher check of the queries themselves cannot tell: it skips values holding a
Grafana variable. Reported once per value and series, at the value's catalog line.
"""
from __future__ import annotations

from generator.derive import derive
from generator.model import CustomVariable
from generator.promql import ParseError, selectors
from generator.validators.context import CatalogArtifacts
from generator.validators.dashboard_variables import used_variables
from generator.validators.queries import annotation_queries, parsed
from generator.validators.series import Series
from generator.validators.silences import Reporter

RULE = "label-value-not-allowed"


def _allowed(label) -> str:
    return ("values: " + ", ".join(label.values)) if label.values else f"pattern: {label.pattern}"


def check_variable_values(report: Reporter, artifacts: CatalogArtifacts, table: dict[str, Series],
                          target: str) -> None:
    catalog = artifacts.catalog
    for derived in derive(catalog).dashboards:
        if derived.artifact not in artifacts.dashboards:
            continue
        variables = [(k, v) for k, v in enumerate(derived.dashboard.variables)
                     if isinstance(v, CustomVariable) and v.label and v.values]
        if not variables:
            continue
        exprs = [q.expr for q in derived.queries] + [q.expr for q in annotation_queries(catalog, derived)]
        reported: set[tuple[int, int, str]] = set()
        for expr in exprs:
            tree = parsed(expr, True, target)
            if isinstance(tree, ParseError):
                continue
            for use in selectors(tree):
                series = table.get(use.selector.metric_name)
                if series is None or series.labels is None:
                    continue
                for k, variable in variables:
                    label = series.labels.get(variable.label)
                    if label is None or not (label.values or label.pattern) or not any(
                            m.name == variable.label and variable.name in used_variables(m.value)
                            for m in use.selector.label_matchers):
                        continue
                    for j, value in enumerate(variable.values):
                        if label.allows(value) or (k, j, series.name) in reported:
                            continue
                        reported.add((k, j, series.name))
                        report.add(RULE, f"value {value!r} of variable ${variable.name} is not allowed for label "
                                         f"{variable.label!r} on {series.name!r} ({_allowed(label)}): the panels over "
                                         f"it are empty when it is chosen (in {derived.artifact})",
                                   f"{derived.doc_path}.variables[{k}].values[{j}]", item=f"variable {variable.name}",
                                   group=derived.dashboard.uid)
