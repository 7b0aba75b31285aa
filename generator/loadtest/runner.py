"""Run one generated k6 scenario against a target and read back its JSON summary.

The script reads BASE_URL, its auth variable (`token_env`, given `token`), SUMMARY_PATH, DURATION, ITERATIONS and THINK_TIME from the
environment; the exit code is k6's own (0 pass, 99 thresholds crossed).
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from generator.loadtest.binary import find_k6


@dataclass
class LoadTestResult:
    scenario: str
    returncode: int
    summary_path: Path
    output: str = ""  # combined stdout/stderr when captured
    report: dict = field(default_factory=dict)  # the script's JSON summary, when it was written

    @property
    def verdict(self) -> str:
        return self.report.get("verdict", "UNKNOWN")

    @property
    def crossed(self) -> list[str]:
        return [f"{t['metric']}: {t['threshold']}" for t in self.report.get("thresholds", []) if not t["ok"]]


def k6_env(base_url: str, token: str | None, summary_path: Path, duration: str | None = None,
           iterations: int | None = None, think_time: float | None = None, token_env: str = "TOKEN") -> dict[str, str]:
    env = {"BASE_URL": base_url, "SUMMARY_PATH": str(summary_path), "K6_NO_USAGE_REPORT": "true"}
    if token is not None:
        env[token_env] = token
    if duration:
        env["DURATION"] = duration
    if iterations:
        env["ITERATIONS"] = str(iterations)
    if think_time:
        env["THINK_TIME"] = f"{think_time:g}"
    return env


def run_scenario(script: Path, base_url: str, token: str | None, summary_path: Path, *, duration: str | None = None,
                 iterations: int | None = None, think_time: float | None = None, capture: bool = False,
                 timeout: float | None = None, token_env: str = "TOKEN") -> LoadTestResult:
    """Run `k6 run` on one script; with capture=False its output goes straight to the terminal."""
    k6 = find_k6()
    summary_path = Path(summary_path).resolve()
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    if summary_path.exists():
        summary_path.unlink()
    env = {**os.environ, **k6_env(base_url, token, summary_path, duration, iterations, think_time, token_env)}
    cmd = [str(k6), "run", "--no-usage-report", "--quiet", str(script)]
    proc = subprocess.run(cmd, env=env, timeout=timeout, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.STDOUT if capture else None)
    report = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return LoadTestResult(script.stem, proc.returncode, summary_path, proc.stdout or "", report)
