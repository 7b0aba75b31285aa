"""`obsgen seed`, a command of the reference exporter (the optional extra `obsgen[exporter]`): the real
command is in seed_exporter.py; without the extra's dependencies, a stand-in says what to install."""
from __future__ import annotations

from generator.cli.extras import EXPORTER, is_extra_dependency, missing_extra

try:
    from generator.cli.seed_exporter import seed
except ModuleNotFoundError as exc:
    if not is_extra_dependency(exc, EXPORTER):
        raise
    seed = missing_extra("seed", EXPORTER, exc.name)
