"""`obsgen-exporter serve`: run the reference dashboard-summary exporter.

`--cache` and `--strategy-split` may also be given in the exporter configuration (`cache`,
`strategy_split`); a flag on the command line wins over the file, and so does `--strategy` over the
file's split.
"""
from __future__ import annotations

from pathlib import Path

import click

from exporter.cache import DEFAULT_CACHE_URL, CacheURLError, parse_cache_url
from exporter.contract import ContractError
from exporter.rollout import SplitError, parse_split
from exporter.server import DEFAULT_HOST, DEFAULT_PORT, ServeConfig, serve as run_server
from exporter.cli.database_option import database_options, resolve
from exporter.storage import DEFAULT_POOL_SIZE, POSTGRESQL, BackendMissing
from exporter.storage.migrations import MigrationError
from exporter.storage.strategies import DEFAULT_REFRESH_INTERVAL, POSTGRESQL_ONLY, \
    STORAGE_STRATEGIES, StorageOptions
from exporter.strategies import DEFAULT_STRATEGY, STRATEGIES
from generator.catalog import load_catalog
from exporter.cli.common import config_option, refuse, settings
from exporter.cli.extras import exporter_catalog
from generator.errors import EXIT_CATALOG, EXIT_IO, Problem, ToolMissing


def _cache_url(ctx, param, value: str):
    try:
        return parse_cache_url(value)
    except CacheURLError as exc:
        raise click.BadParameter(str(exc)) from None


_NEEDS_POSTGRESQL = "{} needs PostgreSQL (--database postgresql://...), not SQLite"


def _needing_postgresql(strategies, url) -> list[str]:
    """The strategies, of those to serve, that need PostgreSQL when the database is not."""
    return [name for name in strategies if name in POSTGRESQL_ONLY and url.kind != POSTGRESQL]


def _split(ctx, param, value: str | None):
    if value is None:
        return None
    try:
        return parse_split(value, STRATEGIES + STORAGE_STRATEGIES)
    except SplitError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@database_options
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the 'listening' log line tells which).")
@click.option("--strategy", type=click.Choice(STRATEGIES + STORAGE_STRATEGIES), default=DEFAULT_STRATEGY,
              show_default=True,
              help="aggregate: one SQL query; naive: the N+1 baseline; cached: a TTL cache over aggregate; "
                   "partitioned: big summaries in parallel partitions; materialized: a PostgreSQL view.")
@click.option("--cache-ttl", default=5.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a cached summary may be served (strategy cached).")
@click.option("--cache", "cache_url", default=DEFAULT_CACHE_URL, show_default=True, callback=_cache_url,
              help="Where the cached strategy keeps summaries: memory:// (this process) or redis://host:port/db "
                   "(shared by every replica naming it; invalidation reaches them all). Overrides the "
                   "configuration's `cache`.")
@click.option("--strategy-split", default=None, callback=_split,
              help="The A/B rollout, e.g. aggregate=90,naive=10: each user gets one strategy by a stable hash "
                   "of the user id; whole percentages adding up to 100. Replaces --strategy. Overrides the "
                   "configuration's `strategy_split` (as --strategy does).")
@click.option("--busy-timeout", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for a locked database (SQLite) or a free connection (PostgreSQL) "
                   "before answering 503.")
@click.option("--pool-size", default=DEFAULT_POOL_SIZE, show_default=True, type=click.IntRange(1, 1000),
              help="PostgreSQL: connections in the pool at most.")
@click.option("--refresh-interval", default=DEFAULT_REFRESH_INTERVAL, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Strategy materialized: seconds between scheduled refreshes of the view.")
@click.option("--partitions", default=None, type=click.IntRange(1, 64),
              help="Strategy partitioned: summaries computed in this many parallel partitions [default: cores].")
@click.option("--partition-threshold", default=None, type=click.IntRange(min=0),
              help="Strategy partitioned: open pull requests from which a user's summary is partitioned "
                   "(0: always) [default: 20000 on PostgreSQL; never on SQLite, where it measured slower].")
@click.option("--catalog", "catalog_path", default=None,
              type=click.Path(dir_okay=False),
              help="Catalog giving the metric contract (default: catalog/ampel.yaml here).")
@config_option
@click.option("--enable-fault-injection", is_flag=True,
              help="Expose POST /-/faults (extra latency, error rate). For tests only.")
@click.pass_context
def serve(ctx: click.Context, db_path: Path | None, database: str | None, host: str, port: int, strategy: str,
          cache_ttl: float, cache_url, strategy_split, busy_timeout: float, pool_size: int, refresh_interval: float,
          partitions: int | None, partition_threshold: int | None, catalog_path: str, config_path: str | None,
          enable_fault_injection: bool) -> None:
    """Serve the summary route (GET), /metrics, /healthz and /readyz until SIGTERM or SIGINT."""
    def given(name: str) -> bool:  # on the command line (or from click's environment/default map), not defaulted
        return ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)

    if strategy_split is not None and given("strategy"):
        raise click.UsageError("give --strategy or --strategy-split, not both (a split names every strategy it serves)")
    url = resolve(db_path, database)
    refused = _needing_postgresql(strategy_split.names if strategy_split is not None else (strategy,), url)
    if refused:
        raise click.BadParameter(_NEEDS_POSTGRESQL.format(refused[0]),
                                 param_hint="--strategy-split" if strategy_split is not None else "--strategy")
    service = settings(config_path)
    if not given("cache_url") and service.cache is not None:
        cache_url = service.cache
    if strategy_split is None and not given("strategy") and service.strategy_split is not None:
        strategy_split = service.strategy_split
        refused = _needing_postgresql(strategy_split.names, url)
        if refused:
            refuse([Problem(service.location(f"strategy_split.{name}"), _NEEDS_POSTGRESQL.format(name))
                    for name in refused])
    catalog = load_catalog(exporter_catalog(catalog_path))
    config = ServeConfig(db=url.dsn or str(url.path), host=host, port=port, strategy=strategy,
                         cache_ttl=cache_ttl, busy_timeout=busy_timeout, fault_injection=enable_fault_injection,
                         settings=service, pool_size=pool_size, cache=str(cache_url), strategy_split=strategy_split,
                         storage_options=StorageOptions(refresh_interval=refresh_interval, workers=partitions,
                                                        threshold=partition_threshold))
    try:
        run_server(catalog, config)
    except BackendMissing as exc:
        raise ToolMissing(str(exc)) from None
    except MigrationError as exc:
        click.echo(f"error: database {url.display}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_IO) from None
    except ContractError as exc:
        click.echo(f"error: the catalog does not fit the exporter: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_CATALOG) from None
    except OSError as exc:  # the address is taken or not ours
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(EXIT_IO) from None
