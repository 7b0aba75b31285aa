"""Dataset sizes: the catalog's tiers (the performance plan's response-time table) plus a built-in `xl`.

Each dataset is one user named after it, with the bearer token `token-<name>`.
"""
from __future__ import annotations

from dataclasses import dataclass

from generator.model import Catalog

XL = ("xl", 10_000, 1_000_000)  # beyond the performance plan: one user with 10,000 repositories and 1,000,000 PRs


@dataclass(frozen=True)
class Dataset:
    name: str
    repos: int
    prs: int

    @property
    def token(self) -> str:
        return token_for(self.name)


def token_for(name: str) -> str:
    return f"token-{name}"


def available(catalog: Catalog) -> dict[str, Dataset]:
    """Every dataset that can be seeded: sized tiers in catalog order, then xl."""
    out = {t.name: Dataset(t.name, t.repos, t.prs) for t in catalog.tiers
           if t.repos is not None and t.prs is not None}
    out.setdefault(XL[0], Dataset(*XL))
    return out


def default_names(catalog: Catalog) -> list[str]:
    """What `seed` fills without --dataset: every sized tier (not xl)."""
    return [name for name in available(catalog) if name != XL[0]]


def select(catalog: Catalog, names: list[str] | tuple[str, ...]) -> list[Dataset]:
    known = available(catalog)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(known)} "
                         f"(sizes come from the tiers of {catalog.path})")
    return [known[n] for n in (names or default_names(catalog))]
