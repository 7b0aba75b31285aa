"""Interleaved A/B runs of the exporter's request path: two source trees, the same servers, the same load.

    .venv/bin/python -m benchmarks.exporter_ab --baseline DIR [--candidate DIR ...] [--scenario NAME ...]
        [--rounds 5] [--requests 1500] [--pause 0.1] [--vus 10]

DIR is a source tree of this repository (e.g. `git worktree add` or `git archive main | tar -x`); the
candidate defaults to this one; more candidates make C, D, ... One throw-away PostgreSQL (very_large seeded; xl too for the
`pg-materialized-xl` scenario), one redis-server and one SQLite file serve both sides. Each round
starts `obsgen-exporter serve` from the baseline, then from each candidate (A B A B ...), warms it
up, and sends the same fixed number of summary requests with k6 (shared iterations, `--vus`
clients, a random 0-2x`--pause` s between requests per client; `--vus 1 --pause 0` sends them one
after another: the CPU of one request without contention between request threads). Per run it
records:

- the exporter's CPU (user + sys of the whole process, /proc/PID/stat) per 1,000 requests, and the
  database server's (the PostgreSQL backends', or redis-server's) likewise: the robust figures on a
  shared machine;
- the server-side p95 (the log's duration_ms: token lookup to summary, without the HTTP stack);
- the client-side p50/p95 from k6 (includes k6's own CPU and every other process' queueing).

Prints every run and the medians per side, with the load average. Figures only, nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from exporter import datasets, seeding, storage
from exporter.config import default_config
from exporter.process import ExporterProcess
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
K6 = Path(sys.executable).parent / "k6"
TICK = os.sysconf("SC_CLK_TCK")
TIERS = ("small", "medium", "large", "very_large")
# scenario -> (backend, serve arguments, datasets whose tokens the clients use)
SCENARIOS = {
    "pg-aggregate": ("postgresql", ("--strategy", "aggregate"), ("very_large",)),
    "redis-hit": ("sqlite", ("--strategy", "cached", "--cache", "REDIS", "--cache-ttl", "600"), TIERS),
    "pg-materialized-xl": ("postgresql", ("--strategy", "materialized"), ("xl",)),
}

K6_SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  scenarios: { ab: { executor: 'shared-iterations', vus: Number(__ENV.VUS), iterations: Number(__ENV.ITERATIONS),
                     maxDuration: '600s' } },
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(95)', 'p(99)', 'avg', 'max'],
};
const tokens = __ENV.TOKENS.split(',');

export default function () {
  const token = tokens[Math.floor(Math.random() * tokens.length)];
  const res = http.get(`${__ENV.BASE_URL}/api/dashboard/summary`, { headers: { Authorization: `Bearer ${token}` } });
  check(res, { 'status is 200': (r) => r.status === 200 });
  if (Number(__ENV.PAUSE) > 0) sleep(Number(__ENV.PAUSE) * 2 * Math.random());
}
"""


