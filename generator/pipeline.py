"""The pipeline as plain functions: load catalogs -> render every kind in memory -> plan -> write.

The CLI, the tests and the benchmarks all call these.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.model import Catalog
from generator.renderers import DEFAULT_KINDS, KINDS
from generator import writers

DEFAULT_CATALOG_DIR = "catalog"


def catalog_paths(explicit: tuple[str, ...] | list[str], root: Path) -> list[Path]:
    """The catalogs named, or every catalog/*.yaml under root."""
    if explicit:
        return [Path(p) for p in explicit]
    found = sorted((root / DEFAULT_CATALOG_DIR).glob("*.yaml")) + sorted((root / DEFAULT_CATALOG_DIR).glob("*.yml"))
    return found


def load_all(paths: list[Path], base: Path | None = None) -> list[Catalog]:
    """Load every catalog (named relative to `base`); problems of all of them are reported together."""
    catalogs, problems = [], []
    for path in paths:
        try:
            catalogs.append(load_catalog(path, base))
        except CatalogError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CatalogError(problems)
    return catalogs


@dataclass
class Rendered:
    artifacts: dict[str, str]
    folders: set[str]
    catalogs: set[str]


def render_all(catalogs: list[Catalog], kinds: list[str] | None = None) -> Rendered:
    kinds = kinds or DEFAULT_KINDS
    artifacts: dict[str, str] = {}
    folders: set[str] = set()
    owners: dict[str, str] = {}
    for catalog in catalogs:
        for kind in kinds:
            module = KINDS[kind]
            folders.update(module.FOLDERS)
            if hasattr(module, "render_many"):
                continue  # one artifact from all catalogs together, rendered below
            for rel, text in module.render(catalog).items():
                if rel in owners and artifacts[rel] != text:
                    raise CatalogError([_clash(rel, owners[rel], catalog)])
                owners[rel] = catalog.path.as_posix()
                artifacts[rel] = text
    for kind in kinds:
        if hasattr(KINDS[kind], "render_many"):
            artifacts.update(KINDS[kind].render_many(catalogs))
    return Rendered(artifacts, folders, {c.path.as_posix() for c in catalogs})


def _clash(rel: str, first: str, catalog: Catalog):
    from generator.errors import Location, Problem
    return Problem(Location(catalog.path.as_posix()), f"{rel} is also generated from {first}; rename one of them")


def generate(root: Path, catalogs: list[Catalog], kinds: list[str] | None = None, check: bool = False) -> writers.Plan:
    rendered = render_all(catalogs, kinds)
    result = writers.plan(root, rendered.artifacts, rendered.folders, rendered.catalogs)
    if not check:
        writers.write(root, rendered.artifacts, result)
    return result
