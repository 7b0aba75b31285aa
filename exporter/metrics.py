"""Prometheus metrics built from the catalog: names, types, help, labels and buckets.

Each metric lives in the service's own registry (never the global one). Enumerated label values
are pre-initialised to 0 so every series exists before its first event. `_created` series are
dropped unless the catalog asks for them (`created_series: true`), per metric.
"""
from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from exporter.contract import Contract, FALLBACK
from generator.model import Metric

_TYPES = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}


class _WithoutCreated(Collector):
    """Exposes a metric, minus its `_created` samples."""

    def __init__(self, metric):
        self.metric = metric

    def collect(self):
        for family in self.metric.collect():
            family.samples = [s for s in family.samples if not s.name.endswith("_created")]
            yield family


def build_metric(metric: Metric, registry: CollectorRegistry):
    """A prometheus_client metric as the catalog declares it, registered in `registry`."""
    cls = _TYPES.get(metric.type)
    if cls is None:
        raise ValueError(f"metric {metric.name}: type {metric.type} is not supported by the exporter")
    # prometheus_client appends _total to counters itself.
    kwargs = {"labelnames": metric.label_names, "registry": None}
    if metric.type == "histogram":
        kwargs["buckets"] = metric.buckets
    instance = cls(metric.base_name, metric.help, **kwargs)
    registry.register(instance if metric.created_series else _WithoutCreated(instance))
    return instance


class _CacheLookups(Collector):
    """The cache counter, read at scrape time from the cached strategies' own counts: every result
    the catalog allows is exposed, 0 before the first lookup."""

    def __init__(self, metric: Metric, counts: Callable[[], dict[str, int]]):
        self.metric, self.counts = metric, counts

    def collect(self):
        label = self.metric.labels[0]
        family = CounterMetricFamily(self.metric.base_name, self.metric.help, labels=[label.name])
        counts = self.counts()
        for value in label.values:
            family.add_metric([value], counts.get(value, 0))
        yield family


class ServiceMetrics:
    """The metrics of the contract and the operations the service performs on them."""

    def __init__(self, contract: Contract, routes: dict[str, tuple[str, ...]],
                 cache_counts: Callable[[], dict[str, int]] | None = None,
                 strategies: tuple[str, ...] = ()):
        self.contract = contract
        self.registry = CollectorRegistry(auto_describe=True)
        self.duration = build_metric(contract.duration, self.registry)
        self.breakdown = build_metric(contract.breakdown, self.registry)
        self.errors = build_metric(contract.errors, self.registry)
        self.requests = build_metric(contract.requests, self.registry)
        if contract.cache is not None:
            self.registry.register(_CacheLookups(contract.cache, cache_counts or dict))
        self._strategies = strategies
        labels = contract.request_labels
        self._paths = frozenset(labels.path.values)
        self._methods = frozenset(labels.method.values)
        self._request_order = tuple(lb.name for lb in contract.requests.labels)
        # Children looked up once per label combination, not per event (labels() validates and
        # locks every time). Keyed by the exposed values, so the dicts are bounded by the contract.
        self._request_children: dict[tuple[str, str, str], object] = {}
        self._duration_children: dict[str, object] = {}
        self._error_children: dict[str, object] = {}
        self._preinitialise(routes)
        self._breakdown_children = tuple((value, self.breakdown.labels(value))
                                         for value in contract.breakdown_label.values)

    def _preinitialise(self, routes: dict[str, tuple[str, ...]]) -> None:
        for value in self.contract.breakdown_label.values:
            self.breakdown.labels(value)
        for value in self.contract.error_label.values:
            self.errors.labels(value)
        if self.contract.strategy_label is not None:  # the strategies served; the others stay absent
            for name in self._strategies:
                self.duration.labels(name)
        # The status label is a pattern, so not every combination can exist up front: each route
        # gets its success series, for every method it serves.
        for path, methods in sorted(routes.items()):
            for method in methods:
                self.requests.labels(**self._request_labels(path, method, 200))

    def _request_labels(self, path: str, method: str, status: int) -> dict[str, str]:
        names = self.contract.request_labels
        return {
            names.path.name: path if path in self._paths else FALLBACK,
            names.method.name: method if method in self._methods else FALLBACK,
            names.status.name: str(status),
        }

    def observe_request(self, path: str, method: str, status: int) -> None:
        key = (path if path in self._paths else FALLBACK, method if method in self._methods else FALLBACK,
               str(status))
        child = self._request_children.get(key)
        if child is None:
            labels = self._request_labels(path, method, status)
            child = self._request_children[key] = self.requests.labels(**labels)
        child.inc()

    def observe_duration(self, seconds: float, strategy: str = "") -> None:
        """`strategy` labels the observation when the catalog gives the histogram a strategy label."""
        if self.contract.strategy_label is None:
            self.duration.observe(seconds)
            return
        child = self._duration_children.get(strategy)
        if child is None:
            child = self._duration_children[strategy] = self.duration.labels(strategy)
        child.observe(seconds)

    def count_breakdown(self, counts: dict[str, int]) -> None:
        """Add a summary's per-status counts: `counts` maps each label value to its count."""
        for value, child in self._breakdown_children:
            child.inc(counts[value])

    def count_error(self, error_type: str) -> None:
        child = self._error_children.get(error_type)
        if child is None:
            child = self._error_children[error_type] = self.errors.labels(error_type)
        child.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

