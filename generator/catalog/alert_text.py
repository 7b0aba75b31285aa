"""Checks of an alert's texts that the JSON Schema cannot express.

Every label and annotation value (the service's team and runbook base URL included: every alert
carries them) is a Go template that Prometheus renders, and that the generated
rule tests must predict exactly: a template outside the subset `go_template` renders, or one that
Prometheus refuses (an unclosed `{{`), is a located catalog problem instead of a failure later.
"""
from __future__ import annotations

from typing import Callable

from generator.build import go_template
from generator.errors import shorten

_TEXT_FIELDS = ("summary", "description", "runbook_url", "severity")
# service fields every alert carries: `team` as a label, `runbook_base_url` in the default runbook_url
_SERVICE_FIELDS = ("team", "runbook_base_url")


def check_templates(a: dict, at: str, problem: Callable[[str, str], None], predicted: bool = True) -> None:
    """`predicted`: the generated tests always assert this alert's texts (an objective's alert), so
    every template must be in the rendered subset. A free-form alert's template only has to be one
    Prometheus accepts: one outside the subset leaves that alert `untested-rule`, reported by validate."""
    fields = [(f"{at}.{key}", a[key]) for key in _TEXT_FIELDS if isinstance(a.get(key), str)]
    for section in ("labels", "annotations"):
        fields += [(f"{at}.{section}.{k}", v) for k, v in (a.get(section) or {}).items() if isinstance(v, str)]
    _check(fields, problem, predicted)


def check_service_templates(s: dict, problem: Callable[[str, str], None]) -> None:
    _check([(f"service.{key}", s[key]) for key in _SERVICE_FIELDS if isinstance(s.get(key), str)], problem)


def _check(fields: list[tuple[str, str]], problem: Callable[[str, str], None], predicted: bool = True) -> None:
    for doc_path, text in fields:
        try:
            (go_template.check if predicted else go_template.check_syntax)(text)
        except go_template.TemplateUnsupported as exc:
            problem(doc_path, f"unsupported alert template: {shorten(str(exc), 200)} (supported: $value, "
                              "$labels.x, .Value, .Labels.x, piped through humanize, humanizePercentage, "
                              'humanizeDuration or printf "%.Ng")')
