"""Configs of the closed loop, read from the committed artifacts on disk.

- rules: every file of `alerts/` and `recording_rules/` as committed, time-scaled by `RULE_SCALE`
  (`tests/e2e/time_scale.py`: only durations and windows change);
- Alertmanager: `alertmanager/*.yml` as committed, its timers scaled by `ALERTMANAGER_SCALE`, and
  every receiver redirected to the local webhook at `<webhook>/<receiver name>`, so the test sees
  which receiver the route chose (the routes themselves are untouched);
- dashboards: every target of `dashboards/*.json`, ranges scaled, Grafana's variables substituted;
- Prometheus: scrapes the exporter every second under the catalog's selector labels.

`OBSGEN_E2E_ARTIFACTS` points the loop at another root holding those four folders (a tampered copy,
say); by default it is the repository. A hand edit to a committed file changes what the loop runs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from generator.model import Catalog
from tests.e2e.time_scale import scale_alertmanager_document, scale_dashboard, scale_rule_document
from tests.support.paths import REPO

SCRAPE_INTERVAL_SECONDS = 1
EVAL_INTERVAL_SECONDS = 1
# Windows of 5m and `for` of 2m..10m become 5s and 2s..10s.
RULE_SCALE = 60
# Alertmanager's 30s/5m/1h/4h become 50ms/500ms/6s/24s: the critical route's 1h repeat is seen live.
ALERTMANAGER_SCALE = 600
ARTIFACTS_ENV = "OBSGEN_E2E_ARTIFACTS"
RULE_FOLDERS = ("recording_rules", "alerts")


def artifact_root() -> Path:
    return Path(os.environ.get(ARTIFACTS_ENV) or REPO)


def committed_rule_files(root: Path) -> list[Path]:
    files = [p for folder in RULE_FOLDERS for p in sorted((root / folder).glob("*.y*ml"))]
    if not files:
        raise FileNotFoundError(f"no rule files under {root}/{{{','.join(RULE_FOLDERS)}}}")
    return files


def loop_rule_files(root: Path, scale: float = RULE_SCALE) -> dict[str, str]:
    """Relative path -> time-scaled text of every committed rule file."""
    out = {}
    for path in committed_rule_files(root):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[str(path.relative_to(root))] = yaml.safe_dump(scale_rule_document(document, scale), sort_keys=False)
    return out


def committed_alertmanager_config(root: Path) -> dict:
    files = sorted((root / "alertmanager").glob("*.y*ml"))
    if len(files) != 1:
        raise FileNotFoundError(f"expected one Alertmanager config under {root}/alertmanager, found {len(files)}")
    return yaml.safe_load(files[0].read_text(encoding="utf-8"))


def alertmanager_loop_config(root: Path, webhook_url: str, scale: float = ALERTMANAGER_SCALE) -> dict:
    document = scale_alertmanager_document(committed_alertmanager_config(root), scale)
    document["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": f"{webhook_url}/{r['name']}", "send_resolved": True}]}
        for r in document["receivers"]]
    return document


def dashboard_targets(root: Path, scale: float = RULE_SCALE) -> list[tuple[str, str]]:
    """(file / panel / refId, query ready for Prometheus) of every committed dashboard target."""
    out = []
    for path in sorted((root / "dashboards").glob("*.json")):
        document = scale_dashboard(json.loads(path.read_text(encoding="utf-8")), scale)
        variables = {**grafana_variables(), **_dashboard_variables(document)}
        for panel in _panels(document):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    out.append((f"{path.name} / {panel['title']} / {target['refId']}",
                                substitute_grafana_variables(target["expr"], variables)))
    return out


def _dashboard_variables(document: dict) -> dict[str, str]:
    """The dashboard's own variables as "All" would send them: `.+` for a label's values, a
    constant's value, an interval's first duration."""
    out = {}
    for variable in (document.get("templating") or {}).get("list") or []:
        kind, name = variable.get("type"), variable.get("name")
        if kind in ("query", "custom"):
            value = ".+"
        elif kind == "constant":
            value = variable.get("query", "")
        elif kind == "interval":
            value = str(variable.get("query", "")).split(",")[0]
        else:
            continue
        out[f"${{{name}}}"] = out[f"${name}"] = value
    return out


def _panels(container: dict):
    for panel in container.get("panels") or []:
        yield panel
        yield from _panels(panel)


def scrape_job(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """Job name and extra target labels that make the exporter's series match the catalog's selector."""
    selector = dict(catalog.service.selector)
    job = selector.pop("job", catalog.service.name)
    return job, selector


def prometheus_config(catalog: Catalog, exporter: str, alertmanager_target: str, rule_files: list[str],
                      external_labels: dict[str, str] | None = None) -> dict:
    """`external_labels` tell Alertmanager which Prometheus sent an alert (the loop runs two)."""
    job, labels = scrape_job(catalog)
    target: dict = {"targets": [exporter]}
    if labels:
        target["labels"] = labels
    settings = {"scrape_interval": f"{SCRAPE_INTERVAL_SECONDS}s", "scrape_timeout": f"{SCRAPE_INTERVAL_SECONDS}s",
                "evaluation_interval": f"{EVAL_INTERVAL_SECONDS}s"}
    if external_labels:
        settings["external_labels"] = dict(external_labels)
    return {
        "global": settings,
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
