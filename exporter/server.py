"""Run the service: open the database, build the app from the catalog, serve until SIGTERM/SIGINT."""
from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import click

from exporter import DEFAULT_HOST, DEFAULT_PORT
from exporter.app import OTHER_ROUTES, SummaryApp
from exporter.config import ExporterConfig, default_config
from exporter.contract import load_contract
from exporter import storage
from exporter.database import DatabaseUnavailable
from exporter.faults import Faults
from exporter.http_server import ExporterServer
from exporter.limits import LimitError, ServerLimits, limits_from_env
from exporter.logs import JsonLog
from exporter.storage.strategies import STORAGE_STRATEGIES, StorageOptions, make_storage_strategy
from exporter.cache import DEFAULT_CACHE_URL, open_cache
from exporter.rollout import Rollout, Split, parse_split
from exporter.strategies import STRATEGIES, make_strategy
from generator.model import Catalog

LOG_TARGET = "exporter.server"


@dataclass(frozen=True)
class ServeConfig:
    db: Path | str  # a SQLite path or a database URL (exporter.storage.url)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    strategy: str = "aggregate"
    cache_ttl: float = 5.0
    busy_timeout: float = 1.0
    fault_injection: bool = False
    cache: str = DEFAULT_CACHE_URL  # where the cached strategy keeps its entries: memory:// or redis://host:port/db
    strategy_split: Split | None = None  # the A/B rollout; None: `strategy` serves everyone
    limits: ServerLimits | None = None  # None: from the environment (OBSGEN_SERVE_*), else the defaults
    pool_size: int = storage.DEFAULT_POOL_SIZE  # PostgreSQL connections at most
    storage_options: StorageOptions = StorageOptions()  # the partitioned and materialized strategies
    settings: ExporterConfig | None = None  # None: the shipped exporter.yaml


def _split(config: ServeConfig) -> Split:
    """The strategies served: the A/B split, or `strategy` for everyone."""
    return config.strategy_split or parse_split(f"{config.strategy}=100", STRATEGIES + STORAGE_STRATEGIES)


def build_server(catalog: Catalog, config: ServeConfig, log: JsonLog) -> ExporterServer:
    """Everything but the serving loop; binds the socket (port 0 picks a free one).

    Raises LimitError for a bad limit in the environment, before anything is opened."""
    limits = config.limits or limits_from_env(os.environ)
    contract = load_contract(catalog, OTHER_ROUTES, config.settings or default_config())
    split = _split(config)
    contract.check_strategies(split.names, "cached" in split.names)
    url = storage.parse(config.db)
    try:
        storage.prepare(url)  # creates (SQLite) and migrates; a schema newer than ours is MigrationError
    except DatabaseUnavailable as exc:  # serve anyway: /readyz and the summary answer 503 until it is back
        log.event("ERROR", "Database unavailable at start", target=LOG_TARGET, error=str(exc))
    db = storage.open_database(url, busy_timeout=config.busy_timeout, pool_size=config.pool_size, log=log)
    cache = open_cache(config.cache) if "cached" in split.names else None

    def strategy(name: str):
        if name in STORAGE_STRATEGIES:
            return make_storage_strategy(name, db, config.storage_options, log)
        return make_strategy(name, config.cache_ttl, cache)

    rollout = Rollout(split, {name: strategy(name) for name in split.names})
    app = SummaryApp(contract, db, rollout, log, Faults() if config.fault_injection else None)
    return ExporterServer((config.host, config.port), app, limits)


def serve(catalog: Catalog, config: ServeConfig, log: JsonLog | None = None) -> None:
    log = log or JsonLog()
    try:
        server = build_server(catalog, config, log)
    except LimitError as exc:  # the environment is part of the command line: a usage error (exit 2)
        raise click.UsageError(str(exc)) from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="serve")
    loop.start()
    log.event("INFO", "listening", target=LOG_TARGET, url=server.url, strategy=str(_split(config)), cache=config.cache,
              db=storage.parse(config.db).display,
              fault_injection=config.fault_injection, request_timeout=server.limits.request_timeout,
              max_connections=server.limits.max_connections)
    try:
        stop.wait()
    finally:
        server.shutdown()
        loop.join()
        server.server_close()
        server.app.db.close()
        server.app.strategy.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.event("INFO", "stopped", target=LOG_TARGET, url=server.url)
