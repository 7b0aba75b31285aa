"""The catalog's `alerting:` section -> an Alertmanager config, one file per catalog.

Routes go by the alert's `severity` label (critical -> PagerDuty, warning -> Slack for Ampel);
receivers name the files their secrets are read from (`routing_key_file`, `api_url_file`), so the
generated file can be committed and reviewed. Notification text comes from the alert's own
annotations (summary, description, runbook_url), which the rules renderer fills from the catalog.

`scale` divides grouping and repeat timings, for the time-scaled profile of the closed-loop test.
"""
from __future__ import annotations

from generator.build.expressions import scale_duration
from generator.model import Alerting, Catalog, Receiver
from generator.renderers.header import comment_header
from generator.renderers.rules import dump_yaml

FOLDERS = ("alertmanager",)

SLACK_TITLE = "[{{ .Status | toUpper }}{{ if eq .Status \"firing\" }}:{{ .Alerts.Firing | len }}{{ end }}] " \
              "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"
SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}"
PAGERDUTY_DESCRIPTION = "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"


def config_path(catalog: Catalog) -> str:
    return f"alertmanager/{catalog.service.name}.yml"


def _matcher(severities: tuple[str, ...]) -> str:
    if len(severities) == 1:
        return f'severity="{severities[0]}"'
    return f'severity=~"{"|".join(severities)}"'


def route(alerting: Alerting, scale: float = 1.0) -> dict:
    out: dict = {
        "receiver": alerting.default_receiver,
        "group_by": list(alerting.group_by),
        "group_wait": scale_duration(alerting.group_wait, scale),
        "group_interval": scale_duration(alerting.group_interval, scale),
        "repeat_interval": scale_duration(alerting.repeat_interval, scale),
    }
    routes = []
    for receiver in alerting.receivers:
        if not receiver.severities:
            continue
        sub: dict = {"receiver": receiver.name, "matchers": [_matcher(receiver.severities)]}
        if receiver.repeat_interval:
            sub["repeat_interval"] = scale_duration(receiver.repeat_interval, scale)
        routes.append(sub)
    if routes:
        out["routes"] = routes
    return out


def receiver_config(receiver: Receiver) -> dict:
    if receiver.type == "pagerduty":
        return {"name": receiver.name, "pagerduty_configs": [{
            "routing_key_file": receiver.secret_file,
            "send_resolved": receiver.send_resolved,
            "severity": "{{ .CommonLabels.severity }}",
            "description": PAGERDUTY_DESCRIPTION,
            "links": [{"href": "{{ .CommonAnnotations.runbook_url }}", "text": "Runbook"}],
        }]}
    slack: dict = {"api_url_file": receiver.secret_file, "send_resolved": receiver.send_resolved}
    if receiver.channel:
        slack["channel"] = receiver.channel
    slack.update(title=SLACK_TITLE, title_link="{{ .CommonAnnotations.runbook_url }}", text=SLACK_TEXT)
    return {"name": receiver.name, "slack_configs": [slack]}


def config_document(catalog: Catalog, scale: float = 1.0) -> dict:
    alerting = catalog.alerting
    return {
        "global": {"resolve_timeout": scale_duration(alerting.resolve_timeout, scale)},
        "route": route(alerting, scale),
        "receivers": [receiver_config(r) for r in alerting.receivers],
    }


def render(catalog: Catalog) -> dict[str, str]:
    if catalog.alerting is None:
        return {}
    return {config_path(catalog): comment_header(catalog) + dump_yaml(config_document(catalog))}
