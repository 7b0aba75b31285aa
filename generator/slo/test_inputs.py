"""The input series of the generated SLO tests (`generator.slo.tests`): the counted events of the SLI at
a fixed rate (`EVENTS` per sample), the bad ones at a share of them per phase; plus noise that must
not count: another service failing half its events, the same service's events that the SLI's
matchers leave out (e.g. auth errors, another path), all bad."""
from __future__ import annotations

from generator.build.test_series import (
    SeriesUnsupported, filter_keeps, label_sets, le_text, other_value, sample_values, target_labels,
)
from generator.model import Catalog, Metric, MetricRef, filter_selects
from generator.slo.model import SLO, LatencySLI

EVENTS = 1000.0  # counted events per input sample


def _selector(name: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def number(value: float) -> str:
    return f"{value:.12g}"


def _counter(steps: list[tuple[int, float]]) -> str:
    """promtool notation of a counter from (samples, increase per sample) phases, starting at 0."""
    parts, value, first = [], 0.0, True
    for count, step in steps:
        if count <= 0:
            continue
        start = value if first else value + step
        n = count - 1 if first else count - 1
        parts.append(f"{number(start)}+{number(step)}x{n}")
        value = start + step * n
        first = False
    return " ".join(parts)


def _pick(metric: Metric, want: MetricRef, exclude: MetricRef | None = None,
          also: MetricRef | None = None) -> dict[str, str]:
    """A label set of the metric that `want` (and `also`) select and `exclude` does not."""
    return _picks(metric, want, exclude, also)[0]


def _picks(metric: Metric, want: MetricRef, exclude: MetricRef | None = None,
           also: MetricRef | None = None) -> list[dict[str, str]]:
    """Every such label set among the realistic ones (at least one)."""
    fixed = dict(want.matchers) | (dict(also.matchers) if also else {})
    keep = filter_keeps(*want.filters, *(also.filters if also else ()))
    variants = [keep]
    if exclude is not None:  # values the excluded reference does not select
        for k, v in exclude.matchers:
            fixed.setdefault(k, other_value(metric.label(k), v))
        # A label set escapes the exclusion when it fails one of its matchers on any one label: the
        # sets failing on each label in turn (requiring every label to fail finds nothing when `want`
        # shares a matcher, e.g. route!="/healthz" on both sides); the plain keep as the last resort.
        both = lambda a, b: lambda v: a(v) and b(v)  # noqa: E731
        negations = filter_keeps(*exclude.filters, negate=True)
        variants = [{**keep, k: both(keep[k], fails) if k in keep else fails} for k, fails in negations.items()]
    found = [labels for variant in variants for labels in _sets(metric, fixed, variant, want, exclude, also)]
    if not found and exclude is not None:
        found = _sets(metric, fixed, keep, want, exclude, also)
    found = [labels for i, labels in enumerate(found) if labels not in found[:i]]
    if found:
        return found
    raise SeriesUnsupported(f"no label set of {metric.name} is counted as the SLI needs")


def _sets(metric: Metric, fixed: dict[str, str], keep, want: MetricRef, exclude: MetricRef | None,
          also: MetricRef | None) -> list[dict[str, str]]:
    """The realistic label sets `want` (and `also`) select and `exclude` does not, under `keep`."""
    try:
        sets = label_sets(metric, fixed, keep=keep)
    except SeriesUnsupported:
        return []
    return [labels for labels in sets if want.selects(labels) and (not also or also.selects(labels))
            and not (exclude is not None and exclude.selects(labels))]


def _share(steps: list[tuple[int, float]], parts: int) -> list[tuple[int, float]]:
    return [(n, step / parts) for n, step in steps]


def _rejected(metric: Metric, ref: MetricRef, base: dict[str, str]) -> list[dict[str, str]]:
    """Label sets the reference leaves out: one per matcher, each changing that label only."""
    out = []
    for k, v in ref.matchers:
        out.append({**base, k: other_value(metric.label(k), v)})
    for k, op, v in ref.filters:
        values = [c for c in sample_values(metric.label(k), 32) if not filter_selects(op, v, c)]
        if values:
            out.append({**base, k: values[0]})
    return out


class Inputs:
    """The series of one SLO for a share of bad events per phase."""

    def __init__(self, catalog: Catalog, slo: SLO):
        self.catalog, self.slo = catalog, slo
        self.target, self.noise = target_labels(catalog), target_labels(catalog, noise=True)

    def series(self, phases: list[tuple[int, float]]) -> list[tuple[str, str]]:
        """phases: (samples, bad share of the events)."""
        sli = self.slo.sli
        if isinstance(sli, LatencySLI):
            return self._latency(sli, phases)
        return self._ratio(sli, phases)

    def _ratio(self, sli, phases) -> list[tuple[str, str]]:
        metrics = self.catalog
        total_m = metrics.metric(sli.total.metric)
        out: list[tuple[str, str]] = []
        bad_steps = [(n, EVENTS * s) for n, s in phases]
        good_steps = [(n, EVENTS * (1 - s)) for n, s in phases]
        all_steps = [(n, EVENTS) for n, _ in phases]
        half = [(n, EVENTS / 2) for n, _ in phases]
        if sli.errors is not None:
            err_m = metrics.metric(sli.errors.metric)
            if err_m.name == total_m.name:
                bad = _pick(err_m, sli.errors, also=sli.total)
                out.append((_selector(err_m.name, {**self.target, **bad}), _counter(bad_steps)))
                # the good events spread over every value the errors' matchers leave out (200, 404, ...)
                oks = _picks(total_m, sli.total, exclude=sli.errors)
                out += [(_selector(total_m.name, {**self.target, **ok}), _counter(_share(good_steps, len(oks))))
                        for ok in oks]
            else:
                bad = _pick(err_m, sli.errors)
                total = _pick(total_m, sli.total)
                out += [(_selector(err_m.name, {**self.target, **bad}), _counter(bad_steps)),
                        (_selector(total_m.name, {**self.target, **total}), _counter(all_steps))]
                out += [(_selector(err_m.name, {**self.target, **r}), _counter(half)) for r in _rejected(err_m, sli.errors, bad)]
                out.append((_selector(err_m.name, {**self.noise, **bad}), _counter(half)))
            out += [(_selector(total_m.name, {**self.target, **r}), _counter(all_steps)) for r in _rejected(total_m, sli.total, _pick(total_m, sli.total))]
            out.append((_selector(total_m.name, {**self.noise, **_pick(total_m, sli.total)}), _counter(all_steps)))
        else:
            good_m = metrics.metric(sli.good.metric)
            if good_m.name == total_m.name:
                good = _pick(good_m, sli.good, also=sli.total)
                out.append((_selector(good_m.name, {**self.target, **good}), _counter(good_steps)))
                bads = _picks(total_m, sli.total, exclude=sli.good)
                out += [(_selector(total_m.name, {**self.target, **bad}), _counter(_share(bad_steps, len(bads))))
                        for bad in bads]
            else:
                good = _pick(good_m, sli.good)
                out += [(_selector(good_m.name, {**self.target, **good}), _counter(good_steps)),
                        (_selector(total_m.name, {**self.target, **_pick(total_m, sli.total)}), _counter(all_steps))]
                out += [(_selector(good_m.name, {**self.target, **r}), _counter(all_steps)) for r in _rejected(good_m, sli.good, good)]
            out.append((_selector(total_m.name, {**self.noise, **_pick(total_m, sli.total)}), _counter(all_steps)))
        return sorted(set(out))

    def _latency(self, sli: LatencySLI, phases) -> list[tuple[str, str]]:
        metric = self.catalog.metric(sli.metric)
        ref = sli.selection or MetricRef(sli.metric)
        chosen = _pick(metric, ref)
        bounds = list(metric.buckets) + [float("inf")]
        k = bounds.index(sli.threshold)

        def series(labels: dict[str, str], slow_of) -> list[tuple[str, str]]:
            out = []
            for i, bound in enumerate(bounds):
                # cumulative: everything fast is at the threshold's bucket, everything slow one bucket above
                steps = [(n, 0.0 if i < k else EVENTS * (1 - slow_of(s)) if i == k else EVENTS) for n, s in phases]
                out.append((_selector(f"{metric.name}_bucket", {**labels, "le": le_text(bound)}), _counter(steps)))
            out.append((_selector(f"{metric.name}_count", labels), _counter([(n, EVENTS) for n, _ in phases])))
            return out

        out = series({**self.target, **chosen}, lambda s: s)
        out += series({**self.noise, **chosen}, lambda s: 1.0)
        for rejected in _rejected(metric, ref, chosen):
            out += series({**self.target, **rejected}, lambda s: 1.0)
        return sorted(set(out))
