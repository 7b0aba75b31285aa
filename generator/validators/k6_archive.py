"""Validation step: every rendered k6 script goes through `k6 archive`.

`k6 archive` evaluates the script's init context and parses its options, so it rejects bad
threshold expressions, unknown executors and syntax errors; `k6 inspect` accepts bad thresholds.
The scripts are checked as rendered in memory, so a stale file on disk cannot hide a broken one.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from generator.loadtest.binary import find_k6
from generator.validators.findings import Finding

CHECK = "k6-archive"
TIMEOUT_SECONDS = 60


def k6_files(artifacts: dict[str, str]) -> dict[str, str]:
    """Every rendered k6 file: the scripts and the library they import."""
    return {rel: text for rel, text in sorted(artifacts.items()) if rel.startswith("k6/") and rel.endswith(".js")}


def k6_scripts(artifacts: dict[str, str]) -> dict[str, str]:
    """The runnable scripts (k6/<scenario>.js), not the shared library under k6/lib/."""
    return {rel: text for rel, text in k6_files(artifacts).items() if rel.count("/") == 1}


def archive_problem(k6: Path, script: Path, workdir: Path) -> str | None:
    """None when `k6 archive` accepts the script, else k6's own error message."""
    env = {**os.environ, "K6_NO_USAGE_REPORT": "true"}
    proc = subprocess.run([str(k6), "archive", "--quiet", "-O", str(workdir / f"{script.stem}.tar"), str(script)],
                          capture_output=True, text=True, env=env, cwd=workdir, timeout=TIMEOUT_SECONDS)
    if proc.returncode == 0:
        return None
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if "level=error" in line or "error" in line.lower()]
    return (errors or lines or [f"k6 archive exited {proc.returncode}"])[-1].strip()


def check_k6_archive(ctx) -> list[Finding]:
    scripts = k6_scripts(ctx.rendered.artifacts)
    if not scripts:
        return []
    k6 = find_k6(ctx.root)
    findings = []
    with tempfile.TemporaryDirectory(prefix="obsgen-k6-", dir=ctx.workdir) as tmp:
        workdir = Path(tmp)
        for rel, text in k6_files(ctx.rendered.artifacts).items():
            (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
            (workdir / rel).write_text(text, encoding="utf-8")
        for rel in scripts:
            problem = archive_problem(k6, workdir / rel, workdir)
            if problem is not None:
                findings.append(Finding(CHECK, "k6-archive-rejected", f"k6 archive rejects the script: {problem}",
                                        file=rel, item=Path(rel).stem))
    return findings
