"""Benchmark of the exporter's summary cache: cache-hit latency and the hit rate under a read and
invalidation mix, in process (memory://) and in Redis (redis://, a real redis-server).

    .venv/bin/python -m benchmarks.exporter_cache [--duration 5] [--vus 10]

Seeds the configuration's default datasets (four users, one per tier) into a temporary SQLite file, starts a
redis-server on a free port in a temp dir, and for each backend starts `obsgen-exporter serve
--strategy cached`. k6 from the venv drives it with 10 clients; each request picks one of the four
users at random.

- "hits": reads only, after one warm-up read per user, TTL 600 s: every measured summary is a cache
  hit. Paced (each client waits a random 0-200 ms, mean 100 ms: dashboards refreshing) and
  saturated (no pause: the capacity).
- "mix": paced reads with a share of `POST /api/dashboard/invalidate` (a pull request changed),
  TTL 5 s (the exporter's default). The hit rate is the exporter's own counter,
  hits / (hits + misses + errors), over the cell. The plan's 85-95 % is expected around a 5 %
  share (one change per 20 dashboard reads); 1 % and 20 % show the range either side.

Prints client-side p50/p95/p99 of the summary reads (k6 http_req_duration, tagged), the server-side
p95 of the reads (the log's duration_ms: token lookup plus cache or computation, without the HTTP
stack and k6), requests/s, failed requests and the hit rate. Figures, not a test: nothing here asserts a target.
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

import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from exporter import datasets, seeding
from exporter.process import ExporterProcess
from exporter.config import default_config
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
K6 = Path(sys.executable).parent / "k6"
TIERS = ("small", "medium", "large", "very_large")
PACED = 0.1  # mean seconds each client waits between requests (uniform in [0, 0.2])
TARGET_HIT_P95_MS = 2.0
TARGET_HIT_RATE = 0.85

K6_SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: Number(__ENV.VUS),
  duration: __ENV.DURATION,
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(95)', 'p(99)', 'avg', 'max'],
  // a threshold per request name makes k6 export that name's own trend
  thresholds: { 'http_req_duration{name:summary}': ['max>=0'], 'http_req_duration{name:invalidate}': ['max>=0'] },
};

const tokens = __ENV.TOKENS.split(',');
const share = Number(__ENV.INVALIDATE);

export default function () {
  const params = { headers: { Authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}` } };
  if (share > 0 && Math.random() < share) {
    const res = http.post(`${__ENV.BASE_URL}/api/dashboard/invalidate`, null, { ...params, tags: { name: 'invalidate' } });
    check(res, { 'invalidated': (r) => r.status === 200 });
  } else {
    const res = http.get(`${__ENV.BASE_URL}/api/dashboard/summary`, { ...params, tags: { name: 'summary' } });
    check(res, { 'summary 200': (r) => r.status === 200 });
  }
  if (Number(__ENV.PAUSE) > 0) sleep(Number(__ENV.PAUSE) * 2 * Math.random());
}
"""


