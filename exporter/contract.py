"""What the exporter must expose, read from the catalog: which metric plays which role.

Nothing here names a metric. The roles are found from the catalog's own structure:
- duration: the histogram of the latency objective;
- errors: the `errors` counter of the error-ratio objective; its one label takes the error types;
- requests: the `total` counter of the error-ratio objective; its labels are told apart by what
  they allow (the one allowing the summary route of the exporter's configuration is the path, the one allowing GET the method,
  the one with a pattern the status code);
- breakdown: the remaining counter whose one label's values are the summary's PR statuses;
- strategy (optional): the duration histogram's one label, whose values are strategy names; every
  strategy the service serves must be one of them (the A/B rollout's arms);
- cache (optional, needed by the cached strategy): the counter whose one label's values are exactly
  the cache lookup results hit, miss, error.
A catalog that does not offer a role, or whose values the exporter cannot produce, is refused at
start-up with a message naming the catalog line.
"""
from __future__ import annotations

from dataclasses import dataclass

from exporter.config import ExporterConfig
from generator.model import Catalog, ErrorRatioObjective, Label, LatencyObjective, Metric
from exporter.storage.strategies import STORAGE_STRATEGIES
from exporter.strategies import STRATEGIES
from exporter.summary import STATUSES

ERROR_TYPES = ("database", "calculation", "auth", "other")
CACHE_RESULTS = ("hit", "miss", "error")
FALLBACK = "other"  # the value unknown paths and methods are reported as


class ContractError(Exception):
    """The catalog does not describe something the exporter needs."""


@dataclass(frozen=True)
class RequestLabels:
    path: Label
    method: Label
    status: Label


@dataclass(frozen=True)
class Contract:
    catalog: Catalog
    duration: Metric
    breakdown: Metric
    errors: Metric
    requests: Metric
    request_labels: RequestLabels
    summary_path: str
    log_fields: tuple[str, ...]
    strategy_label: Label | None = None
    cache: Metric | None = None

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (self.duration, self.breakdown, self.errors, self.requests) + ((self.cache,) if self.cache else ())

    def check_strategies(self, names: tuple[str, ...], cached: bool) -> None:
        """Refuse, naming the catalog line, strategies the catalog cannot label or count."""
        at = f"metrics[{self.catalog.metrics.index(self.duration)}]"
        if self.strategy_label is None:
            if len(names) > 1:
                raise _fail(self.catalog, at, f"{self.duration.name} needs a strategy label to tell the "
                            f"strategies {', '.join(names)} of the split apart")
        else:
            missing = [n for n in names if n not in self.strategy_label.values]
            if missing:
                raise _fail(self.catalog, f"{at}.labels", f"{self.duration.name}{{{self.strategy_label.name}}} "
                            f"must allow {', '.join(missing)} (the strategies served)")
        if cached and self.cache is None:
            raise _fail(self.catalog, "metrics", "the cached strategy needs a counter with one label whose "
                        f"values are the cache lookup results {', '.join(CACHE_RESULTS)}")

    @property
    def breakdown_label(self) -> Label:
        return self.breakdown.labels[0]

    @property
    def error_label(self) -> Label:
        return self.errors.labels[0]


def _fail(catalog: Catalog, where: str, message: str) -> ContractError:
    line = catalog.line_of(where)
    place = f"{catalog.path}:{line}" if line else str(catalog.path)
    return ContractError(f"{place}: {where}: {message}")


def _metric_at(catalog: Catalog, name: str) -> tuple[Metric, str]:
    metric = catalog.metric(name)  # by name, not a scan
    if metric is None:
        raise _fail(catalog, "metrics", f"metric {name} is not declared")
    return metric, f"metrics[{catalog.metrics.index(metric)}]"


def _objective(catalog: Catalog, kind: type):
    for i, objective in enumerate(catalog.objectives):
        if isinstance(objective, kind):
            return objective, f"objectives[{i}]"
    raise _fail(catalog, "objectives", f"the exporter needs a {kind.kind} objective to find its metric")


