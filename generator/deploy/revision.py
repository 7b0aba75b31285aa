"""The git revision a deploy names in Grafana's version history."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git_revision(root: Path) -> str:
    """$GITHUB_SHA in GitHub Actions, else `git rev-parse HEAD` of root (+"-dirty" with local changes)."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"][:12]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head
