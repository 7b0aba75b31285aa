"""The datasets `obsgen-exporter seed` writes, from the exporter's configuration (exporter.yaml).

Each dataset is one user named after it, who authenticates with the dataset's bearer token.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exporter.config import ExporterConfig


@dataclass(frozen=True)
class Dataset:
    name: str
    repos: int
    prs: int
    token: str
    default: bool = True  # seeded when `seed` is given no --dataset


def token_for(name: str) -> str:
    """The bearer token of dataset `name` in the shipped configuration."""
    from exporter.config import default_config

    return default_config().dataset(name).token


def available(config: "ExporterConfig") -> dict[str, Dataset]:
    """Every dataset that can be seeded, in configuration order."""
    return {d.name: d for d in config.datasets}


def default_names(config: "ExporterConfig") -> list[str]:
    """What `seed` fills without --dataset: every dataset not marked `default: false`."""
    return [d.name for d in config.datasets if d.default]


def select(config: "ExporterConfig", names: list[str] | tuple[str, ...]) -> list[Dataset]:
    known = available(config)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(known)} "
                         f"(the datasets of {config.path})")
    return [known[n] for n in (names or default_names(config))]