def _single_label(catalog: Catalog, metric: Metric, where: str, needed: tuple[str, ...]) -> Label:
    if len(metric.labels) != 1:
        raise _fail(catalog, f"{where}.labels", f"{metric.name} must have exactly one label")
    label = metric.labels[0]
    missing = [v for v in needed if v not in label.values]
    if missing:
        raise _fail(catalog, f"{where}.labels", f"{metric.name}{{{label.name}}} must allow {', '.join(missing)}")
    return label


def _request_labels(catalog: Catalog, metric: Metric, where: str, summary_path: str,
                    routes: tuple[str, ...]) -> RequestLabels:
    def find(test, what: str) -> Label:
        found = [label for label in metric.labels if test(label)]
        if len(found) != 1:
            raise _fail(catalog, f"{where}.labels", f"{metric.name} needs exactly one {what} label")
        return found[0]

    path = find(lambda lb: summary_path in lb.values, f"path label (allowing {summary_path})")
    method = find(lambda lb: "GET" in lb.values, "method label (allowing GET)")
    status = find(lambda lb: not lb.values and lb.allows("200") and not lb.allows("x"), "status-code label")
    for label, needed in ((path, (summary_path,) + routes + (FALLBACK,)), (method, ("GET", "POST", FALLBACK))):
        missing = [v for v in needed if v not in label.values]
        if missing:
            raise _fail(catalog, f"{where}.labels", f"{metric.name}{{{label.name}}} must allow {', '.join(missing)}")
    return RequestLabels(path, method, status)


def load_contract(catalog: Catalog, routes: tuple[str, ...], settings: ExporterConfig,
                  strategies: tuple[str, ...] = STRATEGIES + STORAGE_STRATEGIES) -> Contract:
    """The contract for a service serving the configured summary route and `routes`; `strategies`
    are the names the duration histogram's strategy label may take."""
    latency, at = _objective(catalog, LatencyObjective)
    duration, d_at = _metric_at(catalog, latency.metric)
    if duration.type != "histogram" or len(duration.labels) > 1 or (
            duration.labels and (not duration.labels[0].values or not set(duration.labels[0].values) <= set(strategies))):
        raise _fail(catalog, d_at, f"{duration.name} must be a histogram without labels, or with one label "
                    f"whose values are strategies ({', '.join(strategies)})")
    ratio, r_at = _objective(catalog, ErrorRatioObjective)
    errors, e_at = _metric_at(catalog, ratio.errors.metric)
    requests, q_at = _metric_at(catalog, ratio.total.metric)
    for metric, where in ((errors, e_at), (requests, q_at)):
        if metric.type != "counter":
            raise _fail(catalog, where, f"{metric.name} must be a counter")
    _single_label(catalog, errors, e_at, ERROR_TYPES)
    summary_path = settings.summary_path
    labels = _request_labels(catalog, requests, q_at, summary_path, routes)
    counted = dict(ratio.total.matchers).get(labels.path.name, summary_path)
    if counted != summary_path:
        raise _fail(catalog, f"{r_at}.total", f"the error ratio counts {counted}, not the endpoint {summary_path}")
    breakdowns = [m for m in catalog.metrics
                  if m.type == "counter" and m not in (errors, requests)
                  and len(m.labels) == 1 and set(m.labels[0].values) == set(STATUSES)]
    if len(breakdowns) != 1:
        raise _fail(catalog, "metrics", "the exporter needs exactly one counter with one label whose "
                    f"values are the pull-request statuses {', '.join(STATUSES)}")
    caches = [m for m in catalog.metrics
                  if m.type == "counter" and len(m.labels) == 1 and set(m.labels[0].values) == set(CACHE_RESULTS)]
    if len(caches) > 1:
        raise _fail(catalog, "metrics", "more than one counter has one label whose values are the cache lookup "
                    f"results {', '.join(CACHE_RESULTS)}: the exporter cannot tell which counts the cache")
    return Contract(catalog, duration, breakdowns[0], errors, requests, labels, summary_path,
                    settings.log_fields, duration.labels[0] if duration.labels else None,
                    caches[0] if caches else None)
