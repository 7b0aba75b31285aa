"""Benchmark of the exporter's storage: every strategy on SQLite and PostgreSQL 15, at the catalog's
very_large tier (200 repos / 4,000 PRs) and at xl (10,000 repos / 1,000,000 PRs).

    .venv/bin/python -m benchmarks.exporter_database [--duration 5] [--vus 10] [--dataset very_large]

Starts a throw-away PostgreSQL (tests/support/postgres_server.py: initdb + pg_ctl on a free port),
seeds both backends with the same rows, then prints:
1. one request alone, in process (median of repeated runs): milliseconds and SQL statements per
   summary, per backend, strategy and dataset; the materialized view's refresh time;
2. P4 alone: the one-query aggregate against the partitioned summary with one client, where the
   partitions have idle cores to run on;
3. under load: `obsgen-exporter serve` per backend and strategy, driven by k6 from the venv with
   10 clients, "saturated" (each client sends its next request as soon as the answer arrives) and
   "paced" (each waits a random 0-200 ms between requests, like dashboards refreshing); client-side
   p50/p95/p99, req/s, failures, and the server-side p95 from the log's duration_ms;
4. the ratios (naive / aggregate on PostgreSQL, the P3 and P4 speed-ups) and the issue's targets.
Figures only: nothing here fails on a slow machine. Naive is not load-tested at xl (one request
issues 200,000 statements).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_exporter import K6, run_k6, server_side_p95
from exporter import datasets, storage
from exporter.auth import find_user
from exporter.config import default_config
from exporter.process import ExporterProcess
from exporter.storage.materialized import MaterializedViewStrategy
from exporter.storage.partitioned import PartitionedStrategy
from exporter.strategies import make_strategy
from tests.support.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
MODES = {"saturated": 0.0, "paced": 0.1}
BACKENDS = ("sqlite", "postgresql")
STRATEGIES = {"sqlite": ("naive", "aggregate", "partitioned"),
              "postgresql": ("naive", "aggregate", "partitioned", "materialized")}
NAIVE_LIMIT = 100_000  # PRs: above it naive is timed once in process, not load-tested
PG_SETTINGS = {"shared_buffers": "256MB", "max_connections": "100"}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _median_ms(fn, runs: int) -> float:
    fn()  # warm: plans, prepared statements, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _strategy(db, name: str, threshold: int = 0):
    if name == "partitioned":
        return PartitionedStrategy(db, threshold=threshold)
    if name == "materialized":
        return MaterializedViewStrategy(db, refresh_interval=3600, listen=False)
    return make_strategy(name)


def in_process(urls: dict[str, str], seeded_prs: dict[str, int]) -> dict:
    """(backend, dataset, strategy) -> (ms for one request, statements); also the view's refresh ms."""
    out: dict = {}
    for backend in BACKENDS:
        db = storage.open_database(storage.parse(urls[backend]))
        try:
            for name in seeded_prs:
                reference = None
                for strategy_name in STRATEGIES[backend]:
                    strategy = _strategy(db, strategy_name)
                    with db.session() as session:
                        user = find_user(session, datasets.token_for(name))
                        before = session.queries
                        started = time.perf_counter()
                        result = strategy.summary(session, user)
                        ms = (time.perf_counter() - started) * 1000
                        statements = session.queries - before
                        if strategy_name != "naive" or seeded_prs[name] <= NAIVE_LIMIT:  # naive xl: once is plenty
                            ms = _median_ms(lambda: strategy.summary(session, user), 3 if strategy_name == "naive" else 30)
                    if reference is not None and result != reference:
                        raise SystemExit(f"{backend} {name}: {strategy_name} disagrees: {result} != {reference}")
                    reference = result
                    out[backend, name, strategy_name] = (ms, statements)
            if backend == "postgresql":
                refresher = MaterializedViewStrategy(db, refresh_interval=3600, listen=False).refresher
                out["refresh_ms"] = _median_ms(refresher.refresh_now, 3)
        finally:
            db.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default=str(ROOT / "catalog" / "ampel.yaml"))
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per cell")
    parser.add_argument("--vus", type=int, default=10, help="concurrent k6 clients")
    parser.add_argument("--dataset", action="append", choices=("very_large", "xl"),
                        help="dataset to run (default: both)")
    args = parser.parse_args(argv)
    if not K6.exists():
        raise SystemExit(f"k6 not found at {K6}: run `make setup`")
    chosen = datasets.select(default_config(), args.dataset or ["very_large", "xl"])
    names = [d.name for d in chosen]
    workdir = Path(tempfile.mkdtemp(prefix="bench-exporter-db-"))
    try:
        with PostgresServer(settings=PG_SETTINGS) as pg:
            urls = {"sqlite": str(workdir / "ampel.db"), "postgresql": pg.url}
            print(f"# {os.cpu_count()} cores, load average {_load()} at the start; PostgreSQL 15 on 127.0.0.1 "
                  f"(fsync off), SQLite in {workdir}", flush=True)
            seeded = {}
            for backend in BACKENDS:
                started = time.perf_counter()
                seeded = {s.dataset.name: s for s in storage.seed(storage.parse(urls[backend]), chosen)}
                print(f"# seeded {', '.join(names)} into {backend} in {time.perf_counter() - started:.1f}s", flush=True)
            report(args, urls, names, seeded, workdir)
            print(f"\n# load average {_load()} at the end (other processes share the cores: figures under load "
                  "include their queueing)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(args, urls: dict[str, str], names: list[str], seeded: dict, workdir: Path) -> None:
    one = in_process(urls, {name: seeded[name].dataset.prs for name in names})
    print("\n## One request alone, in process (median; SQL statements per summary, + 1 for the token)")
    print(f"{'backend':<11} {'dataset':<11} {'strategy':<13} {'ms':>10} {'statements':>11}")
    for (key, value) in one.items():
        if key == "refresh_ms":
            continue
        backend, name, strategy = key
        print(f"{backend:<11} {name:<11} {strategy:<13} {value[0]:>10.2f} {value[1]:>11}")
    print(f"materialized view refresh (REFRESH ... CONCURRENTLY, all datasets): {one['refresh_ms']:.0f} ms")

    print("\n## P4 with one client: aggregate (one query) vs partitioned (threshold 0), in process")
    for backend in BACKENDS:
        for name in names:
            agg, part = one[backend, name, "aggregate"][0], one[backend, name, "partitioned"][0]
            print(f"{backend:<11} {name:<11} aggregate {agg:8.2f} ms  partitioned {part:8.2f} ms  "
                  f"speed-up x{agg / part:.2f}")

    print(f"\n## Under load: k6, {args.vus} clients x {args.duration:g}s per cell (client side; server p95 from "
          "the log's duration_ms)")
    print(f"{'backend':<11} {'strategy':<13} {'dataset':<11} {'mode':<9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>7} {'failed':>7} {'server p95':>10}")
    load: dict = {}
    for backend in BACKENDS:
        for strategy in STRATEGIES[backend]:
            log_path = workdir / f"serve-{backend}-{strategy}.log"
            with ExporterProcess(urls[backend], log_path, "--strategy", strategy, catalog=args.catalog,
                                 start_timeout=60) as exporter:
                seen = len(exporter.records())
                for name in names:
                    d = seeded[name]
                    if strategy == "naive" and d.dataset.prs > NAIVE_LIMIT:
                        ms, statements = one[backend, name, "naive"]
                        print(f"{backend:<11} {strategy:<13} {name:<11} not load-tested: one request alone takes "
                              f"{ms / 1000:.1f}s ({statements} statements)", flush=True)
                        continue
                    for mode, pause in MODES.items():
                        r = run_k6(exporter.url, d.dataset.token, args.vus, args.duration, pause, workdir)
                        server_p95, seen = server_side_p95(exporter, seen, d.user_uuid)
                        load[backend, strategy, name, mode] = r["p95"]
                        print(f"{backend:<11} {strategy:<13} {name:<11} {mode:<9} {r['p50']:>8.2f} {r['p95']:>8.2f} "
                              f"{r['p99']:>8.2f} {r['rps']:>7.0f} {r['failed']:>7.2%} {server_p95:>10.2f}", flush=True)
    ratios(load, one, names)


def _ratio(a: float | None, b: float | None) -> str:
    return f"x{a / b:.1f}" if a and b else "-"


def ratios(load: dict, one: dict, names: list[str]) -> None:
    print("\n## Ratios (p95 under load, both modes; one request alone in process)")
    for name in names:
        for mode in MODES:
            pg = lambda s: load.get(("postgresql", s, name, mode))  # noqa: E731
            print(f"{name:<11} {mode:<9} naive/aggregate PostgreSQL {_ratio(pg('naive'), pg('aggregate')):>8}   "
                  f"P3 aggregate/materialized {_ratio(pg('aggregate'), pg('materialized')):>8}   "
                  f"P4 aggregate/partitioned PostgreSQL {_ratio(pg('aggregate'), pg('partitioned')):>6} "
                  f"SQLite {_ratio(load.get(('sqlite', 'aggregate', name, mode)), load.get(('sqlite', 'partitioned', name, mode))):>6}")
        alone = lambda b, s: one[b, name, s][0]  # noqa: E731
        print(f"{name:<11} {'alone':<9} naive/aggregate PostgreSQL "
              f"{_ratio(alone('postgresql', 'naive'), alone('postgresql', 'aggregate')):>8}   "
              f"P3 aggregate/materialized {_ratio(alone('postgresql', 'aggregate'), alone('postgresql', 'materialized')):>8}   "
              f"P4 aggregate/partitioned PostgreSQL "
              f"{_ratio(alone('postgresql', 'aggregate'), alone('postgresql', 'partitioned')):>6} "
              f"SQLite {_ratio(alone('sqlite', 'aggregate'), alone('sqlite', 'partitioned')):>6}")

    print(f"\n## Targets ({os.cpu_count()} cores, p95, 10 clients)")
    targets = [
        ("PostgreSQL aggregate, 200 repos / 4,000 PRs", ("postgresql", "aggregate", "very_large"), "<=", 10.0, "ms"),
        ("PostgreSQL materialized view, 1,000,000 PRs", ("postgresql", "materialized", "xl"), "<=", 10.0, "ms"),
    ]
    for label, key, _, limit, unit in targets:
        for mode in MODES:
            value = load.get((*key, mode))
            verdict = "-" if value is None else ("met" if value <= limit else "MISSED")
            shown = "-" if value is None else f"{value:.2f} {unit}"
            print(f"{label:<46} {mode:<9} {shown:>10}  target <= {limit:g} {unit}: {verdict}")
    for mode in MODES:
        naive = load.get(("postgresql", "naive", "very_large", mode))
        agg = load.get(("postgresql", "aggregate", "very_large", mode))
        value = naive / agg if naive and agg else None
        verdict = "-" if value is None else ("met" if value >= 20 else "MISSED")
        shown = "-" if value is None else f"x{value:.1f}"
        print(f"{'naive / aggregate, PostgreSQL, very_large':<46} {mode:<9} {shown:>10}  target >= 20: {verdict}")


if __name__ == "__main__":
    sys.exit(main())
