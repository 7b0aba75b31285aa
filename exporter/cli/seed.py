"""`obsgen-exporter seed`: fill the exporter's SQLite database with the catalog's dataset sizes."""
from __future__ import annotations

import time
from pathlib import Path

import click

from exporter import datasets, seeding
from generator.catalog import load_catalog
from exporter.cli.extras import exporter_catalog


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file; created with its schema when missing.")
@click.option("--dataset", "names", multiple=True,
              help="Dataset to (re)write, repeatable: a tier of the catalog or xl. Default: every tier.")
@click.option("--catalog", "catalog_path", default=None,
              type=click.Path(dir_okay=False),
              help="Catalog whose tiers give the dataset sizes (default: catalog/ampel.yaml here).")
def seed(db_path: Path, names: tuple[str, ...], catalog_path: str) -> None:
    """Write deterministic datasets; each is one user with the bearer token token-<dataset>."""
    catalog = load_catalog(exporter_catalog(catalog_path))
    try:
        chosen = datasets.select(catalog, list(names))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--dataset") from None
    started = time.perf_counter()
    for done in seeding.seed(db_path, chosen):
        d = done.dataset
        click.echo(f"{d.name:<11} {d.repos:>6} repos {d.prs:>8} PRs {done.open_prs:>7} open  "
                   f"user {done.user_uuid}  token {d.token}")
    click.echo(f"seeded {len(chosen)} dataset(s) into {db_path} in {time.perf_counter() - started:.1f}s")
