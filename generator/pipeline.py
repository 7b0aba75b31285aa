"""The pipeline as plain functions: load catalogs -> render every kind in memory -> plan -> write.

The CLI, the tests and the benchmarks all call these.

`--catalog` scopes a run (`load_scope`): only the catalogs named are rendered, written, checked and
reported. A file shared by every catalog of the project (a kind with `render_many`: the one
Alertmanager config) is still built from all of them, the named ones and every catalog/*.yaml under
the root, because one Alertmanager loads one config: building it from the named catalogs alone would
drop the others' subtrees. When another catalog of the project does not load, the shared file is
left as it is (neither written nor checked) and the scope says so in `note`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.catalog import load_catalog
from generator.errors import CatalogError, Location, Problem
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
class Scope:
    """The catalogs one run is limited to, and every catalog of the project for the shared files."""
    catalogs: list[Catalog]  # the catalogs named (all of the project without --catalog)
    project: list[Catalog] | None  # every catalog of the project; None: one does not load, shared files untouched
    scoped: bool = False  # --catalog was given
    note: str = ""  # why the shared files are left untouched, when they are
    untouched: tuple[str, ...] = ()  # those files

    def kinds(self, kinds: list[str] | None) -> list[str]:
        """`kinds` without the shared ones when they cannot be built from the whole project."""
        kinds = kinds or DEFAULT_KINDS
        return kinds if self.project is not None else [k for k in kinds if not hasattr(KINDS[k], "render_many")]


def _key(path: Path) -> Path:
    return path.resolve()


def load_scope(explicit: tuple[str, ...] | list[str], root: Path) -> Scope:
    """Load the catalogs named (else every catalog/*.yaml); with names, also the project's others,
    for the files every catalog shares. The named ones must load (CatalogError otherwise)."""
    paths = catalog_paths(explicit, root)
    if not paths:
        raise CatalogError([Problem(Location(str(root / DEFAULT_CATALOG_DIR)), "no catalog found")])
    chosen = load_all(paths, base=root)
    if not explicit:
        return Scope(chosen, chosen)
    named = {_key(p) for p in paths}
    others = [p for p in catalog_paths((), root) if _key(p) not in named]
    try:
        rest = load_all(others, base=root)
    except CatalogError as exc:
        files = ", ".join(sorted({p.location.file for p in exc.problems}))
        shared = tuple(sorted(rel for k in DEFAULT_KINDS if hasattr(KINDS[k], "render_many")
                              for rel in getattr(KINDS[k], "SHARED_PATHS", KINDS[k].FOLDERS)))
        return Scope(chosen, None, True, f"{', '.join(shared)} is built from every catalog of the project and {files} "
                                         f"does not load: left as it is, neither written nor checked (run `obsgen "
                                         f"generate` once every catalog loads)", shared)
    return Scope(chosen, chosen + rest, True)


@dataclass
class Rendered:
    artifacts: dict[str, str]
    folders: set[str]
    catalogs: set[str]


def render_all(catalogs: list[Catalog], kinds: list[str] | None = None,
               shared: list[Catalog] | None = None) -> Rendered:
    """Every artifact of `catalogs`; the shared kinds (`render_many`) from `shared` (default: `catalogs`)."""
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
            artifacts.update(KINDS[kind].render_many(catalogs if shared is None else shared))
    return Rendered(artifacts, folders, {c.path.as_posix() for c in catalogs})


def render_scope(scope: Scope, kinds: list[str] | None = None) -> Rendered:
    return render_all(scope.catalogs, scope.kinds(kinds), scope.project)


def _clash(rel: str, first: str, catalog: Catalog):
    return Problem(Location(catalog.path.as_posix()), f"{rel} is also generated from {first}; rename one of them")


def generate(root: Path, catalogs: list[Catalog] | Scope, kinds: list[str] | None = None,
             check: bool = False) -> writers.Plan:
    """Render and write (or, with check, only plan); a Scope limits it as `--catalog` does."""
    scope = catalogs if isinstance(catalogs, Scope) else Scope(catalogs, catalogs)
    rendered = render_scope(scope, kinds)
    result = writers.plan(root, rendered.artifacts, rendered.folders, rendered.catalogs)
    if not check:
        writers.write(root, rendered.artifacts, result)
    return result
