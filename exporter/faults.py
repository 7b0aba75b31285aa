"""Fault injection for tests: extra latency and a share of failing summaries.

Only exists when the service starts with `--enable-fault-injection`. Failures are spread exactly,
not randomly: with error_rate 0.5 every second summary fails, so tests and alerts see the rate
asked for. An injected failure is a 500 counted as error_type "other" (an unexpected failure).
"""
from __future__ import annotations

import threading
import time

from exporter.strategies import STRATEGIES

MAX_LATENCY_SECONDS = 60.0


class InjectedFault(Exception):
    """A failure asked for through /-/faults."""


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.latency_seconds = 0.0
        self.error_rate = 0.0
        self.strategy = ""  # "": every strategy
        self._credit = 0.0

    def configure(self, payload: object) -> dict[str, float]:
        """Set both knobs from a JSON object; `ValueError` names the offending field."""
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object with latency_seconds and error_rate")
        unknown = sorted(set(payload) - {"latency_seconds", "error_rate", "strategy"})
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")
        latency = _number(payload, "latency_seconds", 0.0, MAX_LATENCY_SECONDS)
        rate = _number(payload, "error_rate", 0.0, 1.0)
        strategy = payload.get("strategy", "")
        if not isinstance(strategy, str) or (strategy and strategy not in STRATEGIES):
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, or empty for every strategy")
        with self._lock:
            self.latency_seconds, self.error_rate, self.strategy, self._credit = latency, rate, strategy, 0.0
        return self.state()

    def state(self) -> dict:
        state = {"latency_seconds": self.latency_seconds, "error_rate": self.error_rate}
        if self.strategy:
            state["strategy"] = self.strategy
        return state

    def apply(self, strategy: str = "") -> None:
        """Called inside the timed summary computation: sleep, then maybe fail. With `strategy` set
        in the settings, only summaries of that strategy (an arm of the A/B rollout) are affected."""
        if self.strategy and strategy != self.strategy:
            return
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        if not self.error_rate:
            return
        with self._lock:
            self._credit += self.error_rate
            fail = self._credit >= 1.0 - 1e-9
            if fail:
                self._credit -= 1.0
        if fail:
            raise InjectedFault(f"injected failure (error_rate {self.error_rate})")


def _number(payload: dict, name: str, low: float, high: float) -> float:
    value = payload.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value}")
    return float(value)
