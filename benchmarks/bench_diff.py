"""Benchmark: the semantic diff on synthetic rule files and dashboards of growing size, a tenth of
the alerts and panels changed (thresholds and queries): CPU and wall time of compare + markdown,
time per item (linear when it stays flat) and the process's peak RSS after each size.

Run: make bench-diff   (or .venv/bin/python -m benchmarks.bench_diff [--sizes 100,1000,5000,10000])
Each size N means N alerts (in files of 100) and N panels (in dashboards of 40). Prints figures;
asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time

import yaml

from generator.diff import compare
from generator.diff.formatters import FORMATS


def rule_files(alerts: int, changed: bool) -> dict[str, str]:
    out = {}
    for start in range(0, alerts, 100):
        rules = []
        for n in range(start, min(start + 100, alerts)):
            threshold = 0.75 if changed and n % 10 == 0 else 0.5
            rules.append({
                "alert": f"Synthetic{n}",
                "expr": f'sum by (job) (rate(m{n}_errors_total{{job="s"}}[5m])) / sum by (job) (rate(m{n}_total{{job="s"}}[5m])) > {threshold}',
                "for": "5m", "labels": {"severity": "warning"}, "annotations": {"summary": f"metric {n} fails"}})
        out[f"alerts/synthetic-{start // 100}.yaml"] = yaml.safe_dump({"groups": [{"name": f"g{start // 100}", "rules": rules}]})
    return out


def dashboards(panels: int, changed: bool) -> dict[str, str]:
    out = {}
    for start in range(0, panels, 40):
        items = []
        for n in range(start, min(start + 40, panels)):
            quantile = "0.99" if changed and n % 10 == 0 else "0.95"
            items.append({"id": n, "type": "timeseries", "title": f"Panel {n}", "fieldConfig": {"defaults": {"unit": "s"}},
                          "targets": [{"refId": "A", "expr": f"histogram_quantile({quantile}, sum by (le) (rate(h{n}_bucket[$__rate_interval])))"}]})
        out[f"dashboards/d{start // 40}.json"] = json.dumps({"uid": f"d{start // 40}", "title": "Synthetic", "panels": items})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    for size in (int(s) for s in args.sizes.split(",")):
        before = {**rule_files(size, False), **dashboards(size, False)}
        after = {**rule_files(size, True), **dashboards(size, True)}
        times, cpus = [], []
        for _ in range(args.runs):
            started, cpu = time.perf_counter(), time.process_time()
            report = compare(before, after)
            FORMATS["markdown"](report)
            times.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = statistics.median(cpus)
        print(f"{size:>6} alerts + {size:>6} panels: CPU median {cpu:.2f} s, wall {statistics.median(times):.2f} s, "
              f"{cpu * 1e6 / (2 * size):.0f} us per item, peak RSS {peak:.0f} MB ({len(report.changes)} changes)")


if __name__ == "__main__":
    main()
