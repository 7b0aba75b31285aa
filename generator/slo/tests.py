"""Generated promtool tests of the SLO rules: for every tier of every SLO,

  * fires: after a healthy history as long as the long window, a burn just above the tier's factor
    (1.1x) fires once both windows exceed it, and not while the long window still holds less (0.8 of it);
  * quiet: a burn just below the factor (0.9x) from the start, sustained past both windows, never fires;
  * resets: after a burn at twice the factor, the alert stops once the short window has recovered,
    while the long window is still above the threshold (checked with `> bool`);
  * tickets also fire on a slow burn, between their factor and the lowest page factor, that no page
    tier catches.

Inputs are coarse: one sample per half of the base window (three in it: Prometheus 2 counts both ends
of a range). promtool's cost grows with the evaluations (each one evaluates every loaded rule) and
with the span of data, so each tier's tests are evaluated as coarsely as its cases allow: once per
short window (a 3d/6h tier: a dozen evaluations per long window), or every half of it when the
short window's recovery would not fit otherwise (`evaluation_intervals`). Tests with the same
evaluation interval share a file, `tests/rules/<service>-slo-<interval>-test.yaml`. Expected labels
and annotations come from the catalog's SLO, the rule files are read as committed.

Input series: `generator.slo.test_inputs`.
"""
from __future__ import annotations

import math
import posixpath
from dataclasses import dataclass, field

from generator.build.expressions import format_number
from generator.build.test_series import SeriesUnsupported, target_labels
from generator.model import Catalog, format_duration, parse_duration
from generator.slo.model import PAGE, SLO, TICKET, BurnTier
from generator.slo.rules import alert_annotations, alert_name, base_window, ratio_name
from generator.slo.test_inputs import Inputs, escape


class CaseUnsupported(ValueError):
    """The tier's windows leave no room for this case."""


@dataclass
class Case:
    name: str
    interval: int  # input sample spacing, seconds
    series: list[tuple[str, str]]  # (selector, promtool values)
    alerts: list[tuple[int, str, list[dict]]] = field(default_factory=list)  # (seconds, alertname, exp_alerts)
    exprs: list[tuple[int, str, list[dict]]] = field(default_factory=list)  # (seconds, expr, exp_samples)


@dataclass
class SLOTestPlan:
    files: dict[int, list[Case]]  # evaluation interval (seconds) -> cases
    untested: list[tuple[str, str, str]]  # (catalog doc path, alert, reason)


# --- the cases ----------------------------------------------------------------------------------

def _ceil(seconds: float, step: int) -> int:
    return int(math.ceil(seconds / step) * step)


