"""Benchmark: evaluation cost of the SLO recording rules (docs/slo.md) on a real Prometheus 2.42,
against the raw-range form of the same error ratios.

Synthetic data: 1,000 counter series (`http_requests_total{job="bench"}`: 50 instances x 4 codes x 5
routes, 2-minute spacing over 3 days), backfilled with `promtool tsdb create-blocks-from
openmetrics`, plus the two base-rate series the recorded form reads (`job:slo_bench_errors:rate5m`,
`job:slo_bench_events:rate5m`, 1-minute spacing over the same 3 days, as the recording rules would
have left them). One Prometheus runs two rule groups over it, every 5 s:

  * recorded: the generated SLO recording rules of an SLO of 99.9 % over a 3-day period (the default
    tiers: windows 5m, 30m, 1h, 2h, 6h, 1d, 3d);
  * raw: the same ratios, every window from the raw series (`sum(rate(x[w])) / sum(rate(y[w]))`).

Prints the median and maximum of `prometheus_rule_group_last_duration_seconds` of each group over
about a minute of evaluations. Asserts nothing.
Run: make bench-slo   (or .venv/bin/python -m benchmarks.bench_slo_rules [--days 3] [--seconds 60])
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import yaml

from generator.catalog import load_catalog
from generator.slo.rules import slo_rule_groups, windows

CATALOG = """\
service:
  name: bench
  team: bench
  runbook_base_url: https://runbooks.example.com/bench
  grafana: {folder: {uid: bench, title: Bench}}
  selector: {job: bench}
metrics:
  - name: http_requests_total
    type: counter
    help: Requests.
    labels:
      - {name: instance, pattern: 'i[0-9]+'}
      - {name: code, values: ["200", "404", "500", "503"]}
      - {name: route, values: [r0, r1, r2, r3, r4]}
slos:
  - name: bench
    target: 99.9
    period: 3d
    ratio:
      errors: {metric: http_requests_total, matchers: {code: {"=~": "5.."}}}
      total: {metric: http_requests_total}
