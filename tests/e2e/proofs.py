"""What the closed loop proves about each alert, as pure checks over what it observed.

Expectations come from the catalog (the single source of truth), never from the rule files the
loop runs: `for`, severity and the receiver its route names, the route's group_by and
repeat_interval, labels and annotation text. Observations come from Prometheus (the raw samples of
the `ALERTS` series, stamped with evaluation times) and from the webhook (every notification, with
the time it arrived). Each check returns a list of problems; an empty list is a proof.

Timing margins, all explicit:
  * firing comes `for` after pending, exactly in evaluation time, give or take one evaluation per
    iteration Prometheus reports missed (`FIRE_SLACK_EVALS` covers rounding of the first tick);
  * an alert is still firing when the fault is cleared, and resolves within the objective's
    window (scaled) plus `RESOLVE_MARGIN_SECONDS` (a scrape, an evaluation, a loaded machine);
  * a repeated notification comes `repeat_interval` after the previous one, at most one
    `group_interval` plus `REPEAT_MARGIN_SECONDS` late, never early.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.build.catalog_oracle import alert_annotations, alert_labels
from generator.model import AlertText, Catalog, LatencyObjective, Objective
from tests.e2e.time_scale import duration_ms

FIRE_SLACK_EVALS = 1
RESOLVE_MARGIN_SECONDS = 4.0
REPEAT_MARGIN_SECONDS = 1.5
EPSILON = 0.002  # Prometheus stores milliseconds


@dataclass(frozen=True)
class Expectation:
    """One alert of the catalog, in the loop's time scale."""
    name: str
    trigger: str  # "latency" | "errors" (objective faults) | "outage" (free-form alerts: the exporter stopped)
    for_seconds: float
    window_seconds: float  # objectives: the rate window; free-form alerts: 0
    receiver: str
    group_by: tuple[str, ...]
    repeat_seconds: float
    group_interval_seconds: float
    labels: dict[str, str]
    summary: str
    runbook_url: str
    description: re.Pattern


def _seconds(text: str, factor: float) -> float:
    return duration_ms(text) / 1000 / factor


def _pattern(template: str) -> re.Pattern:
    """An annotation template as a regex: Go template actions match any non-empty text."""
    parts = re.split(r"\{\{.*?\}\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z", re.S)


def expectations(catalog: Catalog, rule_factor: float, alertmanager_factor: float) -> list[Expectation]:
    alerting = catalog.alerting

    def one(text: AlertText, objective: Objective | None, trigger: str) -> Expectation:
        labels = alert_labels(catalog, text)
        receiver = alerting.first_route({**dict(alerting.match), **labels})  # the route the alert takes
        repeat = (receiver.repeat_interval if receiver and receiver.repeat_interval else alerting.repeat_interval)
        annotations = alert_annotations(text, objective)
        return Expectation(
            name=text.name, trigger=trigger, for_seconds=_seconds(text.for_, rule_factor),
            window_seconds=_seconds(objective.window, rule_factor) if objective else 0.0,
            receiver=receiver.receiver if receiver else alerting.default_receiver, group_by=tuple(alerting.group_by),
            repeat_seconds=_seconds(repeat, alertmanager_factor),
            group_interval_seconds=_seconds(alerting.group_interval, alertmanager_factor), labels=labels,
            summary=annotations["summary"], runbook_url=annotations["runbook_url"],
            description=_pattern(annotations["description"]))

    out = [one(o.alert, o, "latency" if isinstance(o, LatencyObjective) else "errors") for o in catalog.objectives]
    out += [one(a.text, None, "outage") for a in catalog.alerts]
    return out


# --- Prometheus' view ---------------------------------------------------------------------------

@dataclass
class Timeline:
    """Evaluation timestamps (unix seconds) of an alert's ALERTS samples, and of the phase's events."""
    pending: list[float] = field(default_factory=list)
    firing: list[float] = field(default_factory=list)
    triggered_at: float = 0.0  # fault injected / exporter stopped
    recovered_at: float = 0.0  # fault cleared / exporter back
    missed_evaluations: int = 0


def check_fires_after_for(t: Timeline, e: Expectation, eval_seconds: float) -> list[str]:
    if not t.pending:
        return [f"{e.name} was never pending"]
    if not t.firing:
        return [f"{e.name} never fired (pending from {t.pending[0]:.3f})"]
    problems = []
    pending, firing = min(t.pending), min(t.firing)
    if pending < t.triggered_at - eval_seconds - EPSILON:
        problems.append(f"{e.name} was pending {t.triggered_at - pending:.3f}s before its trigger")
    waited = firing - pending
    latest = e.for_seconds + eval_seconds * (FIRE_SLACK_EVALS + t.missed_evaluations)
    if waited < e.for_seconds - EPSILON:
        problems.append(f"{e.name} fired {waited:.3f}s after going pending, before its for of {e.for_seconds:g}s")
    elif waited > latest + EPSILON:
        problems.append(f"{e.name} fired {waited:.3f}s after going pending, later than its for of "
                        f"{e.for_seconds:g}s allows ({latest:g}s with {t.missed_evaluations} missed evaluations)")
    if any(p > firing + EPSILON for p in t.pending):
        problems.append(f"{e.name} went back to pending after firing")
    return problems


