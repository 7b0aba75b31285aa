"""Every PromQL expression of the validation context, located in its catalog and its artifact.

Rules come from the rule groups derived from each catalog (`Rule.source` is their catalog path);
dashboard queries from the derived dashboards, each with its catalog path
(`dashboards[i].rows[j].panels[k].targets[t]`), never read back from the JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from generator.build.rules import Rule
from generator.derive import derive
from generator.model import Catalog
from generator.promql import ParseError, parse
from generator.promql.functions import TARGET
from generator.renderers.rules import group_path
from generator.validators.context import CatalogArtifacts


@dataclass(frozen=True)
class Query:
    catalog: Catalog | None  # None for a rule file or dashboard linted without a catalog
    expr: str
    kind: str  # "rule" | "panel"
    doc_path: str  # where the catalog defines it (for the line of findings and silences)
    item: str  # alert or record name, panel title
    group: str  # rule group, or dashboard uid
    artifact: str  # the generated file it is written to
    rule: Rule | None = None

    @property
    def grafana(self) -> bool:
        return self.kind == "panel"


@lru_cache(maxsize=4096)
def parsed(expr: str, grafana: bool, target: str = TARGET):
    """The tree of an expression for a Prometheus version, or the ParseError it raises (cached:
    checks share one parse)."""
    try:
        return parse(expr, grafana=grafana, target=target)
    except ParseError as exc:
        return exc


def rule_queries(artifacts: CatalogArtifacts) -> list[Query]:
    catalog = artifacts.catalog
    out = []
    for group in artifacts.groups:
        for rule in group.rules:
            doc_path = rule.source
            if doc_path.startswith(("alerts[", "recording_rules[")):
                doc_path += ".expr"
            out.append(Query(catalog, rule.expr, "rule", doc_path, rule.name, group.name, group_path(group), rule))
    return out


def dashboard_panels(artifacts: CatalogArtifacts):
    """(doc path, dashboard model, catalog panel, panel JSON, artifact path) for every panel."""
    catalog = artifacts.catalog
    for i, dashboard in enumerate(catalog.dashboards):
        artifact = f"dashboards/{dashboard.uid}.json"
        data = artifacts.dashboards.get(artifact)
        if data is None:
            continue
        rendered = [inner for p in data.get("panels", [])  # a collapsed row holds its panels
                    for inner in ((p.get("panels") or []) if p.get("type") == "row" else [p])]
        declared = [(f"dashboards[{i}].rows[{r}].panels[{p}]", panel)
                    for r, row in enumerate(dashboard.rows) for p, panel in enumerate(row.panels)]
        for (doc_path, panel), panel_json in zip(declared, rendered):
            yield doc_path, dashboard, panel, panel_json, artifact


def panel_queries(artifacts: CatalogArtifacts) -> list[Query]:
    out = []
    for derived in derive(artifacts.catalog).dashboards:
        if derived.artifact not in artifacts.dashboards:
            continue  # dashboards not rendered in this run
        for query in derived.queries:
            out.append(Query(artifacts.catalog, query.expr, "panel", query.doc_path, query.panel.title,
                             derived.dashboard.uid, derived.artifact))
        out += annotation_queries(artifacts.catalog, derived)
    return out


def annotation_queries(catalog: Catalog, derived) -> list[Query]:
    """The dashboard's annotation queries (e.g. deploys), checked like its panels' queries."""
    from generator.build.expressions import expand_selector
    from generator.renderers.dashboard_variables import selector_text

    selector = selector_text(catalog, derived.dashboard)
    return [Query(catalog, expand_selector(a.expr, selector), "panel", f"{derived.doc_path}.annotations[{n}].expr",
                  a.name, derived.dashboard.uid, derived.artifact)
            for n, a in enumerate(derived.dashboard.features.annotations)]


def variable_queries(artifacts: CatalogArtifacts) -> list[Query]:
    """What each query variable asks Prometheus for (`label_values(<metric>{<selector>}, <label>)`),
    as the expression `count by (<label>) (<metric>{<selector>})`, located at the variable: so the
    cross-checks report a metric the catalog does not define, or a label its series lack, which
    would leave the variable's list empty. Cross-checked only: it is not a query a panel runs."""
    from generator.catalog.dashboard_variables import selected_labels
    from generator.model import QueryVariable
    from generator.renderers.dashboard_variables import selector_for

    catalog, out = artifacts.catalog, []
    for derived in derive(catalog).dashboards:
        if derived.artifact not in artifacts.dashboards:
            continue
        variables = derived.dashboard.variables
        for v, variable in enumerate(variables):
            if isinstance(variable, QueryVariable):
                selector = selector_for(catalog.service.selector, selected_labels(variables[:v]))
                out.append(Query(catalog, f"count by ({variable.label}) ({variable.metric}{{{selector}}})", "panel",
                                 f"{derived.doc_path}.variables[{v}]", f"variable {variable.name}",
                                 derived.dashboard.uid, derived.artifact))
    return out


def all_queries(artifacts: CatalogArtifacts) -> list[Query]:
    return rule_queries(artifacts) + panel_queries(artifacts)  # annotation queries are among the panels'
