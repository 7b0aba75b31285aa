"""`obsgen-exporter seed`: fill the exporter's SQLite database with the catalog's dataset sizes."""
from __future__ import annotations

import time
from pathlib import Path

import click

from exporter import datasets, storage
from exporter.cli.database_option import database_options, resolve
from exporter.database import DatabaseUnavailable
from exporter.storage.migrations import MigrationError
from generator.catalog import load_catalog
from exporter.cli.extras import exporter_catalog
from generator.errors import EXIT_IO, ToolMissing


@click.command()
@database_options
@click.option("--dataset", "names", multiple=True,
              help="Dataset to (re)write, repeatable: a tier of the catalog or xl. Default: every tier.")
@click.option("--catalog", "catalog_path", default=None,
              type=click.Path(dir_okay=False),
              help="Catalog whose tiers give the dataset sizes (default: catalog/ampel.yaml here).")
def seed(db_path: Path | None, database: str | None, names: tuple[str, ...], catalog_path: str) -> None:
    """Write deterministic datasets; each is one user with the bearer token token-<dataset>."""
    url = resolve(db_path, database)
    catalog = load_catalog(exporter_catalog(catalog_path))
    try:
        chosen = datasets.select(catalog, list(names))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--dataset") from None
    started = time.perf_counter()
    try:
        written = storage.seed(url, chosen)
    except storage.BackendMissing as exc:
        raise ToolMissing(str(exc)) from None
    except (DatabaseUnavailable, MigrationError) as exc:  # nothing half-written: one transaction
        click.echo(f"error: database {url.display}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_IO) from None
    for done in written:
        d = done.dataset
        click.echo(f"{d.name:<11} {d.repos:>6} repos {d.prs:>8} PRs {done.open_prs:>7} open  "
                   f"user {done.user_uuid}  token {d.token}")
    click.echo(f"seeded {len(chosen)} dataset(s) into {url.display} in {time.perf_counter() - started:.1f}s")
