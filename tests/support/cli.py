"""Run the real `obsgen` and `obsgen-exporter` console scripts in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OBSGEN = Path(sys.executable).with_name("obsgen")
OBSGEN_EXPORTER = Path(sys.executable).with_name("obsgen-exporter")


def obsgen(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(OBSGEN), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def obsgen_exporter(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(OBSGEN_EXPORTER), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
