"""Structured logs: one JSON object per line on stdout.

Every line carries timestamp (UTC, RFC 3339 with milliseconds), level, target (where it comes
from) and message; events add their own fields at the top level. The summary event carries
exactly the `log_fields` of the exporter's configuration (exporter.yaml).
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from exporter import compact_json

TARGET = "exporter.handlers.dashboard"
# Log fields that describe the request itself; the summary event can also carry each of its counts.
REQUEST_LOG_FIELDS = ("user_id", "duration_ms")


_second: tuple[int, str] = (-1, "")  # the last whole second formatted, and its text


def _timestamp(now: float) -> str:
    global _second
    seconds = int(now)
    cached, text = _second
    if cached != seconds:  # strftime once a second, not once a line
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second = (seconds, text)
    return f"{text}.{int((now - seconds) * 1000):03d}Z"


class JsonLog:
    """Writes one JSON line per event; safe to share between threads."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stdout
        self._lock = threading.Lock()

    def event(self, level: str, message: str, target: str = TARGET, **fields) -> None:
        record = {"timestamp": _timestamp(time.time()), "level": level, "target": target, "message": message}
        record.update(fields)
        line = compact_json.dumps(record).decode("ascii") + "\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()

    def info(self, message: str, **fields) -> None:
        self.event("INFO", message, **fields)

    def warning(self, message: str, **fields) -> None:
        self.event("WARN", message, **fields)

    def error(self, message: str, **fields) -> None:
        self.event("ERROR", message, **fields)


def summary_fields(log_fields: tuple[str, ...], values: dict) -> dict:
    """The configured log fields, in their order, taken from `values`."""
    return {name: values[name] for name in log_fields}


def check_log_fields(log_fields: tuple[str, ...], available: set[str]) -> None:
    missing = [name for name in log_fields if name not in available]
    if missing:
        raise ValueError(f"the log_fields name {', '.join(missing)}, which the exporter "
                         f"does not produce (it produces {', '.join(sorted(available))})")
