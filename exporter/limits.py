"""How long a client may take and how many may be connected: the HTTP server's limits.

Read from the environment by `obsgen-exporter serve` (`OBSGEN_SERVE_*`); a bad value is refused with the
variable's name, never half-applied.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

ENV_PREFIX = "OBSGEN_SERVE_"


class LimitError(ValueError):
    """A limit in the environment that is not a usable value."""


@dataclass(frozen=True)
class ServerLimits:
    # The request line, headers and body must all arrive within this many seconds of the request's
    # first byte (of the connect, for a connection's first request); then 408, or a plain close
    # when not a byte came.
    request_timeout: float = 10.0
    # How long a keep-alive connection may wait for its next request, and a blocked write for the
    # client to read.
    idle_timeout: float = 60.0
    # Connections served at once (one thread each); beyond it a new connection gets 503 at once.
    max_connections: int = 256


_FIELDS = {
    "request_timeout": (float, "a number of seconds > 0"),
    "idle_timeout": (float, "a number of seconds > 0"),
    "max_connections": (int, "an integer >= 1"),
}


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def limits_from_env(environ: Mapping[str, str], base: ServerLimits = ServerLimits()) -> ServerLimits:
    """`base` with every `OBSGEN_SERVE_<FIELD>` that is set; LimitError names a bad one."""
    values = {}
    for field, (kind, wanted) in _FIELDS.items():
        raw = environ.get(env_name(field))
        if raw is None or raw.strip() == "":
            values[field] = getattr(base, field)
            continue
        try:
            value = kind(raw.strip())
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value <= 0:
            raise LimitError(f"{env_name(field)} must be {wanted}, got {raw!r}")
        values[field] = value
    return ServerLimits(**values)
