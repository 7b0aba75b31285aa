"""Options and error handling `seed` and `serve` share: the exporter configuration (--config)."""
from __future__ import annotations

from typing import NoReturn

import click

from exporter.config import ConfigError, ExporterConfig, load_config
from generator.errors import EXIT_CATALOG, Problem

config_option = click.option(
    "--config", "config_path", default=None, type=click.Path(dir_okay=False),
    help="Exporter configuration (summary route, datasets and their tokens, log fields; for serve also "
         "cache and strategy_split, which --cache and --strategy-split override). "
         "Default: the exporter.yaml shipped in the exporter package.")


def settings(config_path: str | None) -> ExporterConfig:
    """The configuration at --config (default: the shipped one); each problem printed, exit 3."""
    try:
        return load_config(config_path)
    except ConfigError as exc:
        problems = exc.problems
    refuse(problems)  # outside the except: the exit carries no exception context


def refuse(problems: list[Problem]) -> NoReturn:
    """Print the configuration's problems (each file:line: field: message) and exit 3."""
    click.echo("error: the exporter configuration is invalid; nothing was written:", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    raise click.exceptions.Exit(EXIT_CATALOG)
