"""`obsgen-exporter serve`: run the reference dashboard-summary exporter."""
from __future__ import annotations

from pathlib import Path

import click

from exporter.contract import ContractError
from exporter.server import DEFAULT_HOST, DEFAULT_PORT, ServeConfig, serve as run_server
from exporter.strategies import DEFAULT_STRATEGY, STRATEGIES
from generator.catalog import load_catalog
from exporter.cli.common import config_option, settings
from exporter.cli.extras import exporter_catalog
from generator.errors import EXIT_CATALOG, EXIT_IO


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file (created with its schema when missing); fill it with `obsgen-exporter seed`.")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the 'listening' log line tells which).")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=DEFAULT_STRATEGY, show_default=True,
              help="aggregate: one SQL query; naive: the N+1 baseline; cached: a TTL cache over aggregate.")
@click.option("--cache-ttl", default=5.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a cached summary may be served (strategy cached).")
@click.option("--busy-timeout", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for a locked database before answering 503.")
@click.option("--catalog", "catalog_path", default=None,
              type=click.Path(dir_okay=False),
              help="Catalog giving the metric contract (default: catalog/ampel.yaml here).")
@config_option
@click.option("--enable-fault-injection", is_flag=True,
              help="Expose POST /-/faults (extra latency, error rate). For tests only.")
def serve(db_path: Path, host: str, port: int, strategy: str, cache_ttl: float, busy_timeout: float,
          catalog_path: str, config_path: str | None, enable_fault_injection: bool) -> None:
    """Serve the summary route (GET), /metrics, /healthz and /readyz until SIGTERM or SIGINT."""
    service = settings(config_path)
    catalog = load_catalog(exporter_catalog(catalog_path))
    config = ServeConfig(db=db_path, host=host, port=port, strategy=strategy, cache_ttl=cache_ttl,
                         busy_timeout=busy_timeout, fault_injection=enable_fault_injection, settings=service)
    try:
        run_server(catalog, config)
    except ContractError as exc:
        click.echo(f"error: the catalog does not fit the exporter: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_CATALOG) from None
    except OSError as exc:  # the address is taken or not ours
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(EXIT_IO) from None