"""
INSTANCES, CODES, ROUTES = 50, ("200", "404", "500", "503"), ("r0", "r1", "r2", "r3", "r4")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openmetrics(path: Path, days: float, end: int) -> int:
    """The backfill file; returns the sample count."""
    start, step, count = end - int(days * 86400), 120, 0
    with path.open("w") as out:
        out.write("# TYPE http_requests counter\n")
        for i in range(INSTANCES):
            for code in CODES:
                for route in ROUTES:
                    per_second = 0.01 if code.startswith("5") else 1.0
                    labels = f'code="{code}",instance="i{i}",job="bench",route="{route}"'
                    lines = [f"http_requests_total{{{labels}}} {per_second * (t - start):.3f} {t}\n"
                             for t in range(start, end, step)]
                    out.writelines(lines)
                    count += len(lines)
        errors = INSTANCES * len(ROUTES) * 2 * 0.01
        events = INSTANCES * len(ROUTES) * (2 * 1.0 + 2 * 0.01)
        for name, value in (("job:slo_bench_errors:rate5m", errors), ("job:slo_bench_events:rate5m", events)):
            out.write(f"# TYPE {name} gauge\n")
            lines = [f'{name}{{job="bench"}} {value} {t}\n' for t in range(start, end, 60)]
            out.writelines(lines)
            count += len(lines)
        out.write("# EOF\n")
    return count


def rule_groups(tmp: Path) -> tuple[dict, list[str]]:
    source = tmp / "bench.yaml"
    source.write_text(CATALOG)
    catalog = load_catalog(source)
    recorded = next(g for g in slo_rule_groups(catalog) if g.kind == "recording")
    slo = catalog.slos[0]
    errors = 'sum by (job) (rate(http_requests_total{job="bench", code=~"5.."}[%s]))'
    events = 'sum by (job) (rate(http_requests_total{job="bench"}[%s]))'
    raw = [{"record": f"job:slo_bench_raw_errors:ratio_rate{w}", "expr": f"{errors % w} / {events % w}"}
           for w in windows(slo)]
    raw.append({"record": f"job:slo_bench_raw_error_budget:remaining_ratio{slo.period}",
                "expr": f"1 - job:slo_bench_raw_errors:ratio_rate{slo.period} / 0.001"})
    document = {"groups": [
        {"name": "recorded", "interval": "5s", "rules": [{"record": r.record, "expr": r.expr} for r in recorded.rules]},
        {"name": "raw", "interval": "5s", "rules": raw}]}
    return document, [r.record for r in recorded.rules]


def _last_durations(text: str) -> dict[str, float]:
    """Group name -> prometheus_rule_group_last_duration_seconds, from a /metrics page."""
    out = {}
    for line in text.splitlines():
        if line.startswith("prometheus_rule_group_last_duration_seconds{"):
            labels, value = line.rsplit(" ", 1)
            group = labels.split('rule_group="', 1)[1].split('"', 1)[0].rsplit(";", 1)[-1]
            out[group] = float(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    promtool, prometheus = shutil.which("promtool"), shutil.which("prometheus")
    with tempfile.TemporaryDirectory(prefix="obsgen-bench-slo-") as name:
        tmp = Path(name)
        end = int(time.time()) - 60
        started = time.monotonic()
        samples = openmetrics(tmp / "data.om", args.days, end)
        print(f"synthetic data: {INSTANCES * len(CODES) * len(ROUTES)} series + 2 recorded, {samples:,} samples over "
              f"{args.days:g} days ({time.monotonic() - started:.1f}s to write)")
        started = time.monotonic()
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(tmp / "data.om"), str(tmp / "tsdb")],
                       check=True, capture_output=True)
        (tmp / "data.om").unlink()
        print(f"backfilled with promtool in {time.monotonic() - started:.1f}s")
        document, _ = rule_groups(tmp)
        (tmp / "rules.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
        port = _free_port()
        (tmp / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"evaluation_interval": "5s"}, "rule_files": [str(tmp / "rules.yaml")]}))
        log = open(tmp / "prometheus.log", "w")
        proc = subprocess.Popen([prometheus, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d"],
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            # prometheus_rule_group_last_duration_seconds from Prometheus' own /metrics, once per evaluation
            readings: dict[str, list[float]] = {"recorded": [], "raw": []}
            seen: dict[str, str] = {}
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                stamps = {g["name"]: g.get("lastEvaluation", "") for g in
                          requests.get(f"{url}/api/v1/rules", timeout=5).json()["data"]["groups"]}
                durations = _last_durations(requests.get(f"{url}/metrics", timeout=5).text)
                for group, values in readings.items():
                    stamp = stamps.get(group, "")
                    if stamp and not stamp.startswith("0001") and seen.get(group) != stamp and group in durations:
                        seen[group] = stamp
                        values.append(durations[group])
                time.sleep(1)
            check = requests.get(f"{url}/api/v1/query", timeout=5, params={
                "query": "job:slo_bench_errors:ratio_rate3d"}).json()["data"]["result"]
            raw_check = requests.get(f"{url}/api/v1/query", timeout=5, params={
                "query": "job:slo_bench_raw_errors:ratio_rate3d"}).json()["data"]["result"]
        finally:
            proc.terminate()
            proc.wait(30)
            log.close()
    print(f"3d error ratio: recorded {float(check[0]['value'][1]):.6f}, raw {float(raw_check[0]['value'][1]):.6f}")
    print("prometheus_rule_group_last_duration_seconds per evaluation (every 5 s):")
    print("group     rules  evaluations  median ms       min ms    max ms")
    for group, values in readings.items():
        rules = len(document["groups"][0 if group == "recorded" else 1]["rules"])
        print(f"{group:9} {rules:5}  {len(values):11}  {statistics.median(values) * 1000:9.2f}    {min(values) * 1000:9.2f}"
              f" {max(values) * 1000:9.2f}")
    ratio = statistics.median(readings["raw"]) / statistics.median(readings["recorded"])
    print(f"raw-range form / recorded form: {ratio:.1f}x (median evaluation time)")


if __name__ == "__main__":
    main()
