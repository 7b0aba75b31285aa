"""Benchmark: wall time of `obsgen validate` on the shipped catalog, as CI runs it (a fresh process:
interpreter start, catalog load, every step), plus the time of each step in-process.

Run: make bench-validate   (or .venv/bin/python -m benchmarks.bench_validate [--runs 5])
Target on 2 cores: <= 3 s per run. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from generator.validators.run import validate

REPO = Path(__file__).resolve().parents[1]
OBSGEN = Path(sys.executable).with_name("obsgen")
TARGET_SECONDS = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"obsgen validate on {REPO.name}/catalog ({os.cpu_count()} cores, {args.runs} runs)")
    walls = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = subprocess.run([str(OBSGEN), "validate"], cwd=REPO, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        if result.returncode != 0:
            print(result.stdout + result.stderr)
            raise SystemExit(f"validate failed (exit {result.returncode}); the figures would mean nothing")
    print(f"  wall time per run: median {statistics.median(walls):.2f} s, min {min(walls):.2f} s, "
          f"max {max(walls):.2f} s (target <= {TARGET_SECONDS:.0f} s: "
          f"{'met' if statistics.median(walls) <= TARGET_SECONDS else 'NOT met'})")
    os.chdir(REPO)
    steps: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for step in validate(REPO).steps:
            steps.setdefault(step.name, []).append(step.seconds)
    print("  in-process, median per step:")
    for name, seconds in steps.items():
        print(f"    {name:<18} {statistics.median(seconds):6.3f} s")
    print(f"    {'total':<18} {sum(statistics.median(s) for s in steps.values()):6.3f} s")


if __name__ == "__main__":
    main()