class TreeExporter(ExporterProcess):
    """`obsgen-exporter serve` run from the source tree `tree` rather than the installed package."""

    def __init__(self, tree: Path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree

    def command(self) -> list[str]:
        cmd = super().command()
        boot = (f"import sys; sys.path.insert(0, {str(self.tree)!r}); sys.argv[0] = 'obsgen-exporter'; "
                "from exporter.cli import main; main()")
        return [sys.executable, "-c", boot, *cmd[1:]]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads, dead ones included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children_cpu(parent: int) -> dict[int, float]:
    """pid -> CPU seconds of every child of `parent` (a postmaster's backends)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            out[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else float("nan")


def run_k6(url: str, tokens: list[str], vus: int, iterations: int, pause: float, workdir: Path) -> dict:
    script = workdir / "ab.js"
    script.write_text(K6_SCRIPT)
    export = workdir / "k6-ab.json"
    cmd = [str(K6), "run", "--no-usage-report", "--quiet", "--summary-export", str(export),
           "-e", f"BASE_URL={url}", "-e", f"TOKENS={','.join(tokens)}", "-e", f"VUS={vus}",
           "-e", f"ITERATIONS={iterations}", "-e", f"PAUSE={pause}", str(script)]
    subprocess.run(cmd, check=True, env=dict(os.environ, K6_NO_USAGE_REPORT="true"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = json.loads(export.read_text())["metrics"]
    trend = metrics["http_req_duration"]
    return {"p50": trend["p(50)"], "p95": trend["p(95)"], "failed": metrics["http_req_failed"]["value"],
            "requests": metrics["http_reqs"]["count"]}


def one_run(tree: Path, db_url: str, args: tuple[str, ...], tokens: list[str], opts, workdir: Path,
            server_cpu) -> dict:
    log = workdir / f"ab-{time.monotonic_ns()}.log"
    with TreeExporter(tree, db_url, log, *args, catalog=tree / "catalog" / "ampel.yaml", start_timeout=60) as exporter:
        for _ in range(20):  # warm-up: pool connections, prepared statements, cache entries
            for token in tokens:
                requests.get(exporter.url + "/api/dashboard/summary", timeout=10,
                             headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        seen = len(exporter.records())
        cpu, db_cpu = cpu_seconds(exporter.proc.pid), server_cpu()
        r = run_k6(exporter.url, tokens, opts.vus, opts.requests, opts.pause, workdir)
        r["cpu"] = (cpu_seconds(exporter.proc.pid) - cpu) / r["requests"] * 1000
        r["db_cpu"] = _delta(db_cpu, server_cpu()) / r["requests"] * 1000
        durations = [x["duration_ms"] for x in exporter.records()[seen:]
                     if x.get("message") == "Dashboard summary generated"]
        r["server_p95"] = percentile(durations, 0.95)
        r["server_p50"] = percentile(durations, 0.50)
    return r


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="source tree A")
    parser.add_argument("--candidate", action="append", type=Path,
                        help="source tree B (default: this one); repeat for C, D, ... (each run in turn)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="default: pg-aggregate, redis-hit")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500, help="summary requests per run")
    parser.add_argument("--vus", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.1, help="mean seconds between a client's requests")
    opts = parser.parse_args(argv)
    scenarios = opts.scenario or ["pg-aggregate", "redis-hit"]
    trees = {"A": opts.baseline.resolve()}
    trees.update({chr(ord("B") + i): tree.resolve() for i, tree in enumerate(opts.candidate or [ROOT])})
    config = default_config()
    workdir = Path(tempfile.mkdtemp(prefix="bench-exporter-ab-"))
    try:
        sqlite_db = workdir / "ampel.db"
        seeding.seed(sqlite_db, datasets.select(config, list(TIERS)))
        pg_sets = ["very_large"] + (["xl"] if "pg-materialized-xl" in scenarios else [])
        with PostgresServer(settings={"shared_buffers": "256MB"}) as pg, RedisServer(workdir / "redis") as rs:
            storage.seed(storage.parse(pg.url), datasets.select(config, pg_sets))
            sides = ", ".join(f"{side} = {tree}" for side, tree in trees.items())
            print(f"# {os.cpu_count()} cores; {sides}; {opts.requests} requests per run, "
                  f"{opts.vus} clients, pause 0-{2 * opts.pause:g}s; load average {_load()} at the start", flush=True)
            for scenario in scenarios:
                backend, serve_args, names = SCENARIOS[scenario]
                serve_args = tuple(rs.url if a == "REDIS" else a for a in serve_args)
                db_url = pg.url if backend == "postgresql" else str(sqlite_db)
                tokens = [config.dataset(n).token for n in names]
                if backend == "postgresql":
                    postmaster = pg._postmaster_pid()
                    server_cpu = lambda: children_cpu(postmaster)  # noqa: E731
                else:
                    server_cpu = lambda: {rs.proc.pid: cpu_seconds(rs.proc.pid)}  # noqa: E731
                print(f"\n## {scenario}\n{'side':<5} {'cpu ms/1k':>10} {'db cpu/1k':>10} {'srv p50':>8} "
                      f"{'srv p95':>8} {'k6 p50':>8} {'k6 p95':>8} {'failed':>7}  load")
                runs: dict[str, list[dict]] = {side: [] for side in trees}
                for _ in range(opts.rounds):
                    for side, tree in trees.items():
                        r = one_run(tree, db_url, serve_args, tokens, opts, workdir, server_cpu)
                        runs[side].append(r)
                        print(f"{side:<5} {r['cpu'] * 1000:>10.1f} {r['db_cpu'] * 1000:>10.1f} {r['server_p50']:>8.3f} "
                              f"{r['server_p95']:>8.3f} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['failed']:>7.2%}  {_load()}",
                              flush=True)
                for side, found in runs.items():
                    med = {k: statistics.median(x[k] for x in found) for k in ("cpu", "db_cpu", "server_p50",
                                                                               "server_p95", "p50", "p95")}
                    print(f"{side + '~':<5} {med['cpu'] * 1000:>10.1f} {med['db_cpu'] * 1000:>10.1f} "
                          f"{med['server_p50']:>8.3f} {med['server_p95']:>8.3f} {med['p50']:>8.2f} {med['p95']:>8.2f}"
                          f"          (medians of {len(found)})", flush=True)
        print(f"\n# load average {_load()} at the end")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
