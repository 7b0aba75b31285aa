"""What one summary request costs the exporter, in process, for A/B comparisons on a loaded machine.

    .venv/bin/python -m benchmarks.exporter_request_cost --baseline DIR [--candidate DIR ...] [--rounds 5]

For each scenario (PostgreSQL aggregate at very_large; a Redis cache hit, the token on SQLite) and
each round, a fresh process per source tree (A B A B ...) builds the exporter from that tree
(`build_server`, logging to a file) and times, one request after another with no other request in
flight:

- `app`: `SummaryApp.handle` alone (token, database, strategy, metrics, log line, JSON), no socket;
- `http`: the whole request over a keep-alive loopback connection from a client thread of the same
  process (framing, the handler thread, the response write, the request counter).

Each is timed per request, 600 times; the p10 and the median are printed. On a machine whose
cores other work shares, the p10 is the figure to compare: interference only ever adds time, and
the luckier tenth of the requests is what the code itself costs. The run ends with the medians of
the rounds per tree. Figures only, nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from exporter import datasets, seeding, storage
from exporter.config import default_config
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 600
WARM_UP = 100

CHILD = r"""
import json, socket, sys, threading, time
from pathlib import Path
tree, scenario, db, cache, token, requests, warm = sys.argv[1:8]
sys.path.insert(0, tree)
from exporter.logs import JsonLog
from exporter.limits import ServerLimits
from exporter.server import ServeConfig, build_server
from generator.catalog import load_catalog
from exporter.cache.urls import parse_cache_url
if scenario == "pg-aggregate":
    config = ServeConfig(db=db, host="127.0.0.1", port=0, strategy="aggregate", limits=ServerLimits())
else:
    config = ServeConfig(db=db, host="127.0.0.1", port=0, strategy="cached", cache_ttl=600,
                         cache=parse_cache_url(cache), limits=ServerLimits())
log = open(sys.argv[8], "w")
server = build_server(load_catalog(Path(tree) / "catalog" / "ampel.yaml"), config, JsonLog(log))
threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True).start()
app, headers = server.app, {"host": "x", "authorization": f"Bearer {token}", "user-agent": "bench"}
path = app.contract.summary_path
request = (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nUser-Agent: bench\r\n\r\n").encode()
client = socket.create_connection(server.server_address[:2])
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

def over_http():
    client.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += client.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
    while len(body) < length:
        body += client.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head

def in_app():
    assert app.handle("GET", path, headers, b"").status == 200

out = {}
for name, call in (("app", in_app), ("http", over_http)):
    for _ in range(int(warm)):
        call()
    times = []
    for _ in range(int(requests)):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    times.sort()
    out[name] = (times[len(times) // 10] * 1e6, times[len(times) // 2] * 1e6)
client.close()
server.shutdown(); server.server_close(); app.db.close(); app.strategy.close()
print(json.dumps(out))
"""


def measure(tree: Path, scenario: str, db: str, cache: str, token: str, workdir: Path) -> dict:
    log = workdir / "request-cost.log"
    done = subprocess.run([sys.executable, "-c", CHILD, str(tree), scenario, db, cache, token, str(REQUESTS),
                           str(WARM_UP), str(log)], capture_output=True, text=True, timeout=600, cwd=tree)
    if done.returncode != 0:
        raise SystemExit(f"{tree} {scenario}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="source tree A")
    parser.add_argument("--candidate", action="append", type=Path, help="source tree B (default: this one), C, ...")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", action="append", choices=("pg-aggregate", "redis-hit"))
    opts = parser.parse_args(argv)
    trees = {"A": opts.baseline.resolve()}
    trees.update({chr(ord("B") + i): t.resolve() for i, t in enumerate(opts.candidate or [ROOT])})
    config = default_config()
    workdir = Path(tempfile.mkdtemp(prefix="bench-request-cost-"))
    try:
        sqlite_db = workdir / "ampel.db"
        seeding.seed(sqlite_db, datasets.select(config, ["very_large"]))
        with PostgresServer(settings={"shared_buffers": "256MB"}) as pg, RedisServer(workdir / "redis") as rs:
            storage.seed(storage.parse(pg.url), datasets.select(config, ["very_large"]))
            token = config.dataset("very_large").token
            print(f"# {os.cpu_count()} cores; " + ", ".join(f"{k} = {v}" for k, v in trees.items())
                  + f"; {REQUESTS} sequential requests per measure; load average {_load()}", flush=True)
            for scenario in opts.scenario or ("pg-aggregate", "redis-hit"):
                db = pg.url if scenario == "pg-aggregate" else str(sqlite_db)
                print(f"\n## {scenario} (µs per request)\n{'side':<5} {'app p10':>9} {'app p50':>9} "
                      f"{'http p10':>9} {'http p50':>9}  load")
                found: dict[str, list[dict]] = {side: [] for side in trees}
                for _ in range(opts.rounds):
                    for side, tree in trees.items():
                        r = measure(tree, scenario, db, rs.url, token, workdir)
                        found[side].append(r)
                        print(f"{side:<5} {r['app'][0]:>9.0f} {r['app'][1]:>9.0f} {r['http'][0]:>9.0f} "
                              f"{r['http'][1]:>9.0f}  {_load()}", flush=True)
                for side, runs in found.items():
                    med = [statistics.median(r[k][i] for r in runs) for k in ("app", "http") for i in (0, 1)]
                    print(f"{side + '~':<5} " + " ".join(f"{v:>9.0f}" for v in med) + f"  (medians of {len(runs)})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
