"""Every module of `generator` and `exporter` imports on its own, first, in a fresh interpreter: no
import cycle that only an entry point's import order hides (importing `generator.slo.loader` first
used to fail with a circular ImportError)."""
from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO

SCRIPT = r"""
import importlib, pkgutil, sys
failed = []
for package in ("generator", "exporter"):
    root = importlib.import_module(package)
    names = sorted(m.name for m in pkgutil.walk_packages(root.__path__, package + "."))
    for name in names:
        for loaded in [k for k in sys.modules if k.split(".")[0] in ("generator", "exporter")]:
            del sys.modules[loaded]
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    print(package, len(names))
print("\n".join(failed))
"""


def test_every_module_imports_first_and_alone():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    counts = dict(line.split() for line in lines[:2])
    assert int(counts["generator"]) > 150 and int(counts["exporter"]) > 30, lines  # the walk found the packages
    assert [line for line in lines[2:] if line] == []
