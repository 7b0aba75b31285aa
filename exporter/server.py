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
from exporter.database import Database, DatabaseUnavailable, open_or_create
from exporter.faults import Faults
from exporter.http_server import ExporterServer
from exporter.limits import LimitError, ServerLimits, limits_from_env
from exporter.logs import JsonLog
from exporter.strategies import make_strategy
from generator.model import Catalog

LOG_TARGET = "exporter.server"


@dataclass(frozen=True)
class ServeConfig:
    db: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    strategy: str = "aggregate"
    cache_ttl: float = 5.0
    busy_timeout: float = 1.0
    fault_injection: bool = False
    limits: ServerLimits | None = None  # None: from the environment (OBSGEN_SERVE_*), else the defaults
    settings: ExporterConfig | None = None  # None: the shipped exporter.yaml


def build_server(catalog: Catalog, config: ServeConfig, log: JsonLog) -> ExporterServer:
    """Everything but the serving loop; binds the socket (port 0 picks a free one).

    Raises LimitError for a bad limit in the environment, before anything is opened."""
    limits = config.limits or limits_from_env(os.environ)
    contract = load_contract(catalog, OTHER_ROUTES, config.settings or default_config())
    try:
        open_or_create(config.db)
    except DatabaseUnavailable as exc:  # serve anyway: /readyz and the summary answer 503 until it is back
        log.event("ERROR", "Database unavailable at start", target=LOG_TARGET, error=str(exc))
    db = Database(config.db, busy_timeout=config.busy_timeout)
    strategy = make_strategy(config.strategy, config.cache_ttl)
    app = SummaryApp(contract, db, strategy, log, Faults() if config.fault_injection else None)
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
    log.event("INFO", "listening", target=LOG_TARGET, url=server.url, strategy=config.strategy, db=str(config.db),
              fault_injection=config.fault_injection, request_timeout=server.limits.request_timeout,
              max_connections=server.limits.max_connections)
    try:
        stop.wait()
    finally:
        server.shutdown()
        loop.join()
        server.server_close()
        server.app.db.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.event("INFO", "stopped", target=LOG_TARGET, url=server.url)
