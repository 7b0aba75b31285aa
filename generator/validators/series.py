"""Which series an expression may select, as the catalog knows them.

A series is a catalog metric as exposed (counters with `_total`, histograms as `_bucket`, `_sum`,
`_count`), the output of a recording rule, or one Prometheus writes itself (`up`, `ALERTS`, ...).
Every scraped series also carries the target labels: `job`, `instance` and the service selector's.
"""
from __future__ import annotations

from dataclasses import dataclass

from generator.model import Catalog, Label, Metric

# Labels Prometheus attaches to every scraped series.
TARGET_LABELS = ("instance", "job")

# Series Prometheus writes itself. labels None: any label may appear (alert labels, for instance).
BUILTIN_SERIES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "up": ("gauge", TARGET_LABELS),
    "scrape_duration_seconds": ("gauge", TARGET_LABELS),
    "scrape_samples_scraped": ("gauge", TARGET_LABELS),
    "scrape_samples_post_metric_relabeling": ("gauge", TARGET_LABELS),
    "scrape_series_added": ("gauge", TARGET_LABELS),
    "ALERTS": ("gauge", None),
    "ALERTS_FOR_STATE": ("gauge", None),
}

# What a series is, for the type checks: counter-like kinds may go into rate() and friends.
COUNTER_KINDS = ("counter", "bucket", "sum", "count")


@dataclass(frozen=True)
class Series:
    name: str
    kind: str  # counter | gauge | bucket | sum | count | recorded | builtin
    labels: dict[str, Label | None] | None  # label -> its definition (None: any value); None: unknown set
    metric: Metric | None = None  # the catalog metric it is exposed from
    origin: str = "catalog"  # catalog | recording | prometheus
    from_buckets: bool = False  # a recording rule output computed from histogram buckets

    def describe(self) -> str:
        if self.origin == "recording":
            return f"recording rule output {self.name!r}"
        if self.origin == "prometheus":
            return f"{self.name!r} (written by Prometheus, a gauge)"
        if self.kind in ("bucket", "sum", "count"):
            return f"{self.name!r} (the {self.kind} series of histogram {self.metric.name!r})"
        return f"{self.kind} {self.name!r}"


def target_labels(catalog: Catalog) -> dict[str, Label | None]:
    return {name: None for name in sorted(set(TARGET_LABELS) | {k for k, _ in catalog.service.selector}
                                          | set(catalog.service.aggregate_by))}


def bucket_label(metric: Metric) -> Label:
    """The `le` label of a histogram: its bucket bounds, as prometheus_client and Prometheus write them."""
    values = set()
    for bound in metric.buckets:
        values.update({f"{bound:g}", repr(float(bound))})
    values.add("+Inf")
    return Label("le", tuple(sorted(values)), description="histogram bucket upper bound")


def catalog_series(catalog: Catalog) -> dict[str, Series]:
    """Every series the catalog's metrics expose, and the series Prometheus adds, by name."""
    table: dict[str, Series] = {}
    common = target_labels(catalog)
    for metric in catalog.metrics:
        own = {**common, **{label.name: label for label in metric.labels}}
        for name, role in metric.series_names().items():
            if role == "created":
                continue
            kind = metric.type if role == "value" else role
            labels = {**own, "le": bucket_label(metric)} if role == "bucket" else own
            table[name] = Series(name, kind, labels, metric)
    for name, (kind, labels) in BUILTIN_SERIES.items():
        # the scrape's own series (up, scrape_*) carry the target's labels, as every scraped series does
        known = None if labels is None else {**{label: None for label in labels}, **common}
        table.setdefault(name, Series(name, kind, known, origin="prometheus"))
    return table


def close_names(name: str, table: dict[str, Series]) -> list[str]:
    """Catalog names the author probably meant."""
    import difflib
    hints = []
    for suffix in ("_total", "_bucket", "_count", "_sum"):
        if name + suffix in table:
            hints.append(name + suffix)
    hints += [n for n in difflib.get_close_matches(name, list(table), n=3, cutoff=0.75) if n not in hints]
    return hints
