"""`obsgen-exporter seed`: fill the exporter's SQLite database with the configured datasets."""
from __future__ import annotations

import time
from pathlib import Path

import click

from exporter import datasets, storage
from exporter.cli.common import config_option, settings
from exporter.cli.database_option import database_options, resolve
from exporter.database import DatabaseUnavailable
from exporter.storage.migrations import MigrationError
from generator.errors import EXIT_IO, ToolMissing


def _no_catalog(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.BadParameter("seed no longer reads the catalog: the dataset sizes and tokens are in the "
                                 "exporter configuration (its `datasets`; --config PATH to use your own)",
                                 ctx, param)


@click.command()
@database_options
@click.option("--dataset", "names", multiple=True,
              help="Dataset to (re)write, repeatable: one of the configuration's datasets. "
                   "Default: every dataset not marked `default: false`.")
@config_option
@click.option("--catalog", hidden=True, expose_value=False, callback=_no_catalog)
def seed(db_path: Path | None, database: str | None, names: tuple[str, ...], config_path: str | None) -> None:
    """Write deterministic datasets; each is one user with the bearer token the configuration gives it."""
    url = resolve(db_path, database)
    config = settings(config_path)
    try:
        chosen = datasets.select(config, list(names))
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
