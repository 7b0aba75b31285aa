"""The service a catalog describes, and its tiers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    """A named response-time level: a target and a critical threshold, in seconds."""
    name: str
    target: float
    critical: float


@dataclass(frozen=True)
class Service:
    name: str
    team: str
    runbook_base_url: str
    folder_uid: str
    folder_title: str
    selector: tuple[tuple[str, str], ...]
    title: str = ""
    datasource_type: str = "prometheus"
    datasource_uid: str = "prometheus"
    scrape_interval: str = "15s"
    rate_window: str = "5m"
    severities: tuple[str, ...] = ("critical", "warning", "info")
    aggregate_by: tuple[str, ...] = ()  # as written; empty: the selector's labels

    @property
    def aggregation_labels(self) -> tuple[str, ...]:
        """Labels every objective's rules keep (`sum by (...)`), in order; they name the rules' level."""
        return self.aggregate_by or tuple(k for k, _ in self.selector)

    @property
    def selector_text(self) -> str:
        """The service's matchers as PromQL text: `job="api"`."""
        return ", ".join(f'{k}="{v}"' for k, v in self.selector)
