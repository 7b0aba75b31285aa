"""Input series for generated promtool tests: realistic label sets taken from the catalog, counter
steps and gauge levels over time phases, written in promtool's expanding notation.

Counter steps are whole multiples of STEP (15 per minute, a rate of 0.25/s) so every rate and every
sum of rates is exact in floating point; see `generator.build.steady_state`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from generator.model import Catalog, Label, Metric, filter_selects
from generator.promql.regex import matches as regex_matches

STEP = 15  # counter increase per minute of one "unit"
_CANDIDATES = ("200", "500", "404", "503", "GET", "POST", "default", "other", "a", "b")


class SeriesUnsupported(ValueError):
    """The catalog gives no way to build realistic input for this item."""


@dataclass(frozen=True)
class Phase:
    samples: int  # one sample per minute
    per_minute: float | None = None  # counter step
    value: float | None = None  # gauge level; both None: absent


@dataclass(frozen=True)
class TimedSeries:
    name: str
    labels: tuple[tuple[str, str], ...]
    phases: tuple[Phase, ...]
    start: float = 0.0  # first value of a counter

    def selector(self) -> str:
        inner = ", ".join(f'{k}="{_escape(v)}"' for k, v in self.labels)
        return f"{self.name}{{{inner}}}"

    def values(self) -> str:
        """promtool notation: `a+bxn` gives n+1 samples, `vxn` n+1 samples, `_xn` n blanks."""
        parts, last = [], None
        for phase in self.phases:
            n = phase.samples - 1
            if phase.per_minute is not None:
                first = self.start if last is None else last + phase.per_minute
                parts.append(f"{_num(first)}+{_num(phase.per_minute)}x{n}")
                last = first + phase.per_minute * n
            elif phase.value is not None:
                parts.append(f"{_num(phase.value)}x{n}" if n else _num(phase.value))
            else:
                parts.append(f"_x{phase.samples}")
        return " ".join(parts)


def _num(value: float) -> str:
    return f"{value:.12g}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def instance_label(catalog: Catalog) -> tuple[str, str]:
    return ("instance", f"{catalog.service.name}-0:8080")


def target_labels(catalog: Catalog, noise: bool = False) -> dict[str, str]:
    """The service's selector labels plus an instance; `noise` gives another service's labels."""
    labels = {k: (f"{v}-other" if noise else v) for k, v in catalog.service.selector}
    labels.setdefault(*instance_label(catalog))
    for name in catalog.service.aggregate_by:  # e.g. cluster: a target label the selector does not fix
        labels.setdefault(name, f"{name}-1")
    return labels


def sample_values(label: Label, count: int = 2) -> list[str]:
    """Values a realistic series would carry for this label."""
    if label.values:
        return list(label.values[:count])
    if label.pattern:
        found = [c for c in _CANDIDATES if regex_matches(label.pattern, c)]
        if not found:
            raise SeriesUnsupported(f"label {label.name!r}: no sample value matches pattern {label.pattern!r}; "
                                    "list its values instead")
        return found[:count]
    return [f"{label.name}-1", f"{label.name}-2"][:count]


def other_value(label: Label, value: str) -> str:
    """An allowed value of the label other than `value`."""
    for candidate in sample_values(label, 10):
        if candidate != value:
            return candidate
    raise SeriesUnsupported(f"label {label.name!r} allows no value besides {value!r}")


def label_sets(metric: Metric, fixed: dict[str, str], vary: int = 3,
               exclude: dict[str, tuple[str, ...]] | None = None,
               keep: dict[str, Callable[[str], bool]] | None = None) -> list[dict[str, str]]:
    """Combinations of the metric's labels: fixed ones as given, the first free label with up to four
    sample values, the next ones up to `vary` with two, any further free label with one; free labels
    never take a value `exclude` lists for them, and only values their `keep` predicate accepts."""
    free = [label for label in metric.labels if label.name not in fixed]
    choices = [_kept_values(label, 4 if i == 0 else 2 if i < vary else 1, (exclude or {}).get(label.name, ()),
                            (keep or {}).get(label.name))
               for i, label in enumerate(free)]
    out = []
    for combo in itertools.product(*choices):
        labels = dict(fixed)
        labels.update({label.name: value for label, value in zip(free, combo)})
        out.append(labels)
    return out


def _kept_values(label: Label, count: int, excluded: tuple[str, ...],
                 keep: Callable[[str], bool] | None = None) -> list[str]:
    wanted = count + len(excluded) if keep is None else len(_CANDIDATES) + len(label.values) + 2
    kept = [v for v in sample_values(label, wanted) if v not in excluded and (keep is None or keep(v))]
    if not kept:
        raise SeriesUnsupported(f"label {label.name!r}: every sample value is excluded")
    return kept[:count]


def filter_keeps(*filters: tuple[str, str, str], negate: bool = False) -> dict[str, Callable[[str], bool]]:
    """label -> predicate: the value passes every (label, op, value) matcher on that label
    (`negate`: fails at least one of them)."""
    by_label: dict[str, list[tuple[str, str]]] = {}
    for name, op, value in filters:
        by_label.setdefault(name, []).append((op, value))

    def predicate(matchers):
        passes = lambda v: all(filter_selects(op, value, v) for op, value in matchers)  # noqa: E731
        return (lambda v: not passes(v)) if negate else passes

    return {name: predicate(matchers) for name, matchers in by_label.items()}


def exact_units(windows: tuple[float, ...]):
    """Predicate: a counter step of k units per minute gives a rate Prometheus computes exactly
    (increase * (1 / range seconds) == k * STEP / 60) for every rate window in use."""
    def exact(units: int) -> bool:
        return all((units * STEP * w / 60) * (1.0 / w) == units * STEP / 60 for w in windows)
    return exact


def nearest_exact(units: int, exact, direction: int = 1) -> int:
    """The closest unit count in `direction` (+1 up, -1 down) whose rate is exact."""
    while units > 0 and not exact(units):
        units += direction
    return max(units, 0)


def split(units: int, parts: int, exact=lambda _: True, direction: int = 1) -> list[int]:
    """Units spread as evenly as possible over parts, each share with an exact rate. The total is
    kept when possible; a single part moves in `direction` to the nearest exact count."""
    if parts == 1:
        return [nearest_exact(units, exact, direction)]
    base, extra = divmod(units, parts)
    shares = [base + (1 if i < extra else 0) for i in range(parts)]
    for i in range(parts - 1):
        shares[i] = nearest_exact(shares[i], exact, -1)
    for _ in range(64):
        last = units - sum(shares[:-1])
        if last >= 0 and (last == 0 or exact(last)):
            return shares[:-1] + [last]
        shares[0] = nearest_exact(shares[0] - 1, exact, -1) if shares[0] > 0 else 0
    shares[-1] = nearest_exact(units - sum(shares[:-1]), exact, direction)
    return shares


def le_text(bound: float) -> str:
    """The `le` label as client libraries write it: 0.5, 1.0, +Inf."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def histogram_series(metric: Metric, base: dict[str, str], units_per_bucket: list[int]) -> list[tuple[str, dict, float]]:
    """(name, labels, per-minute step) of one histogram child: _bucket (cumulative), _count, _sum.

    `units_per_bucket` counts observations per bucket (not cumulative), the last one for +Inf."""
    bounds = list(metric.buckets) + [float("inf")]
    out, cumulative, total_sum = [], 0, 0.0
    for bound, units in zip(bounds, units_per_bucket):
        cumulative += units
        out.append((f"{metric.name}_bucket", {**base, "le": le_text(bound)}, cumulative * STEP))
        total_sum += units * STEP * (bound if bound != float("inf") else 2 * bounds[-2])
    out.append((f"{metric.name}_count", dict(base), cumulative * STEP))
    out.append((f"{metric.name}_sum", dict(base), total_sum))
    return out
