"""Options and error handling `seed` and `serve` share: the exporter configuration (--config)."""
from __future__ import annotations

import click

from exporter.config import ConfigError, ExporterConfig, load_config
from generator.errors import EXIT_CATALOG

config_option = click.option(
    "--config", "config_path", default=None, type=click.Path(dir_okay=False),
    help="Exporter configuration (summary route, datasets and their tokens, log fields). "
         "Default: the exporter.yaml shipped in the exporter package.")


def settings(config_path: str | None) -> ExporterConfig:
    """The configuration at --config (default: the shipped one); each problem printed, exit 3."""
    try:
        return load_config(config_path)
    except ConfigError as exc:
        click.echo("error: the exporter configuration is invalid; nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.exceptions.Exit(EXIT_CATALOG) from None
