"""A real prometheus_client exposition built from a catalog, for check-metrics tests.

Every catalog metric is registered with its type, labels and buckets and observed for each allowed
label value; `overrides` replace a metric's definition to build a mismatching service.
"""
from __future__ import annotations

import itertools

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
import prometheus_client

from generator.model import Catalog, Metric

_SAMPLE_FOR_PATTERN = {"[1-5][0-9][0-9]": ["200", "500"]}


def _values(metric: Metric, name: str, bad: dict[str, str]) -> list[str]:
    if name in bad:
        return [bad[name]]
    label = metric.label(name)
    if label is None:
        return ["x"]
    return list(label.values[:2]) if label.values else _SAMPLE_FOR_PATTERN.get(label.pattern, ["a"])


def exposition(catalog: Catalog, *, drop: tuple[str, ...] = (), type_of: dict[str, str] | None = None,
               labels_of: dict[str, tuple[str, ...]] | None = None, bad_values: dict[str, dict[str, str]] | None = None,
               buckets_of: dict[str, tuple[float, ...]] | None = None, created: bool = False,
               extra: tuple[str, ...] = ()) -> str:
    """Text exposition of the catalog's metrics, changed as asked."""
    type_of, labels_of, bad_values, buckets_of = type_of or {}, labels_of or {}, bad_values or {}, buckets_of or {}
    (prometheus_client.enable_created_metrics if created else prometheus_client.disable_created_metrics)()
    registry = CollectorRegistry()
    try:
        for metric in catalog.metrics:
            if metric.name in drop:
                continue
            kind = type_of.get(metric.name, metric.type)
            names = labels_of.get(metric.name, metric.label_names)
            base = metric.base_name if kind == "counter" else metric.name
            if kind == "counter":
                collector = Counter(base, metric.help, names, registry=registry)
            elif kind == "gauge":
                collector = Gauge(metric.name, metric.help, names, registry=registry)
            else:
                collector = Histogram(metric.name, metric.help, names, registry=registry,
                                      buckets=buckets_of.get(metric.name, metric.buckets))
            combos = itertools.product(*(_values(metric, n, bad_values.get(metric.name, {})) for n in names))
            for combo in combos:
                child = collector.labels(*combo) if names else collector
                if kind == "counter":
                    child.inc(3)
                elif kind == "gauge":
                    child.set(7)
                else:
                    child.observe(0.25)
        for name in extra:
            Gauge(name, "Not in the catalog.", registry=registry).set(1)
        return generate_latest(registry).decode()
    finally:
        prometheus_client.disable_created_metrics()
