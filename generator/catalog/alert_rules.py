"""The catalog's `alerts:` and `recording_rules:` sections -> `AlertDef`s and `RecordingDef`s, the text
every alert carries (an objective's alert too), and alert names that stay unique across the catalog.

Checks the JSON Schema cannot express: `for` durations, the alert text's templates, a `test:` block
whose firing and quiet values differ, and no alert name given twice: by two alerts, an alert and an
objective's alert, or either of them and an SLO's burn-rate alert.
"""
from __future__ import annotations

from generator.catalog.alert_text import check_templates
from generator.catalog.fields import pairs, silences
from generator.catalog.located import Duration, Problem, unique
from generator.model import AlertDef, AlertTest, AlertText, Objective, RecordingDef, Service
from generator.slo.loader import slo_alert_names
from generator.slo.model import SLO


def alert_text(a: dict, at: str, service: Service, problem: Problem, duration: Duration,
               predicted: bool = True) -> AlertText:
    duration(a["for"], f"{at}.for")
    check_templates(a, at, problem, predicted)
    return AlertText(
        name=a["name"], for_=a["for"], severity=a["severity"], summary=a["summary"],
        description=a["description"],
        runbook_url=a.get("runbook_url", f"{service.runbook_base_url}/{a['name']}"),
        labels=pairs(a.get("labels")), annotations=pairs(a.get("annotations")),
        group=a.get("group", ""), silences=silences(a.get("silence")))


def build_alerts(items: list[dict], service: Service, problem: Problem, duration: Duration) -> tuple[AlertDef, ...]:
    return tuple(_alert(a, f"alerts[{i}]", service, problem, duration) for i, a in enumerate(items))


def _alert(a: dict, at: str, service: Service, problem: Problem, duration: Duration) -> AlertDef:
    test = a.get("test")
    if test is not None:
        value = lambda v: None if v == "absent" else float(v)  # noqa: E731
        test = AlertTest(test["series"], value(test["firing"]), value(test["quiet"]))
        if test.firing == test.quiet:
            problem(f"{at}.test", "firing and quiet must differ")
    return AlertDef(a["expr"], alert_text(a, at, service, problem, duration, predicted=test is not None), test)


def build_recording(items: list[dict]) -> tuple[RecordingDef, ...]:
    return tuple(RecordingDef(r["record"], r["expr"], pairs(r.get("labels")), r.get("group", ""), silences(r.get("silence")))
                 for r in items)


def check_alert_names(alerts: tuple[AlertDef, ...], objectives: tuple[Objective, ...], objective_paths: list[str],
                      slos: tuple[SLO, ...], problem: Problem) -> None:
    """Each alert name once among the alerts and the objectives' alerts; an SLO's alerts take none of them."""
    alerting = [(at, o) for at, o in zip(objective_paths, objectives) if o.alert is not None]
    unique([a.text.name for a in alerts] + [o.alert.name for _, o in alerting], "alert name",
           [f"alerts[{i}].name" for i in range(len(alerts))] + [f"{at}.alert.name" for at, _ in alerting], problem)
    slo_alerts = [(f"{s.source}.alerting.name", name) for s in slos for name in slo_alert_names(s)]
    taken = {a.text.name for a in alerts} | {o.alert.name for _, o in alerting}
    for at, name in slo_alerts:
        if name in taken:
            problem(at, f"the SLO's alert {name} has the name of another alert of the catalog")
