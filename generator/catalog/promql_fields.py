"""The catalog's PromQL fields parse: alert and recording rule expressions, the series of alert
tests, dashboard queries.

Checked at load time, after `$selector` is expanded, so that no generator ever sees (or writes) an
expression Prometheus or Grafana would reject; the problem names the field and its line.
"""
from __future__ import annotations

from typing import Callable

from generator.build.expressions import expand_selector
from generator.errors import shorten
from generator.model import AlertDef, Dashboard, RecordingDef, Service
from generator.promql import ParseError, parse


def _check(expr: str, service: Service, doc_path: str, problem: Callable[[str, str], None], grafana: bool) -> None:
    expanded = expand_selector(expr, service.selector_text)
    try:
        parse(expanded, grafana=grafana)
    except ParseError as exc:
        shown = f" in `{shorten(expanded, 200)}`" if expanded != expr else ""
        problem(doc_path, f"invalid PromQL: {shorten(str(exc), 250)}{shown}")
    except RecursionError:
        problem(doc_path, "invalid PromQL: nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - whatever the parser trips on is a located catalog error
        problem(doc_path, f"invalid PromQL: the expression could not be parsed ({type(exc).__name__}: "
                          f"{shorten(str(exc), 200)})")


def check_expressions(alerts: tuple[AlertDef, ...], recording: tuple[RecordingDef, ...],
                      dashboards: tuple[Dashboard, ...], service: Service,
                      problem: Callable[[str, str], None]) -> None:
    """Report each expression that does not parse (dashboard queries may use Grafana variables)."""
    for i, alert in enumerate(alerts):
        _check(alert.expr, service, f"alerts[{i}].expr", problem, grafana=False)
        if alert.test is not None:  # the series its generated test feeds: a selector, parsed likewise
            _check(alert.test.series, service, f"alerts[{i}].test.series", problem, grafana=False)
    for i, rule in enumerate(recording):
        _check(rule.expr, service, f"recording_rules[{i}].expr", problem, grafana=False)
    for i, dashboard in enumerate(dashboards):
        for r, row in enumerate(dashboard.rows):
            for p, panel in enumerate(row.panels):
                for t, target in enumerate(panel.targets):
                    _check(target.expr, service, f"dashboards[{i}].rows[{r}].panels[{p}].targets[{t}].expr",
                           problem, grafana=True)
        for a, annotation in enumerate(dashboard.features.annotations):
            _check(annotation.expr, service, f"dashboards[{i}].annotations[{a}].expr", problem, grafana=True)
