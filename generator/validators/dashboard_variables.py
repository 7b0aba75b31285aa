"""`dashboard-variable-undefined`: a panel query names a `$var` its dashboard does not define.

Grafana leaves an unknown `$var` in the query as typed, so Prometheus gets `job=~"$job"` and the
panel is silently empty. Grafana's built-ins (`$__rate_interval`, `$__range`, ...) and the
catalog's `$selector` are always defined.
"""
from __future__ import annotations

import re

from generator.model import Catalog
from generator.validators.silences import Reporter

RULE = "dashboard-variable-undefined"
# $name, ${name}, ${name:format}, ${name.field}, [[name]]
VARIABLE = re.compile(r"\$\{(\w+)[^}]*\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
ALWAYS_DEFINED = frozenset({"selector"})


def used_variables(expr: str) -> list[str]:
    """Variable names an expression refers to, in order, Grafana's built-ins left out."""
    names = (m.group(1) or m.group(2) or m.group(3) for m in VARIABLE.finditer(expr))
    return [n for n in names if not n.startswith("__") and n not in ALWAYS_DEFINED]


def check_undefined_variables(report: Reporter, catalog: Catalog) -> None:
    for i, dashboard in enumerate(catalog.dashboards):
        defined = dashboard.variable_names
        for r, row in enumerate(dashboard.rows):
            for p, panel in enumerate(row.panels):
                for t, target in enumerate(panel.targets):
                    missing = sorted({n for n in used_variables(target.expr) if n not in defined})
                    for name in missing:
                        known = ", ".join(f"${n}" for n in sorted(defined)) or "none"
                        report.add(RULE, f"panel {panel.title!r} uses ${name}, which dashboard {dashboard.uid!r} "
                                         f"does not define (its variables: {known})",
                                   f"dashboards[{i}].rows[{r}].panels[{p}].targets[{t}].expr",
                                   item=panel.title, group=dashboard.uid)
        for a, annotation in enumerate(dashboard.features.annotations):
            for name in sorted({n for n in used_variables(annotation.expr) if n not in defined}):
                known = ", ".join(f"${n}" for n in sorted(defined)) or "none"
                report.add(RULE, f"annotation {annotation.name!r} uses ${name}, which dashboard {dashboard.uid!r} "
                                 f"does not define (its variables: {known})",
                           f"dashboards[{i}].annotations[{a}].expr", item=annotation.name, group=dashboard.uid)
