"""What every validation step receives: the catalogs and everything rendered from them, in memory."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.build.rules import RuleGroup
from generator.derive import derive
from generator.model import Catalog
from generator.pipeline import Rendered, Scope, render_scope
from generator.renderers import DEFAULT_KINDS
from generator.promql.functions import TARGET


@dataclass
class CatalogArtifacts:
    catalog: Catalog
    groups: tuple[RuleGroup, ...]  # alert and recording groups built from the catalog
    dashboards: dict[str, dict]  # relative path -> dashboard JSON, as derived (and rendered)


@dataclass
class ValidationContext:
    root: Path  # project root: where artifacts live on disk
    catalogs: list[Catalog]
    rendered: Rendered  # every artifact rendered in memory (path -> text)
    per_catalog: list[CatalogArtifacts] = field(default_factory=list)
    workdir: Path | None = None  # a temporary folder a step may use (set by the runner)
    promtool_timeout: float | None = None  # seconds per `promtool test rules` process (None: the default)
    target: str = TARGET  # the Prometheus version the rules and queries are checked for
    grafana_schema_dir: Path | None = None  # `validate --grafana-schema-dir` (None: the search order)
    scoped: bool = False  # `--catalog` named the catalogs: files of the project's other catalogs are left out


def build_context(root: Path, catalogs: list[Catalog] | Scope, kinds: list[str] | None = None) -> ValidationContext:
    scope = catalogs if isinstance(catalogs, Scope) else Scope(catalogs, catalogs)
    catalogs = scope.catalogs
    rendered = render_scope(scope, kinds)
    per_catalog = []
    for catalog in catalogs:
        derived = derive(catalog)  # what the renderers just used: shared, never parsed back from their text
        dashboards = {d.artifact: d.document for d in derived.dashboards if d.artifact in rendered.artifacts} \
            if "dashboards" in (kinds or DEFAULT_KINDS) else {}
        per_catalog.append(CatalogArtifacts(catalog, derived.rule_groups, dashboards))
    return ValidationContext(root, catalogs, rendered, per_catalog, scoped=scope.scoped)
