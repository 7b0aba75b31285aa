"""`obsgen serve`, a command of the reference exporter (the optional extra `obsgen[exporter]`): the real
command is in serve_exporter.py; without the extra's dependencies, a stand-in says what to install."""
from __future__ import annotations

from generator.cli.extras import EXPORTER, is_extra_dependency, missing_extra

try:
    from generator.cli.serve_exporter import serve
except ModuleNotFoundError as exc:
    if not is_extra_dependency(exc, EXPORTER):
        raise
    serve = missing_extra("serve", EXPORTER, exc.name)
