"""Alert text, free-form alerts with their tests, and recording rules."""
from __future__ import annotations

from dataclasses import dataclass

from generator.model.common import Silence


@dataclass(frozen=True)
class AlertText:
    """The human part of an alert, shared by objective alerts and free-form alerts."""
    name: str
    for_: str
    severity: str
    summary: str
    description: str
    runbook_url: str
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    group: str = ""
    silences: tuple[Silence, ...] = ()


@dataclass(frozen=True)
class AlertTest:
    """How to exercise a free-form alert in its generated promtool test: one input series (may use
    $selector) held at `firing` while the condition holds and at `quiet` when healthy.
    A value of None means the series is absent."""
    series: str
    firing: float | None
    quiet: float | None


@dataclass(frozen=True)
class AlertDef:
    """A free-form alert from the catalog's `alerts:` list; expr may use $selector."""
    expr: str
    text: AlertText
    test: AlertTest | None = None


@dataclass(frozen=True)
class RecordingDef:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...] = ()
    group: str = ""
    silences: tuple[Silence, ...] = ()
