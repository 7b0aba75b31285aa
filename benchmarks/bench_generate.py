"""Benchmark: wall time of `generate` (load + render + write) for the shipped catalog and for
synthetic catalogs of growing size, to show how the time grows with the catalog.

Run: make bench-generate   (or .venv/bin/python -m benchmarks.bench_generate [--sizes 10,100,1000])
Targets on 2 cores: shipped catalog <= 1 s, 1,000 metrics <= 5 s. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from generator import pipeline

REPO = Path(__file__).resolve().parents[1]


def synthetic_catalog(metrics: int) -> dict:
    """A catalog with `metrics` metrics (40 % counters, 30 % gauges, 30 % histograms), one
    objective per 10 histograms, one alert per gauge, one panel per metric in dashboards of 20."""
    out = {
        "service": {"name": "synthetic", "team": "bench", "runbook_base_url": "https://runbooks.example.com",
                    "grafana": {"folder": {"uid": "bench", "title": "Bench"}}, "selector": {"job": "synthetic"},
                    "endpoint": "/"},
        "metrics": [], "tiers": [{"name": "base", "target": 0.5, "critical": 1.0}], "objectives": [],
        "alerts": [], "dashboards": [], "load_tests": {"scenarios": []},
    }
    panels = []
    for i in range(metrics):
        kind = ("counter", "counter", "counter", "counter", "gauge", "gauge", "gauge",
                "histogram", "histogram", "histogram")[i % 10]
        name = f"svc_metric_{i}" + ("_total" if kind == "counter" else "_seconds" if kind == "histogram" else "")
        metric = {"name": name, "type": kind, "help": f"metric {i}", "unit": "s",
                  "labels": [{"name": "code", "values": ["ok", "fail"]}]}
        if kind == "histogram":
            metric["buckets"] = [0.1, 0.25, 0.5, 1.0, 2.5]
            expr = f"histogram_quantile(0.9, sum by (le) (rate({name}_bucket{{$selector}}[$__rate_interval])))"
            if i % 100 == 7:
                out["objectives"].append({
                    "name": f"latency_{i}", "kind": "latency", "metric": name, "quantile": 0.9, "threshold": 0.5,
                    "alert": {"name": f"Slow{i}", "for": "5m", "severity": "warning", "summary": "slow",
                              "description": "p90 is {{ $value }} above ${threshold}"}})
        elif kind == "counter":
            expr = f"sum by (code) (rate({name}{{$selector}}[$__rate_interval]))"
        else:
            expr = f"max({name}{{$selector}})"
            out["alerts"].append({"name": f"GaugeHigh{i}", "expr": f"max({name}{{$selector}}) > 10", "for": "10m",
                                  "severity": "info", "summary": "high", "description": "{{ $value }} is high",
                                  "test": {"series": f"{name}{{$selector}}", "firing": 20, "quiet": 5}})
        out["metrics"].append(metric)
        panels.append({"title": f"Metric {i}", "type": "timeseries", "unit": "short",
                       "description": f"metric {i}", "targets": [{"expr": expr}]})
    for d in range(0, len(panels), 20):
        chunk = panels[d:d + 20]
        out["dashboards"].append({"uid": f"synthetic-{d // 20}", "title": f"Synthetic {d // 20}",
                                  "rows": [{"title": f"Row {r}", "panels": chunk[r:r + 4]} for r in range(0, len(chunk), 4)]})
    out["load_tests"]["scenarios"].append({"name": "smoke", "tier": "base", "executor": "constant-vus", "vus": 1,
                                           "duration": "5s"})
    return out


def time_generate(catalog_path: Path, repeat: int) -> tuple[float, int]:
    """Median wall seconds of load + render + write into a fresh folder; and the file count."""
    times, files = [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            catalogs = pipeline.load_all([catalog_path])
            plan = pipeline.generate(Path(out), catalogs)
            times.append(time.perf_counter() - start)
            files = len(plan.create)
    return statistics.median(times), files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.chdir(REPO)
    print(f"generate benchmark: {os.cpu_count()} cores, median of {args.repeat} runs (load + render + write)")
    seconds, files = time_generate(Path("catalog/ampel.yaml"), args.repeat)
    print(f"{'catalog':<28}{'metrics':>8}{'files':>7}{'seconds':>10}{'ms/metric':>11}")
    print(f"{'catalog/ampel.yaml':<28}{4:>8}{files:>7}{seconds:>10.3f}{seconds * 1000 / 4:>11.2f}  (target <= 1 s)")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"synthetic-{size}.yaml"
            path.write_text(yaml.safe_dump(synthetic_catalog(size), sort_keys=False))
            seconds, files = time_generate(path, args.repeat)
            note = "  (target <= 5 s)" if size == 1000 else ""
            print(f"{'synthetic':<28}{size:>8}{files:>7}{seconds:>10.3f}{seconds * 1000 / size:>11.2f}{note}")


if __name__ == "__main__":
    main()
