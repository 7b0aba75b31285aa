"""Typed SLOs: frozen dataclasses, built by `generator.slo.loader` from the catalog's `slos:` section."""
from __future__ import annotations

from dataclasses import dataclass

from generator.model import MetricRef

PAGE, TICKET = "page", "ticket"


@dataclass(frozen=True)
class BurnTier:
    """Alert when the error budget burns `factor` times faster than the period allows, over both the
    `long` and the `short` window (the SRE workbook's multiwindow, multi-burn-rate alert)."""
    long: str
    short: str
    factor: float
    alert: str  # PAGE | TICKET
    for_: str = "2m"


# The SRE workbook's defaults (chapter "Alerting on SLOs", 30 d period): 2 % of the budget in 1 h,
# 5 % in 6 h page; 10 % in 1 d and 10 % in 3 d raise a ticket.
# `for`: 2m for pages, 5m for tickets, so that on a sudden outage (which crosses every tier at once)
# the page reaches Alertmanager first and inhibits the ticket instead of racing it.
DEFAULT_TIERS: tuple[BurnTier, ...] = (
    BurnTier("1h", "5m", 14.4, PAGE, "2m"),
    BurnTier("6h", "30m", 6.0, PAGE, "2m"),
    BurnTier("1d", "2h", 3.0, TICKET, "5m"),
    BurnTier("3d", "6h", 1.0, TICKET, "5m"),
)


@dataclass(frozen=True)
class AlertClass:
    """What a page or a ticket becomes: its severity (routed by the alerting section) and extra labels."""
    severity: str
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SLOAlerting:
    name: str  # alert name prefix; each tier's alert is <name><long window>
    runbook_url: str
    page: AlertClass
    ticket: AlertClass
    tiers: tuple[BurnTier, ...]

    def alert_class(self, tier: BurnTier) -> AlertClass:
        return self.page if tier.alert == PAGE else self.ticket


@dataclass(frozen=True)
class RatioSLI:
    """Bad events over all events: `errors` counts the bad ones, or `good` the good ones (bad = total - good)."""
    total: MetricRef
    errors: MetricRef | None = None
    good: MetricRef | None = None


@dataclass(frozen=True)
class LatencySLI:
    """Requests slower than `threshold` (a bucket boundary of the histogram `metric`) are the bad events."""
    metric: str
    threshold: float
    selection: MetricRef | None = None


@dataclass(frozen=True)
class SLO:
    name: str
    target: float  # percent, e.g. 99.9
    period: str
    sli: RatioSLI | LatencySLI
    alerting: SLOAlerting
    description: str = ""
    source: str = ""  # catalog document path, e.g. "slos[0]"
    scenarios: tuple[str, ...] | None = None  # load-test scenarios given its k6 threshold; None: all

    @property
    def objective(self) -> float:
        """The target as a ratio: 99.9 -> 0.999."""
        return round(self.target / 100, 12)

    @property
    def budget(self) -> float:
        """The error budget as a ratio of events: 99.9 -> 0.001."""
        return round((100 - self.target) / 100, 12)

    def threshold(self, tier: BurnTier) -> float:
        """The error ratio at which a tier fires: factor x budget."""
        return round(tier.factor * self.budget, 12)
