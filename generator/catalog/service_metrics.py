"""The catalog's `service:` and `metrics:` sections -> `Service` and typed `Metric`s: what is measured.

Checks the JSON Schema cannot express: positive scrape and rate windows, the service's alert
templates, an `aggregate_by` that keeps every selector label, label patterns that are RE2, counters
named `_total`, histogram buckets, and names that stay unique.
"""
from __future__ import annotations

from generator.catalog.alert_text import check_service_templates
from generator.catalog.fields import pairs, silences
from generator.catalog.located import Duration, Problem, unique
from generator.model import Label, Metric, Service
from generator.promql.regex import RegexError, check as check_regex


def build_service(s: dict, problem: Problem, duration: Duration) -> Service:
    grafana = s["grafana"]
    ds = grafana.get("datasource", {})
    for key in ("scrape_interval", "rate_window"):
        if key in s:
            duration(s[key], f"service.{key}", positive=True)
    check_service_templates(s, problem)
    aggregate_by = tuple(str(k) for k in s.get("aggregate_by", ()))
    missing = [k for k in sorted(s["selector"]) if aggregate_by and k not in aggregate_by]
    if missing or "le" in aggregate_by:
        problem("service.aggregate_by", "must not hold 'le' (the bucket label)" if "le" in aggregate_by else
                f"must hold every selector label, or rules would merge this service with others: missing {', '.join(missing)}")
    return Service(
        name=s["name"], team=s["team"], runbook_base_url=s["runbook_base_url"].rstrip("/"),
        folder_uid=grafana["folder"]["uid"], folder_title=grafana["folder"]["title"],
        selector=pairs(s["selector"]), title=s.get("title", s["name"]),
        datasource_type=ds.get("type", "prometheus"), datasource_uid=ds.get("uid", "prometheus"),
        scrape_interval=s.get("scrape_interval", "15s"), rate_window=s.get("rate_window", "5m"),
        aggregate_by=aggregate_by,
        severities=tuple(s.get("severities", ("critical", "warning", "info"))))


def build_metrics(items: list[dict], problem: Problem) -> tuple[Metric, ...]:
    out = []
    for i, m in enumerate(items):
        at = f"metrics[{i}]"
        labels = _labels(m, at, problem)
        unique([lab.name for lab in labels], "label", [f"{at}.labels[{j}].name" for j in range(len(labels))], problem)
        if m["type"] == "counter" and not m["name"].endswith("_total"):
            problem(f"{at}.name", f"counter {m['name']!r} must end in _total")
        buckets = tuple(float(b) for b in m.get("buckets", ()))
        if m["type"] == "histogram":
            if not buckets:
                problem(at, f"histogram {m['name']!r} needs buckets")
            elif list(buckets) != sorted(set(buckets)):
                problem(f"{at}.buckets", "buckets must be strictly increasing")
            if "le" in [lab.name for lab in labels]:
                problem(f"{at}.labels", "'le' is reserved for histogram buckets")
        elif buckets:
            problem(f"{at}.buckets", f"only histograms have buckets, {m['name']!r} is a {m['type']}")
        out.append(Metric(m["name"], m["type"], m["help"], m.get("unit", ""), tuple(labels), buckets,
                          bool(m.get("created_series", False)), silences(m.get("silence"))))
    unique([m.name for m in out], "metric", [f"metrics[{i}].name" for i in range(len(out))], problem)
    return tuple(out)


def _labels(m: dict, at: str, problem: Problem) -> list[Label]:
    labels = []
    for j, lab in enumerate(m.get("labels", [])):
        pattern = lab.get("pattern")
        if pattern is not None:
            try:
                check_regex(str(pattern))
            except RegexError as exc:
                problem(f"{at}.labels[{j}].pattern", f"invalid regular expression (RE2, as Prometheus "
                                                     f"uses): {exc}")
                # reported once: no later check (matchers, exclusions) judges values by a broken pattern
                pattern = None
        if "values" in lab and "pattern" in lab:
            problem(f"{at}.labels[{j}]", "give either values or pattern, not both")
        labels.append(Label(lab["name"], tuple(str(v) for v in lab.get("values", ())),
                            pattern, lab.get("description", "")))
    return labels