def _floor(seconds: float, step: int) -> int:
    return int(seconds // step * step)


def sample_interval(slo: SLO) -> int:
    """Input sample spacing in seconds: half the base window (three samples in it)."""
    return max(int(parse_duration(base_window(slo)) // 2), 1)


def evaluation_intervals(slo: SLO, tier: BurnTier) -> list[int]:
    """Evaluation intervals (seconds) a tier's tests may use, coarsest first: its short window, then
    half of it; each a multiple of the input spacing. The assertions hold at either: the alert needs
    two evaluations past `for` whatever the interval, the long window's share of burn at the "not yet"
    check is at most 0.8 at any resolution of the recorded base rates (0.8 of the evaluations in it),
    and `resets` refuses an interval whose recovery would not fit inside the long window's high
    part (CaseUnsupported), which is when the finer one is taken."""
    sample = sample_interval(slo)
    short = parse_duration(tier.short)
    out = []
    for evaluation in (max(sample, _floor(short, sample)), max(sample, _floor(short / 2, sample))):
        if evaluation not in out:
            out.append(evaluation)
    return out


def intervals(slo: SLO, tier: BurnTier, evaluation: int | None = None) -> tuple[int, int]:
    """(input sample spacing, evaluation interval) in seconds for a tier's tests; the coarsest
    evaluation interval unless one is given."""
    return sample_interval(slo), evaluation or evaluation_intervals(slo, tier)[0]


def expected_alert(catalog: Catalog, slo: SLO, tier: BurnTier) -> dict:
    """The alert as the catalog describes it, on the service's aggregation labels."""
    cls = slo.alerting.page if tier.alert == PAGE else slo.alerting.ticket
    labels = dict(cls.labels)
    labels.update({"severity": cls.severity, "team": catalog.service.team, "slo": slo.name, "slo_alert": tier.alert,
                   "long_window": tier.long, "short_window": tier.short, "burn_rate": format_number(tier.factor)})
    target = target_labels(catalog)
    labels.update({k: target[k] for k in catalog.service.aggregation_labels})
    annotations = alert_annotations(catalog, slo, tier)
    first = catalog.service.aggregation_labels[0]
    annotations = {k: v.replace(f"{{{{ $labels.{first} }}}}", target[first]) for k, v in annotations.items()}
    return {"exp_labels": dict(sorted(labels.items())), "exp_annotations": dict(sorted(annotations.items()))}


class _TierCases:
    def __init__(self, catalog: Catalog, slo: SLO, tier: BurnTier, evaluation: int | None = None):
        self.catalog, self.slo, self.tier = catalog, slo, tier
        self.sample, self.eval = intervals(slo, tier, evaluation)
        self.long, self.short = parse_duration(tier.long), parse_duration(tier.short)
        self.for_ = parse_duration(tier.for_)
        self.base = parse_duration(base_window(slo))
        self.history = _ceil(self.long + self.base, self.eval)
        self.inputs = Inputs(catalog, slo)
        self.alert = alert_name(slo, tier)
        self.expected = expected_alert(catalog, slo, tier)
        self.title = f"{self.alert} ({tier.alert} {tier.long}/{tier.short} at {format_number(tier.factor)}x)"

    def share(self, times_factor: float) -> float:
        """The bad share at a multiple of the tier's factor, kept below 1."""
        ratio = times_factor * self.tier.factor * self.slo.budget
        if ratio >= 1:
            ratio = (self.slo.threshold(self.tier) + 1) / 2
        return ratio

    def samples(self, seconds: float) -> int:
        return int(round(seconds / self.sample))

    def case(self, name: str, phases: list[tuple[float, float]]) -> Case:
        """phases: (seconds, bad share); the input covers them, one sample more at the start."""
        counts = [(self.samples(sec) + (1 if i == 0 else 0), share) for i, (sec, share) in enumerate(phases)]
        return Case(f"{self.title}: {name}", self.sample, self.inputs.series(counts))

    def fires(self) -> Case:
        burn = _ceil(self.long, self.eval) + _ceil(self.for_, self.eval) + 2 * self.eval
        case = self.case(f"fires at {format_number(1.1)} times its factor once both windows exceed it",
                         [(self.history, 0.0), (burn, self.share(1.1))])
        case.alerts += [(self.history + _floor(0.8 * self.long, self.eval), self.alert, []),
                        (self.history + burn, self.alert, [self.expected])]
        return case

    def quiet(self) -> Case:
        burn = _ceil(self.long + self.short, self.eval) + _ceil(self.for_, self.eval) + 2 * self.eval
        # no healthy history: the windows hold nothing but the burn from the start
        case = self.case("stays quiet at 0.9 times its factor", [(burn, self.share(0.9))])
        case.alerts += [(_ceil(self.long, self.eval) + _ceil(self.for_, self.eval) + self.eval, self.alert, []),
                        (burn, self.alert, [])]
        return case

    def resets(self) -> Case:
        burn = _ceil(self.long, self.eval) + _ceil(self.for_, self.eval) + 2 * self.eval
        after = _ceil(self.short + self.base, self.eval) + 2 * self.eval
        share = self.share(2)
        still_high = self.long * (1 - self.slo.threshold(self.tier) / share)
        if after >= 0.8 * still_high:
            raise CaseUnsupported(f"the short window {self.tier.short} recovers too late to see the long window "
                                  f"{self.tier.long} still high")
        case = self.case("stops once the short window recovers, while the long window is still high",
                         [(burn, share), (after + self.eval, 0.0)])
        end = burn
        threshold = format_number(self.slo.threshold(self.tier))
        long_high = f"{ratio_name(self.catalog, self.slo, self.tier.long)} > bool {threshold}"
        aggregation = {k: target_labels(self.catalog)[k] for k in self.catalog.service.aggregation_labels}
        labels = "{" + ", ".join(f'{k}="{escape(v)}"' for k, v in sorted(aggregation.items())) + "}"
        case.alerts += [(end, self.alert, [self.expected]), (end + after, self.alert, [])]
        case.exprs.append((end + after, long_high, [{"labels": labels, "value": 1}]))
        return case

    def slow_burn(self, pages: list[BurnTier]) -> Case:
        lowest = min((t.factor for t in pages), default=math.inf)
        low, high = 1.1 * self.tier.factor, 0.9 * lowest
        if pages and low >= high:
            raise CaseUnsupported(f"no burn rate lies between {format_number(self.tier.factor)}x and the lowest page "
                                  f"factor {format_number(lowest)}x")
        times = ((low + high) / 2 if pages else 2 * self.tier.factor) / self.tier.factor
        burn = _ceil(self.long, self.eval) + _ceil(self.for_, self.eval) + 2 * self.eval
        case = self.case(f"fires on a slow burn ({format_number(round(times * self.tier.factor, 3))}x) that no page catches",
                         [(burn, self.share(times))])
        end = burn
        case.alerts.append((end, self.alert, [self.expected]))
        for page in pages:
            case.alerts += [(_ceil(burn / 2, self.eval), alert_name(self.slo, page), []),
                            (end, alert_name(self.slo, page), [])]
        return case


def build_slo_plan(catalog: Catalog) -> SLOTestPlan:
    files: dict[int, list[Case]] = {}
    untested: list[tuple[str, str, str]] = []
    for slo in catalog.slos:
        pages = [t for t in slo.alerting.tiers if t.alert == PAGE]
        for tier in slo.alerting.tiers:
            # the coarsest interval at which no more of the tier's cases are left out than at the finest
            tried = [_tier_cases(catalog, slo, tier, pages, e) for e in evaluation_intervals(slo, tier)]
            evaluation, built, left = min(tried, key=lambda t: len(t[2]))
            files.setdefault(evaluation, []).extend(built)
            untested += [(f"{slo.source}.alerting", alert_name(slo, tier), reason) for reason in left]
    return SLOTestPlan(files, untested)


def _tier_cases(catalog: Catalog, slo: SLO, tier: BurnTier, pages: list[BurnTier],
                evaluation: int) -> tuple[int, list[Case], list[str]]:
    """(evaluation interval, the tier's cases at it, the reasons of the cases it leaves out)."""
    cases = _TierCases(catalog, slo, tier, evaluation)
    builders = [cases.fires, cases.quiet, cases.resets]
    if tier.alert == TICKET:
        builders.append(lambda: cases.slow_burn(pages))
    built, left = [], []
    for build in builders:
        try:
            built.append(build())
        except (CaseUnsupported, SeriesUnsupported) as exc:
            left.append(str(exc))
    return cases.eval, built, left


def _duration(seconds: int) -> str:
    return format_duration(seconds)


def test_file_path(catalog: Catalog, evaluation: int) -> str:
    return f"tests/rules/{catalog.service.name}-slo-{_duration(evaluation)}-test.yaml"


def test_documents(catalog: Catalog, plan: SLOTestPlan, rule_files: list[str], group_order: list[str]) -> dict[str, dict]:
    """Relative path -> the promtool test document of each evaluation interval of the plan."""
    out = {}
    for evaluation, cases in sorted(plan.files.items()):
        rel = test_file_path(catalog, evaluation)
        up = posixpath.relpath(".", posixpath.dirname(rel))
        tests = []
        for case in cases:
            test: dict = {"name": case.name, "interval": _duration(case.interval),
                          "input_series": [{"series": s, "values": v} for s, v in case.series]}
            if case.alerts:
                test["alert_rule_test"] = [{"eval_time": _duration(t), "alertname": a, "exp_alerts": e}
                                           for t, a, e in case.alerts]
            if case.exprs:
                test["promql_expr_test"] = [{"expr": x, "eval_time": _duration(t), "exp_samples": s}
                                            for t, x, s in case.exprs]
            tests.append(test)
        out[rel] = {"rule_files": [posixpath.join(up, f) for f in rule_files], "evaluation_interval": _duration(evaluation),
                    "group_eval_order": group_order, "tests": tests}
    return out
