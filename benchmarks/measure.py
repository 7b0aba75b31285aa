"""Whole-process measurements for the benchmarks: CPU (user + sys of the process and every process it
waited for), wall time and peak RSS, medians of interleaved runs.

CPU time is the figure to compare: the machine's cores are shared, so wall time depends on what
else runs, while the CPU a process needs does not (much). Runs of the commands being compared are
interleaved (A B A B ...), so a burst of load hits both alike.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    cpu: float  # seconds, user + sys, children included
    wall: float  # seconds
    rss_mb: float  # peak resident set of the largest process, MiB
    code: int


@dataclass(frozen=True)
class Figures:
    cpu: float  # medians
    wall: float
    rss_mb: float  # the largest seen
    runs: int


TIME = "/usr/bin/time"  # GNU time reports the peak RSS of the command itself


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """One whole process. The peak RSS is taken by GNU time where present: a child's own maxrss
    counts the benchmark's memory it was forked from, time's child is forked from a small process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [TIME, "-f", "%M", "-o", rss.name, *cmd] if os.path.exists(TIME) else cmd
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        lines = [line for line in rss.read().splitlines() if line.strip().isdigit()]
    peak = int(lines[-1]) / 1024 if wrapped is not cmd and lines else usage.ru_maxrss / 1024
    return Run(usage.ru_utime + usage.ru_stime, wall, peak, code)


def interleaved(commands: dict[str, list[list[str]]], runs: int, cwd: Path | None = None,
                prepare=None) -> dict[str, Figures]:
    """Each entry is a sequence of commands measured as one (their CPU and wall added up); the entries
    run in turn, `runs` times. `prepare(label)` runs before each measured entry (not measured)."""
    seen: dict[str, list[Run]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, sequence in commands.items():
            if prepare is not None:
                prepare(label)
            parts = [run(cmd, cwd) for cmd in sequence]
            bad = [(cmd, p.code) for cmd, p in zip(sequence, parts) if p.code != 0]
            if bad:
                raise SystemExit(f"{' '.join(bad[0][0])} exited {bad[0][1]}; the figures would mean nothing")
            seen[label].append(Run(sum(p.cpu for p in parts), sum(p.wall for p in parts),
                                   max(p.rss_mb for p in parts), 0))
    return {label: Figures(statistics.median(r.cpu for r in found), statistics.median(r.wall for r in found),
                           max(r.rss_mb for r in found), len(found)) for label, found in seen.items()}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
