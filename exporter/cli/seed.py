"""`obsgen-exporter seed`: fill the exporter's SQLite database with the configured datasets."""
from __future__ import annotations

import time
from pathlib import Path

import click

from exporter import datasets, seeding
from exporter.cli.common import config_option, settings


def _no_catalog(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.BadParameter("seed no longer reads the catalog: the dataset sizes and tokens are in the "
                                 "exporter configuration (its `datasets`; --config PATH to use your own)",
                                 ctx, param)


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file; created with its schema when missing.")
@click.option("--dataset", "names", multiple=True,
              help="Dataset to (re)write, repeatable: one of the configuration's datasets. "
                   "Default: every dataset not marked `default: false`.")
@config_option
@click.option("--catalog", hidden=True, expose_value=False, callback=_no_catalog)
def seed(db_path: Path, names: tuple[str, ...], config_path: str | None) -> None:
    """Write deterministic datasets; each is one user with the bearer token the configuration gives it."""
    config = settings(config_path)
    try:
        chosen = datasets.select(config, list(names))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--dataset") from None
    started = time.perf_counter()
    for done in seeding.seed(db_path, chosen):
        d = done.dataset
        click.echo(f"{d.name:<11} {d.repos:>6} repos {d.prs:>8} PRs {done.open_prs:>7} open  "
                   f"user {done.user_uuid}  token {d.token}")
    click.echo(f"seeded {len(chosen)} dataset(s) into {db_path} in {time.perf_counter() - started:.1f}s")
