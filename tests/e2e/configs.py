"""Configs of the closed loop, all derived from the catalog and the generators.

- rules: `build_rule_groups(catalog, scale)` rendered by the rules renderer (time-scaled profile:
  same expressions and names, windows and `for` divided by the scale);
- Alertmanager: the generated config, same scale, every receiver redirected to the local webhook
  at `<webhook>/<receiver name>` so the test sees which receiver the route chose;
- Prometheus: scrapes the exporter every second under the catalog's selector labels.
"""
from __future__ import annotations

from generator.build.rules import build_rule_groups
from generator.model import Catalog
from generator.renderers import alertmanager
from generator.renderers.rules import render_groups

SCRAPE_INTERVAL_SECONDS = 1
# Production windows of 5m and `for` of 2m..10m become 5s and 2s..10s: the loop fits in seconds.
TIME_SCALE = 60


def loop_rule_files(catalog: Catalog, scale: float = TIME_SCALE) -> dict[str, str]:
    return render_groups(catalog, build_rule_groups(catalog, scale=scale))


def alertmanager_loop_config(catalog: Catalog, webhook_url: str, scale: float = TIME_SCALE) -> dict:
    document = alertmanager.config_document(catalog, scale=scale)
    document["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": f"{webhook_url}/{r['name']}", "send_resolved": True}]}
        for r in document["receivers"]]
    return document


def scrape_job(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """Job name and extra target labels that make the exporter's series match the catalog's selector."""
    selector = dict(catalog.service.selector)
    job = selector.pop("job", catalog.service.name)
    return job, selector


def prometheus_config(catalog: Catalog, exporter: str, alertmanager_target: str, rule_files: list[str]) -> dict:
    job, labels = scrape_job(catalog)
    target: dict = {"targets": [exporter]}
    if labels:
        target["labels"] = labels
    interval = f"{SCRAPE_INTERVAL_SECONDS}s"
    return {
        "global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
        "rule_files": rule_files,
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_target]}]}]},
        "scrape_configs": [{"job_name": job, "metrics_path": "/metrics", "static_configs": [target]}],
    }


def grafana_variables(scrape_seconds: int = SCRAPE_INTERVAL_SECONDS) -> dict[str, str]:
    """Grafana's built-in variables as this Prometheus would get them for a short time range."""
    rate_interval = f"{4 * scrape_seconds}s"  # max($__interval + scrape, 4 x scrape) with $__interval = scrape
    return {"$__rate_interval": rate_interval, "${__rate_interval}": rate_interval,
            "$__interval_ms": str(scrape_seconds * 1000), "$__interval": f"{scrape_seconds}s",
            "${__interval}": f"{scrape_seconds}s", "$__range_s": "60", "$__range_ms": "60000", "$__range": "1m",
            "${__range}": "1m"}


def substitute_grafana_variables(expr: str, variables: dict[str, str] | None = None) -> str:
    variables = variables or grafana_variables()
    for name in sorted(variables, key=len, reverse=True):  # $__interval_ms before $__interval
        expr = expr.replace(name, variables[name])
    if "$" in expr:
        raise ValueError(f"unsubstituted Grafana variable in {expr!r}")
    return expr