def check_resolves_after_recovery(t: Timeline, e: Expectation, eval_seconds: float, still_active: bool) -> list[str]:
    """Still firing when the fault was cleared, gone within the window plus the margin after it."""
    if not t.firing:
        return [f"{e.name} never fired, so it cannot resolve"]
    last = max(t.firing)
    problems = []
    if last < t.recovered_at - eval_seconds - EPSILON:
        problems.append(f"{e.name} stopped firing {t.recovered_at - last:.3f}s before recovery")
    allowed = e.window_seconds + RESOLVE_MARGIN_SECONDS
    if still_active or last > t.recovered_at + allowed + EPSILON:
        problems.append(f"{e.name} still firing {last - t.recovered_at:.3f}s after recovery "
                        f"(window {e.window_seconds:g}s + margin {RESOLVE_MARGIN_SECONDS:g}s)")
    return problems


# --- Alertmanager's view -------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    path: str  # `<webhook>/<receiver>` the route chose
    at: float  # arrival, unix seconds
    payload: dict


def _of(notifications: list[Received], name: str, status: str) -> list[Received]:
    return [n for n in notifications if any(a["labels"].get("alertname") == name and a.get("status") == status
                                            for a in n.payload.get("alerts", []))]


def check_notifications(notifications: list[Received], e: Expectation, job: str) -> list[str]:
    firing = _of(notifications, e.name, "firing")
    if not firing:
        return [f"{e.name}: no firing notification reached any receiver"]
    problems = []
    for n in firing + _of(notifications, e.name, "resolved"):
        if n.path != e.receiver or n.payload.get("receiver") != e.receiver:
            problems.append(f"{e.name} went to {n.path} (payload receiver {n.payload.get('receiver')}), "
                            f"not {e.receiver}")
        alert = next(a for a in n.payload["alerts"] if a["labels"].get("alertname") == e.name)
        want_group = {k: alert["labels"].get(k) for k in e.group_by if k in alert["labels"]}
        if n.payload.get("groupLabels") != want_group or set(want_group) != set(e.group_by):
            problems.append(f"{e.name} grouped by {n.payload.get('groupLabels')}, not by {list(e.group_by)}")
        wrong = {k: alert["labels"].get(k) for k, v in e.labels.items() if alert["labels"].get(k) != v}
        if wrong or alert["labels"].get("job") != job:
            problems.append(f"{e.name} labels {alert['labels']} differ from the catalog's {e.labels} (job {job})")
        notes = alert.get("annotations", {})
        if notes.get("summary") != e.summary or notes.get("runbook_url") != e.runbook_url:
            problems.append(f"{e.name} summary/runbook {notes.get('summary')!r} {notes.get('runbook_url')!r}")
        if not e.description.match(notes.get("description", "")):
            problems.append(f"{e.name} description {notes.get('description')!r} is not the catalog's template filled in")
    if not _of(notifications, e.name, "resolved"):
        problems.append(f"{e.name}: no resolved notification after recovery")
    return problems


def check_repeats(notifications: list[Received], e: Expectation) -> list[str]:
    """Consecutive firing notifications of the alert's group are `repeat_interval` apart; an alert that
    fired for longer than that must have been repeated, one that fired for less must not have been."""
    firing = sorted(_of(notifications, e.name, "firing"), key=lambda n: n.at)
    resolved = [n.at for n in _of(notifications, e.name, "resolved")]
    if not firing or not resolved:
        return [f"{e.name}: cannot judge repeats without a firing and a resolved notification"]
    problems = []
    late = e.group_interval_seconds + REPEAT_MARGIN_SECONDS
    for before, after in zip(firing, firing[1:]):
        gap = after.at - before.at
        if gap < e.repeat_seconds - 0.05 or gap > e.repeat_seconds + late:
            problems.append(f"{e.name} repeated after {gap:.2f}s; its route's repeat_interval is {e.repeat_seconds:g}s")
    period = min(resolved) - firing[0].at
    if len(firing) == 1 and period > e.repeat_seconds + late:
        problems.append(f"{e.name} fired {period:.2f}s without a repeat; its route's repeat_interval is {e.repeat_seconds:g}s")
    return problems


def route_repeat_seconds(config: dict, receiver: str, severity: str, factor: float = 1.0) -> float | None:
    """repeat_interval of the first sub-route sending `severity` to `receiver` in a loaded Alertmanager
    config (its root's when the sub-route sets none), in seconds times `factor`."""
    def walk(parent: dict, inherited: str) -> float | None:
        for route in parent.get("routes") or []:  # catalog subtrees, then their routes
            repeat = route.get("repeat_interval", inherited)
            matchers = " ".join(route.get("matchers") or [])
            if route.get("receiver") == receiver and re.search(rf"severity\s*=~?\s*\"[^\"]*\b{re.escape(severity)}\b", matchers):
                return duration_ms(repeat) / 1000 * factor
            found = walk(route, repeat)
            if found is not None:
                return found
        return None

    return walk(config["route"], config["route"]["repeat_interval"])
