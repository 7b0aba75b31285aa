"""The catalog's `dashboards:` section -> typed `Dashboard`s: rows of panels, variables and features.

Each part is checked by its own module (`dashboard_variables`, `panel_features`, `panel_kinds`,
`dashboard_features`); this one puts them together, checks that a panel's objective is declared
and that no dashboard uid is given twice.
"""
from __future__ import annotations

from generator.catalog.dashboard_features import dashboard_features, refresh_text
from generator.catalog.dashboard_variables import dashboard_variables
from generator.catalog.fields import silences
from generator.catalog.located import Duration, Problem, unique
from generator.catalog.panel_features import PanelScope, panel_features
from generator.catalog.panel_kinds import panel_kind
from generator.model import Dashboard, Panel, Row, Service, Target


def build_dashboards(items: list[dict], objective_names: set[str], service: Service, problem: Problem,
                     duration: Duration) -> tuple[Dashboard, ...]:
    """`objective_names`: every objective the catalog declares (a defective one too: it is reported where
    it is written, not again in each panel that shows it)."""
    uids = frozenset(d["uid"] for d in items)
    out = []
    for i, d in enumerate(items):
        variables = dashboard_variables(d.get("variables", []), f"dashboards[{i}]", problem, duration)
        scope = PanelScope({v.name: v for v in variables}, uids, d["uid"], service.runbook_base_url)
        rows = []
        for r_i, r in enumerate(d["rows"]):
            panels = []
            for p_i, p in enumerate(r["panels"]):
                at = f"dashboards[{i}].rows[{r_i}].panels[{p_i}]"
                if p.get("objective") and p["objective"] not in objective_names:
                    problem(f"{at}.objective", f"unknown objective {p['objective']!r}")
                panels.append(_panel(p, at, scope, problem))
            rows.append(Row(r["title"], tuple(panels), bool(r.get("collapsed", False))))
        features = dashboard_features(d, f"dashboards[{i}]", d["uid"], uids, problem, duration)
        out.append(Dashboard(d["uid"], d["title"], tuple(rows), d.get("description", ""), tuple(d.get("tags", ())),
                             refresh_text(d), d.get("time_from", "now-6h"), silences(d.get("silence")),
                             variables, features))
    unique([d.uid for d in out], "dashboard uid", [f"dashboards[{i}].uid" for i in range(len(out))], problem)
    return tuple(out)


def _panel(p: dict, at: str, scope: PanelScope, problem: Problem) -> Panel:
    features = panel_features(p, at, scope, problem)
    return Panel(
        title=p["title"], type=p["type"], unit=p.get("unit", ""), description=p.get("description", ""),
        targets=tuple(Target(t["expr"], t.get("legend", ""), bool(t.get("instant", False)))
                      for t in p.get("targets", ())),
        objective=p.get("objective"), stack=features.stacking != "none",
        width=p.get("width"), height=p.get("height"), silences=silences(p.get("silence")),
        kind=panel_kind(p, at, problem), features=features)
