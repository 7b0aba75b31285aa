"""Derivation, once per catalog: the typed results every consumer reads.

A catalog derives rule groups, the promtool test plan, dashboard documents (with the queries they
carry) and load-test scripts. `derive(catalog)` computes each of them on first use and keeps it
with the catalog, so the renderers, the validators and deploy of one command share one derivation
instead of rebuilding it or parsing back the text another step rendered. A Catalog is frozen, so
its results never go stale; they live and die with the catalog object.

`RUNS` counts derivations by (catalog path, result), counted by the builders themselves (whoever
calls them); tests read it to prove each runs once per command.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from generator.model import Catalog, Dashboard, Panel, Scenario

if TYPE_CHECKING:
    from generator.build.rule_test_cases import Plan
    from generator.build.rules import RuleGroup
    from generator.slo.tests import SLOTestPlan

RUNS: Counter[tuple[str, str]] = Counter()


def count_run(catalog: Catalog, result: str) -> None:
    """Called by each builder as it derives `result` ("rule_groups", "dashboard <uid>", ...) from `catalog`."""
    RUNS[(catalog.path.as_posix(), result)] += 1


@dataclass(frozen=True)
class PanelQuery:
    """One query of a dashboard panel, as the dashboard carries it (`$selector` expanded)."""
    expr: str
    doc_path: str  # dashboards[i].rows[j].panels[k].targets[t].expr
    panel: Panel
    target: int  # index of the target in the panel


@dataclass(frozen=True)
class DerivedDashboard:
    dashboard: Dashboard
    doc_path: str  # dashboards[i]
    artifact: str  # dashboards/<uid>.json
    document: dict  # the Grafana JSON model; shared, so read it (deploy copies before changing it)
    queries: tuple[PanelQuery, ...]


class Derived:
    """The results derived from one catalog, each computed on first use."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @cached_property
    def rule_groups(self) -> tuple[RuleGroup, ...]:
        from generator.build.rules import build_rule_groups

        return build_rule_groups(self.catalog)

    @cached_property
    def test_plan(self) -> Plan:
        from generator.build.rule_test_cases import build_plan

        return build_plan(self.catalog, self.rule_groups)

    @cached_property
    def slo_test_plan(self) -> SLOTestPlan:
        from generator.slo.tests import build_slo_plan

        return build_slo_plan(self.catalog)

    @cached_property
    def dashboards(self) -> tuple[DerivedDashboard, ...]:
        from generator.build.expressions import expand_selector
        from generator.renderers.dashboard_variables import selector_text
        from generator.renderers.dashboards import dashboard_json

        out = []
        for i, dashboard in enumerate(self.catalog.dashboards):
            selector = selector_text(self.catalog, dashboard)
            queries = tuple(
                PanelQuery(expand_selector(target.expr, selector), f"dashboards[{i}].rows[{r}].panels[{p}].targets[{t}].expr",
                           panel, t)
                for r, row in enumerate(dashboard.rows) for p, panel in enumerate(row.panels)
                for t, target in enumerate(panel.targets))
            out.append(DerivedDashboard(dashboard, f"dashboards[{i}]", f"dashboards/{dashboard.uid}.json",
                                        dashboard_json(self.catalog, dashboard), queries))
        return tuple(out)

    @cached_property
    def load_tests(self) -> dict[str, tuple[Scenario, ...]]:
        """k6 script name -> its scenarios, in catalog order."""
        count_run(self.catalog, "load_tests")
        out: dict[str, list[Scenario]] = {}
        for s in self.catalog.scenarios:
            out.setdefault(s.script_name, []).append(s)
        return {name: tuple(group) for name, group in out.items()}


_SLOT = "_obsgen_derived"


def derive(catalog: Catalog) -> Derived:
    """The catalog's derived results (computed once per catalog object)."""
    # Kept in the instance's own __dict__, as functools.cached_property keeps its values on a frozen
    # dataclass: it goes when the catalog goes, and a catalog loaded again derives afresh.
    derived = catalog.__dict__.get(_SLOT)
    if derived is None or derived.catalog is not catalog:  # (a copied catalog derives its own)
        derived = catalog.__dict__[_SLOT] = Derived(catalog)
    return derived
