"""Test catalogs built in code: a minimal valid catalog plus what one test needs, written as YAML
into a temporary project, so no test depends on the shipped catalog.

    builder = CatalogBuilder("shop").metric(COUNTER).objective(ERRORS).alert(DOWN)
    path = builder.write(tmp_path)          # tmp_path/catalog/shop.yaml
    line = builder.line_of(path, "alerts[0]")

The minimal catalog has a service (name, team, runbook base URL, Grafana folder and datasource, a
`{job: <name>}` selector, a 15 s scrape interval) and one counter, `<name>_requests_total` with a
`code` label (`metrics=[...]` replaces it); everything else is added by the test. Items are plain
dicts, written as given, so a test can also write what the schema refuses. A test that must write a
catalog's exact text (a removed field, an edited line) takes the service block from `service_text`.
Nothing here uses an Ampel-only field.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml


SCHEMA_LINE = "# yaml-language-server: $schema=../generator/catalog/catalog.schema.json\n"


def requests_counter(service: str) -> dict:
    return {"name": f"{service}_requests_total", "type": "counter", "help": "Requests served, by status code.",
            "unit": "requests", "labels": [{"name": "code", "values": ["200", "404", "500"]}]}


def counter(name: str, labels: list | None = None, **extra) -> dict:
    out = {"name": name, "type": "counter", "help": "Events counted.", "unit": "events"}
    if labels:
        out["labels"] = labels
    out.update(extra)
    return out


def label(name: str, *values: str, pattern: str | None = None) -> dict:
    out: dict = {"name": name}
    if values:
        out["values"] = list(values)
    if pattern is not None:
        out["pattern"] = pattern
    return out


def histogram(name: str, buckets: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.5), labels: list | None = None) -> dict:
    out = {"name": name, "type": "histogram", "help": "Time to serve one request.", "unit": "seconds",
           "buckets": list(buckets)}
    if labels:
        out["labels"] = labels
    return out


def gauge(name: str, labels: list | None = None) -> dict:
    out = {"name": name, "type": "gauge", "help": "Items waiting.", "unit": "items"}
    if labels:
        out["labels"] = labels
    return out


def alert(name: str, expr: str, *, severity: str = "critical", for_: str = "5m", test: dict | None = None,
          **extra) -> dict:
    """A free-form alert with the fields lint asks for (summary, templated description)."""
    out = {"name": name, "expr": expr, "for": for_, "severity": severity, "summary": f"{name} is firing",
           "description": "Seen on {{ $labels.job }} for " + for_ + "."}
    if test is not None:
        out["test"] = test
    out.update(extra)
    return out


def _objective_alert(name: str | None, for_: str, severity: str, description: str) -> dict | bool:
    """An objective's alert, or `false` (no alert) without a name."""
    if name is None:
        return False
    return {"name": name, "for": for_, "severity": severity, "summary": f"{name} is firing", "description": description}


def latency_objective(name: str, metric: str, threshold: float | dict, *, alert_name: str | None, quantile: float = 0.95,
                      for_: str = "5m", severity: str = "warning", description: str | None = None, **extra) -> dict:
    """A latency objective; `alert_name=None` writes `alert: false`."""
    out = {"name": name, "kind": "latency", "metric": metric, "quantile": quantile, "threshold": threshold,
           "alert": _objective_alert(alert_name, for_, severity, description or
                                     "p is {{ $value | humanizeDuration }} on {{ $labels.job }}, above ${threshold} "
                                     "for ${for}.")}
    out.update(extra)
    return out


def error_ratio_objective(name: str, errors: dict, total: dict, threshold: float | dict, *, alert_name: str | None,
                          for_: str = "5m", severity: str = "critical", description: str | None = None,
                          **extra) -> dict:
    """An error-ratio objective; `alert_name=None` writes `alert: false`."""
    out = {"name": name, "kind": "error_ratio", "errors": errors, "total": total, "threshold": threshold,
           "alert": _objective_alert(alert_name, for_, severity, description or
                                     "{{ $value | humanizePercentage }} fail on {{ $labels.job }}, above ${threshold} "
                                     "for ${for}.")}
    out.update(extra)
    return out


def panel(title: str, expr: str, *, type_: str = "timeseries", unit: str = "short", **extra) -> dict:
    out = {"title": title, "type": type_, "unit": unit, "description": f"{title}, per second.",
           "targets": [{"expr": expr, "legend": title}]}
    out.update(extra)
    return out


def dashboard(uid: str, *panels: dict, title: str | None = None, **extra) -> dict:
    out = {"uid": uid, "title": title or f"Test / {uid}", "tags": ["generated"],
           "description": f"The {uid} dashboard.", "rows": [{"title": "Main", "panels": list(panels)}]}
    out.update(extra)
    return out


def scenario(name: str, *, path: str = "/api/items", tier: str | None = None, **extra) -> dict:
    out: dict = {"name": name, "description": f"The {name} scenario.", "executor": "constant-vus", "vus": 1,
                 "duration": "10s", "requests": [{"name": "get", "method": "GET", "path": path, "status": 200}]}
    if tier is not None:
        out["tier"] = tier
    out.update(extra)
    return out


def receivers(prefix: str = "team") -> dict:
    """An `alerting:` section: critical pages a webhook, everything else goes to another."""
    return {"default_receiver": f"{prefix}-chat",
            "receivers": [{"name": f"{prefix}-pager", "type": "webhook", "url": "http://127.0.0.1:9/pager"},
                          {"name": f"{prefix}-chat", "type": "webhook", "url": "http://127.0.0.1:9/chat"}],
            "routes": [{"receiver": f"{prefix}-pager", "matchers": ['severity="critical"']}]}


