"""Benchmark: `obsgen generate` as whole processes (interpreter start, imports, load, render, write),
CPU and wall time and peak RSS, next to the bare import floor `python -c "import grafanalib.core, yaml"`,
for the shipped catalog and synthetic catalogs of growing size.

Run: make bench-generate   (or .venv/bin/python -m benchmarks.bench_generate [--sizes 100,1000,5000] [--runs 5])
Targets on 2 cores: `generate dashboards` <= 1.3x the floor's CPU; `generate` at 5,000 metrics <= 3 s
CPU and <= 200 MB peak RSS. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.measure import cores, interleaved, run

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
OBSGEN = str(Path(sys.executable).with_name("obsgen"))
FLOOR = [PYTHON, "-c", "import grafanalib.core, yaml"]
GENERATED = ("dashboards", "alerts", "recording_rules", "k6", "alertmanager", "tests")


def synthetic_catalog(metrics: int) -> dict:
    """A catalog with `metrics` metrics (40 % counters, 30 % gauges, 30 % histograms), one latency
    objective per 100 metrics, one tested alert per gauge, one panel per metric in dashboards of 20."""
    out = {
        "service": {"name": "synthetic", "team": "bench", "runbook_base_url": "https://runbooks.example.com",
                    "grafana": {"folder": {"uid": "bench", "title": "Bench"}}, "selector": {"job": "synthetic"}},
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
                                           "duration": "5s", "requests": [{"path": "/"}]})
    return out


def synthetic_project(root: Path, metrics: int) -> Path:
    (root / "catalog").mkdir(parents=True, exist_ok=True)
    (root / "catalog" / "synthetic.yaml").write_text(yaml.safe_dump(synthetic_catalog(metrics), sort_keys=False))
    return root


def shipped_project(root: Path) -> Path:
    (root / "catalog").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "catalog" / "ampel.yaml", root / "catalog" / "ampel.yaml")
    return root


def _clean(root: Path) -> None:
    for folder in GENERATED:
        shutil.rmtree(root / folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"generate benchmark: {cores()} cores; whole processes, medians of {args.runs} interleaved runs; "
          "CPU = user + sys")
    with tempfile.TemporaryDirectory() as tmp:
        shipped = shipped_project(Path(tmp) / "shipped")
        interleaved({"warm": [[OBSGEN, "generate", "--root", str(shipped)]]}, 1)
        start = interleaved({
            "floor": [FLOOR],
            "dashboards": [[OBSGEN, "generate", "dashboards", "--root", str(shipped)]],
        }, args.runs)
        floor, dash = start["floor"], start["dashboards"]
        ratio = dash.cpu / floor.cpu
        print(f"{'command':<44}{'CPU s':>8}{'wall s':>8}{'RSS MB':>8}{'x floor':>9}")
        floor_label = 'python -c "import grafanalib.core, yaml"'
        print(f"{floor_label:<44}{floor.cpu:>8.3f}{floor.wall:>8.3f}{floor.rss_mb:>8.0f}{1:>9.2f}")
        print(f"{'obsgen generate dashboards (shipped)':<44}{dash.cpu:>8.3f}{dash.wall:>8.3f}{dash.rss_mb:>8.0f}"
              f"{ratio:>9.2f}  target <= 1.30x: {'met' if ratio <= 1.3 else 'NOT met'}")
        print()
        print("generate (every default kind) into an empty tree; 'first' is one run with an empty pass cache")
        print(f"{'catalog':<24}{'metrics':>8}{'CPU s':>8}{'wall s':>8}{'RSS MB':>8}{'ms/metric':>11}{'first CPU s':>13}")
        projects = {"shipped (ampel)": (shipped, 4)}
        for size in (int(s) for s in args.sizes.split(",") if s):
            projects[f"synthetic {size}"] = (synthetic_project(Path(tmp) / f"s{size}", size), size)
        for label, (root, metrics) in projects.items():
            runs = args.runs if metrics <= 1000 else max(1, args.runs // 2)
            _clean(root)
            first = run([OBSGEN, "generate", "--root", str(root)], env={"OBSGEN_CACHE_DIR": str(Path(tmp) / f"c{metrics}")})
            run([OBSGEN, "generate", "--catalog", str(next((root / "catalog").glob("*.yaml"))), "--check",
                 "--root", str(root)])  # unmeasured: the pass cache as every later run finds it
            found = interleaved({label: [[OBSGEN, "generate", "--root", str(root)]]}, runs,
                                prepare=lambda _label, root=root: _clean(root))[label]
            note = ""
            if metrics == 5000:
                held = found.cpu <= 3 and found.rss_mb <= 200
                note = f"  target <= 3 s CPU, <= 200 MB: {'met' if held else 'NOT met'}"
            print(f"{label:<24}{metrics:>8}{found.cpu:>8.3f}{found.wall:>8.3f}{found.rss_mb:>8.0f}"
                  f"{found.cpu * 1000 / metrics:>11.2f}{first.cpu:>13.3f}{note}")


if __name__ == "__main__":
    main()