def run_k6(url: str, tokens: list[str], vus: int, duration: float, pause: float, invalidate: float,
           workdir: Path) -> dict:
    script = workdir / "cache.js"
    script.write_text(K6_SCRIPT)
    export = workdir / "k6-summary.json"
    cmd = [str(K6), "run", "--no-usage-report", "--quiet", "--summary-export", str(export),
           "-e", f"BASE_URL={url}", "-e", f"TOKENS={','.join(tokens)}", "-e", f"VUS={vus}",
           "-e", f"DURATION={duration}s", "-e", f"PAUSE={pause}", "-e", f"INVALIDATE={invalidate}", str(script)]
    subprocess.run(cmd, check=True, env=dict(os.environ, K6_NO_USAGE_REPORT="true"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = json.loads(export.read_text())["metrics"]
    reads = metrics["http_req_duration{name:summary}"]
    return {"p50": reads["p(50)"], "p95": reads["p(95)"], "p99": reads["p(99)"],
            "rps": metrics["http_reqs"]["rate"], "failed": metrics["http_req_failed"]["value"]}


def lookups(url: str) -> dict[str, float]:
    text = requests.get(url + "/metrics", timeout=5).text
    return {s.labels["result"]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == "ampel_dashboard_cache_requests_total"}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def server_p95(exporter: ExporterProcess, skip: int) -> float:
    durations = [r["duration_ms"] for r in exporter.records()[skip:] if r.get("message") == "Dashboard summary generated"]
    return percentile(durations, 0.95)


def hit_rate(before: dict[str, float], after: dict[str, float]) -> tuple[float, dict[str, int]]:
    delta = {k: int(after[k] - before.get(k, 0)) for k in after}
    total = sum(delta.values())
    return (delta.get("hit", 0) / total if total else float("nan")), delta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default=str(ROOT / "catalog" / "ampel.yaml"))
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per cell")
    parser.add_argument("--vus", type=int, default=10, help="concurrent k6 clients")
    args = parser.parse_args(argv)
    if not K6.exists():
        raise SystemExit(f"k6 not found at {K6}: run `make setup`")
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server not found: run `make setup` (it installs the Debian package redis-server)")
    chosen = datasets.select(default_config(), list(TIERS))
    workdir = Path(tempfile.mkdtemp(prefix="bench-exporter-cache-"))
    rows = []
    try:
        db = workdir / "ampel.db"
        seeded = list(seeding.seed(db, chosen))
        tokens = [s.dataset.token for s in seeded]
        print(f"# {os.cpu_count()} cores; {len(tokens)} users ({', '.join(TIERS)}); k6 {args.vus} VUs x "
              f"{args.duration:g}s per cell; paced = random 0-{2 * PACED:g}s between requests", flush=True)
        print(f"\n{'backend':<8} {'cell':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'failed':>7} "
              f"{'server p95':>10} {'hit rate':>9}  lookups (hit/miss/error)")
        with RedisServer(workdir / "redis") as redis_server:
            for backend, url in (("memory", "memory://"), ("redis", redis_server.url)):
                cells = [("hits", "paced", PACED, 0.0, "600"), ("hits", "saturated", 0.0, 0.0, "600"),
                         ("mix", "1% invalidations", PACED, 0.01, "5"), ("mix", "5% invalidations", PACED, 0.05, "5"),
                         ("mix", "20% invalidations", PACED, 0.20, "5")]
                for number, (kind, label, pause, share, ttl) in enumerate(cells):
                    log = workdir / f"serve-{backend}-{number}.log"  # one per cell: the URL is read from it
                    with ExporterProcess(db, log, "--strategy", "cached", "--cache", url, "--cache-ttl", ttl,
                                         catalog=args.catalog) as exporter:
                        for token in tokens:  # warm-up: one miss per user
                            requests.get(exporter.url + "/api/dashboard/summary", timeout=10,
                                         headers={"Authorization": f"Bearer {token}"}).raise_for_status()
                        before, seen = lookups(exporter.url), len(exporter.records())
                        r = run_k6(exporter.url, tokens, args.vus, args.duration, pause, share, workdir)
                        rate, delta = hit_rate(before, lookups(exporter.url))
                        r["server_p95"] = server_p95(exporter, seen)
                    if backend == "redis":
                        redis.Redis(port=redis_server.port).flushall()  # each cell starts cold
                    cell = f"{kind} {label}"
                    rows.append((backend, cell, r, rate))
                    print(f"{backend:<8} {cell:<22} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f} {r['rps']:>7.0f} "
                          f"{r['failed']:>7.2%} {r['server_p95']:>10.2f} {rate:>9.1%}  {delta.get('hit', 0)}/{delta.get('miss', 0)}/"
                          f"{delta.get('error', 0)}", flush=True)
        print("\n## Against the targets")
        hit = next(r for b, c, r, _ in rows if b == "redis" and c == "hits paced")
        mix = next(rate for b, c, _, rate in rows if b == "redis" and c == "mix 5% invalidations")
        print(f"Redis cache hit p95, 10 clients paced: {hit['p95']:.2f} ms client, {hit['server_p95']:.2f} ms server "
              f"(target <= {TARGET_HIT_P95_MS:g} ms): {'met' if hit['p95'] <= TARGET_HIT_P95_MS else 'NOT met'} client side; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"hit rate, Redis, 5% invalidations: {mix:.1%} (target >= {TARGET_HIT_RATE:.0%}): "
              f"{'met' if mix >= TARGET_HIT_RATE else 'NOT met'}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
