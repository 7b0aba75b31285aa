"""What the catalog says an alert looks like, for the generated promtool tests.

The generated tests must not take their expectations from the rules they test: a generator bug
would then write the same mistake into the rule and into its test. Everything here reads the
catalog model and the test's input series only, never a `Rule`:

  * `for` is the catalog's `for`;
  * the labels are the objective's aggregation labels (the service selector's keys, with the
    selector's values), then the catalog's alert labels, severity and team;
  * the value is computed from the input series with the catalog's own definition of the
    objective: the quantile of the selected histogram buckets (latency), or the selected errors over
    the selected requests (error ratio); free-form alerts evaluate the catalog's expression;
  * annotations are the catalog's templates with `${threshold}` and `${for}` written out here from
    the catalog's numbers (its own formatting, not the rule builder's), then rendered the way
    Prometheus renders them (`generator.build.go_template`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from generator.build import go_template
from generator.build.steady_state import NAME, InputSeries, bucket_quantile
from generator.model import AlertText, Catalog, ErrorRatioObjective, LatencyObjective, MetricRef, Objective


@dataclass(frozen=True)
class AlertSample:
    """One element of an alert's result vector: its labels (no metric name) and value."""
    labels: tuple[tuple[str, str], ...]
    value: float


def threshold_text(value: float, unit: str) -> str:
    """The catalog's threshold as people read it: 0.01 percentunit -> "1%", 0.5 s -> "500ms", 4 s -> "4s"."""
    exact = Decimal(repr(float(value)))
    if unit == "percentunit":
        return _plain(exact * 100) + "%"
    if unit == "s":
        return _plain(exact * 1000) + "ms" if exact < 1 else _plain(exact) + "s"
    return _plain(exact)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def alert_labels(catalog: Catalog, text: AlertText) -> dict[str, str]:
    """Labels the catalog puts on an alert: its own labels, then severity and team unless it sets them."""
    labels = dict(text.labels)
    labels.setdefault("severity", text.severity)
    labels.setdefault("team", catalog.service.team)
    return labels


def alert_annotations(text: AlertText, objective: Objective | None) -> dict[str, str]:
    """The catalog's annotation templates with ${for} and ${threshold} filled in (Go templates kept)."""
    values = {"for": text.for_}
    if objective is not None:
        values["threshold"] = threshold_text(objective.threshold, objective.unit)

    def fill(template: str) -> str:
        for key, value in values.items():
            template = template.replace("${" + key + "}", value)
        return template

    out = dict(text.annotations)
    out["summary"] = fill(text.summary)
    out["description"] = fill(text.description)
    out["runbook_url"] = text.runbook_url
    return out


def render_alert(catalog: Catalog, text: AlertText, objective: Objective | None,
                 sample: AlertSample) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(labels, annotations) of the firing alert for one sample, sorted, as promtool expects them."""
    template_labels = dict(sample.labels)
    labels = {k: v for k, v in sample.labels if k != NAME}
    labels.update({k: go_template.render(v, template_labels, sample.value) for k, v in alert_labels(catalog, text).items()})
    annotations = {k: go_template.render(v, template_labels, sample.value)
                   for k, v in alert_annotations(text, objective).items()}
    return tuple(sorted(labels.items())), tuple(sorted(annotations.items()))


def objective_value(catalog: Catalog, obj: Objective, series: list[InputSeries]) -> float:
    """The objective's value over steady input series (NaN without traffic)."""
    selector = dict(catalog.service.selector)
    return _quantile(obj, selector, series) if isinstance(obj, LatencyObjective) else _ratio(obj, selector, series)


def objective_sample(catalog: Catalog, obj: Objective, series: list[InputSeries]) -> AlertSample | None:
    """The objective's value over steady input series, or None when the alert's condition does not hold."""
    value = objective_value(catalog, obj, series)
    if math.isnan(value) or not value > obj.threshold:
        return None
    labels = dict(catalog.service.selector)
    # aggregation labels beyond the selector: the test series' target values (instance: <service>-0:8080)
    labels.update((k, f"{catalog.service.name}-0:8080" if k == "instance" else f"{k}-1")
                  for k in catalog.service.aggregate_by if k not in labels)
    if isinstance(obj, LatencyObjective) and obj.selection is not None:
        labels.update(obj.selection.matchers)  # equality matchers of a latency objective aggregate
    return AlertSample(tuple(sorted(labels.items())), value)


def _of_service(series: InputSeries, name: str, selector: dict[str, str]) -> bool:
    labels = dict(series.labels)
    return series.name == name and all(labels.get(k) == v for k, v in selector.items())


def _per_second(series: InputSeries) -> float:
    return (series.per_minute or 0.0) / 60


def _selected_rate(ref: MetricRef, selector: dict[str, str], series: list[InputSeries]) -> float:
    return sum(_per_second(s) for s in series if _of_service(s, ref.metric, selector) and ref.selects(dict(s.labels)))


def _ratio(obj: ErrorRatioObjective, selector: dict[str, str], series: list[InputSeries]) -> float:
    errors = _selected_rate(obj.errors, selector, series)
    total = _selected_rate(obj.total, selector, series)
    return errors / total if total else math.nan


def _quantile(obj: LatencyObjective, selector: dict[str, str], series: list[InputSeries]) -> float:
    cumulative: dict[float, float] = {}
    for s in series:
        if _of_service(s, f"{obj.metric}_bucket", selector) and (obj.selection is None or obj.selection.selects(dict(s.labels))):
            bound = float(dict(s.labels)["le"].replace("+Inf", "inf"))
            cumulative[bound] = cumulative.get(bound, 0.0) + _per_second(s)
    return bucket_quantile(obj.quantile, sorted(cumulative.items()))
