"""Input series of an objective at a level of its condition: just above or just below its threshold,
healthy, and (error ratios) at twice or half of it; with noise the objective must not count.

Error ratios: a total that makes one unit of errors the smallest step across the threshold.
Latency: observations per bucket that put the quantile just above or below the threshold bucket.
Every count has an exact rate over every window the rules use (`exact`).
"""
from __future__ import annotations

import math

from generator.build.steady_state import InputSeries
from generator.build.test_series import (
    STEP, SeriesUnsupported, filter_keeps, histogram_series, label_sets, nearest_exact, other_value, sample_values,
    split, target_labels,
)
from generator.model import Catalog, ErrorRatioObjective, LatencyObjective, Objective, filter_selects


def error_levels(threshold: float) -> tuple[int, dict[str, int]]:
    """Total units and error units per level; one unit is the smallest step above/below."""
    total = 100 * math.ceil(20 / threshold / 100)
    at = threshold * total
    return total, {"just_above": math.floor(at) + 1, "just_below": math.ceil(at) - 1,
                   "double": round(2 * at), "half": round(at / 2), "healthy": 0}


def _latency_levels(obj: LatencyObjective, buckets: tuple[float, ...], exact, total: int = 1600) -> dict[str, list[int]]:
    """Observations per bucket (last one +Inf) putting the quantile just above / below the threshold;
    every cumulative count has an exact rate."""
    k = buckets.index(obj.threshold)
    if k + 1 >= len(buckets):
        raise SeriesUnsupported(f"threshold {obj.threshold:g} is the highest finite bucket: the quantile can never exceed it")
    total = nearest_exact(total, exact, 1)
    rank = obj.quantile * total

    def shape(at_or_below: int) -> list[int]:
        counts = [0] * (len(buckets) + 1)
        low = nearest_exact(min(total // 2, at_or_below), exact, -1) if k > 0 else 0
        counts[0] += low
        counts[k] += at_or_below - low
        counts[k + 1] += total - at_or_below
        return counts

    healthy = [0] * (len(buckets) + 1)
    healthy[0] = total
    return {"just_above": shape(nearest_exact(math.ceil(rank) - 1, exact, -1)),
            "just_below": shape(nearest_exact(math.floor(rank) + 1, exact, 1)), "healthy": healthy}


def error_series(catalog: Catalog, obj: ErrorRatioObjective, errors: int, total: int, exact, direction: int) -> list[tuple[str, dict, float]]:
    """(name, labels, per-minute step): errors and requests of the service, plus noise that must not count.

    Counted errors and requests take only values the objective does not exclude and its other
    matchers (`!=`, `=~`, `!~`) select; a burst of each excluded value and of a value each such
    matcher does not select (half the requests) is added as noise."""
    err_ref, tot_ref = obj.errors, obj.total
    err_metric, tot_metric = catalog.metric(err_ref.metric), catalog.metric(tot_ref.metric)
    fixed_e, fixed_t = dict(err_ref.matchers), dict(tot_ref.matchers)
    skip_e, skip_t = dict(err_ref.exclude), dict(tot_ref.exclude)
    base, noise = target_labels(catalog), target_labels(catalog, noise=True)
    same = err_metric.name == tot_metric.name
    keep_e, keep_t = filter_keeps(*err_ref.filters), filter_keeps(*tot_ref.filters)
    keep_both = filter_keeps(*err_ref.filters, *tot_ref.filters) if same else keep_e
    out = []

    def spread(metric, fixed, units, labels, toward=1, skip=None, sets=None, keep=None) -> int:
        sets = sets or label_sets(metric, fixed, exclude=skip, keep=keep)
        shares = split(units, len(sets), exact, toward)
        for share, extra in zip(shares, sets):
            out.append((metric.name, {**labels, **extra}, share * STEP))
        return sum(shares)

    def burst(metric, ref, fixed, skip, keep) -> int:
        """Excluded values and values a matcher does not select, at half the requests; units that the total counts."""
        first = label_sets(metric, fixed, exclude=skip, keep=keep)[0]
        sets = [{**first, k: v} for k, values in ref.exclude for v in values]
        for k, op, v in ref.filters:
            rejected = [{**first, k: c} for c in sample_values(metric.label(k), 32) if not filter_selects(op, v, c)]
            # on one counter, an error's rejected value the total counts is plain traffic, already there
            rejected = [r for r in rejected if not (same and ref is err_ref and tot_ref.selects(r))]
            if rejected:
                sets.append(rejected[0])
        if not sets:
            return 0
        if not ref.filters:
            units = spread(metric, fixed, total // 2, base, sets=sets)
            return units if same and all(tot_ref.selects(s) for s in sets) else 0
        shares = split(total // 2, len(sets), exact)
        for share, extra in zip(shares, sets):
            out.append((metric.name, {**base, **extra}, share * STEP))
        return sum(share for share, extra in zip(shares, sets) if same and tot_ref.selects(extra))

    if same:
        # requests that are not errors: flip an errors-only matcher (one the total shares must hold)
        ok_e = {k: other_value(err_metric.label(k), v) for k, v in fixed_e.items() if fixed_t.get(k) != v}
        # without an equality matcher to flip, requests that are not errors fail the errors' first other
        # matcher that the total does not share (failing a shared one would leave the total too)
        own = [f for f in err_ref.filters if f not in tot_ref.filters] or list(err_ref.filters)
        ok_keep = keep_t if ok_e or not err_ref.filters else {
            **keep_t, **_both(keep_t, filter_keeps(own[0], negate=True))}
        counted = spread(err_metric, {**fixed_t, **fixed_e}, errors, base, direction, {**skip_t, **skip_e}, keep=keep_both)
        in_total = burst(err_metric, err_ref, {**fixed_t, **fixed_e}, {**skip_t, **skip_e}, keep_both)
        burst(tot_metric, tot_ref, {**fixed_t, **ok_e}, skip_t, ok_keep)
        spread(tot_metric, {**fixed_t, **ok_e}, total - counted - in_total, base, skip=skip_t, keep=ok_keep)
    else:
        spread(err_metric, fixed_e, errors, base, direction, skip_e, keep=keep_e)
        spread(tot_metric, fixed_t, total, base, skip=skip_t, keep=keep_t)
        burst(err_metric, err_ref, fixed_e, skip_e, keep_e)
        burst(tot_metric, tot_ref, fixed_t, skip_t, keep_t)
        for k, v in fixed_e.items():  # errors outside the objective's matchers
            spread(err_metric, {**fixed_e, k: other_value(err_metric.label(k), v)}, total // 2, base, keep=keep_e)
    for k, v in fixed_t.items():  # traffic outside the objective's matchers (another path)
        spread(tot_metric, {**fixed_t, k: other_value(tot_metric.label(k), v)}, total // 2, base)
    # another service failing half of its requests
    spread(err_metric, {**fixed_t, **fixed_e} if same else fixed_e, total // 2, noise)
    if not same:
        spread(tot_metric, fixed_t, total, noise)
    return out


def _both(first: dict, second: dict) -> dict:
    """Predicates of two `filter_keeps` maps joined per label (a value must pass both)."""
    out = dict(first)
    for name, predicate in second.items():
        out[name] = (lambda a, b: lambda v: a(v) and b(v))(first[name], predicate) if name in first else predicate
    return out


def _latency_series(catalog: Catalog, obj: LatencyObjective, counts: list[int]) -> list[tuple[str, dict, float]]:
    """Every label set (e.g. each provider) observes the same distribution, so each one alone and their
    sum put the quantile at the same place."""
    metric = catalog.metric(obj.metric)
    out = []
    ref = obj.selection
    fixed = dict(ref.matchers) if ref else {}
    sets = label_sets(metric, fixed, keep=filter_keeps(*ref.filters) if ref else None)
    for extra in sets:
        out += histogram_series(metric, {**target_labels(catalog), **extra}, counts)
    slow = [0] * len(counts)
    slow[-1] = sum(counts)  # another service, every request slower than the highest bucket
    out += histogram_series(metric, {**target_labels(catalog, noise=True), **sets[0]}, slow)
    # this service's requests the objective's matchers leave out (another route): all slow, never counted
    rejected = [{**sets[0], k: other_value(metric.label(k), v)} for k, v in fixed.items()]
    for k, op, v in ref.filters if ref else ():
        rejected += [{**sets[0], k: c} for c in sample_values(metric.label(k), 32) if not filter_selects(op, v, c)][:1]
    for extra in rejected:
        out += histogram_series(metric, {**target_labels(catalog), **extra}, slow)
    return out


def objective_series(catalog: Catalog, obj: Objective, level: str, exact) -> list[tuple[str, dict, float]]:
    if isinstance(obj, LatencyObjective):
        metric = catalog.metric(obj.metric)
        return _latency_series(catalog, obj, _latency_levels(obj, metric.buckets, exact)[level])
    total, levels = error_levels(obj.threshold)
    return error_series(catalog, obj, levels[level], total, exact, -1 if level in ("just_below", "half") else 1)


def steady_series(catalog: Catalog, obj: Objective, level: str, exact) -> list[InputSeries]:
    """The objective's series at `level` as steady input of an evaluation (each at its per-minute step)."""
    return [InputSeries(n, tuple(sorted(lab.items())), per_minute=s) for n, lab, s in objective_series(catalog, obj, level, exact)]