class CatalogBuilder:
    """A minimal valid catalog as a dict; each method adds one item and returns the builder."""

    def __init__(self, name: str = "shop", *, team: str = "platform", job: str | None = None,
                 metrics: list[dict] | None = None):
        """`metrics`, when given, replace the minimal catalog's counter."""
        self.name = name
        self.data: dict = {
            "service": {"name": name, "title": name.replace("-", " ").title(), "team": team,
                        "runbook_base_url": f"https://runbooks.example.com/{name}",
                        "grafana": {"folder": {"uid": f"{name}-folder", "title": name.title()},
                                    "datasource": {"type": "prometheus", "uid": "prometheus"}},
                        "selector": {"job": job or name}, "scrape_interval": "15s"},
            "metrics": copy.deepcopy(metrics) if metrics is not None else [requests_counter(name.replace("-", "_"))],
        }

    @property
    def counter(self) -> str:
        """The name of the minimal catalog's counter."""
        return self.data["metrics"][0]["name"]

    def _append(self, section: str, item: dict) -> "CatalogBuilder":
        self.data.setdefault(section, []).append(copy.deepcopy(item))
        return self

    def service(self, **fields) -> "CatalogBuilder":
        self.data["service"].update(copy.deepcopy(fields))
        return self

    def metric(self, item: dict) -> "CatalogBuilder":
        return self._append("metrics", item)

    def tier(self, name: str, target: float, critical: float) -> "CatalogBuilder":
        return self._append("tiers", {"name": name, "target": target, "critical": critical})

    def objective(self, item: dict) -> "CatalogBuilder":
        return self._append("objectives", item)

    def alert(self, item: dict) -> "CatalogBuilder":
        return self._append("alerts", item)

    def recording_rule(self, record: str, expr: str, **extra) -> "CatalogBuilder":
        return self._append("recording_rules", {"record": record, "expr": expr, **extra})

    def dashboard(self, item: dict) -> "CatalogBuilder":
        return self._append("dashboards", item)

    def load_test(self, item: dict, auth: dict | None = None) -> "CatalogBuilder":
        section = self.data.setdefault("load_tests", {"scenarios": []})
        if auth is not None:
            section["auth"] = copy.deepcopy(auth)
        section["scenarios"].append(copy.deepcopy(item))
        return self

    def alerting(self, section: dict | None = None) -> "CatalogBuilder":
        self.data["alerting"] = copy.deepcopy(section if section is not None else receivers(self.name))
        return self

    def set(self, section: str, value) -> "CatalogBuilder":
        """Any top-level section as given (including what the schema refuses)."""
        self.data[section] = copy.deepcopy(value)
        return self

    def text(self) -> str:
        return SCHEMA_LINE + _dump(self.data)

    def write(self, root: Path, name: str | None = None) -> Path:
        """Write the catalog to root/catalog/<name or service name>.yaml and return its path."""
        path = root / "catalog" / f"{name or self.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.text(), encoding="utf-8")
        return path

    @staticmethod
    def line_of(path: Path, needle: str, after: str = "") -> int:
        """The 1-based line of the first line holding `needle` (after the first holding `after`), found
        in the written text, independently of the catalog loader."""
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if after in line) if after else 0
        return next(i + 1 for i, line in enumerate(lines) if i >= start and needle in line)


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=10_000, allow_unicode=True)


def service_text(name: str = "shop", *, team: str = "platform", job: str | None = None, **fields) -> str:
    """The minimal catalog's `service:` block as YAML text (ending in a newline), for the tests that must
    write a catalog's exact text (an old field, a duplicate key, an edited line) around it."""
    return _dump({"service": CatalogBuilder(name, team=team, job=job).service(**fields).data["service"]})


def every_artifact(name: str = "shop") -> CatalogBuilder:
    """A catalog that generates every kind of artifact: a latency objective (`<Name>Slow`), an error
    ratio (`<Name>HighErrorRate`, for 3m), a free-form alert with a test: block (`<Name>Down`, for 2m),
    a dashboard with a stat panel and Grafana variables in its queries, a load test and receivers."""
    title, metric = name.title().replace("-", ""), name.replace("-", "_")
    duration = f"{metric}_request_duration_seconds"
    return (CatalogBuilder(name)
            .metric(histogram(duration))
            .metric(counter(f"{metric}_errors_total", [label("error_type", "database", "timeout")]))
            .objective(latency_objective("latency", duration, 0.5, alert_name=f"{title}Slow"))
            .objective(error_ratio_objective("errors", {"metric": f"{metric}_errors_total"},
                                             {"metric": f"{metric}_requests_total"}, 0.01,
                                             alert_name=f"{title}HighErrorRate", for_="3m"))
            .alert(alert(f"{title}Down", "up{$selector} == 0", for_="2m",
                         test={"series": 'up{$selector, instance="a:1"}', "firing": 0, "quiet": 1}))
            .dashboard(dashboard(
                name,
                panel("p95", f"job:{duration}:p95_rate5m{{$selector}}", type_="stat", unit="s"),
                panel("Average response time", f"sum(rate({duration}_sum{{$selector}}[$__rate_interval])) / "
                                               f"sum(rate({duration}_count{{$selector}}[$__rate_interval]))", unit="s")))
            .load_test(scenario(f"{metric}_smoke"))
            .alerting())
