"""Catalog loading: YAML -> JSON Schema -> semantic checks -> typed `Catalog`.

Every problem is collected and reported at once, each with file, line and document path.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from generator.catalog import schema_cache
from generator.catalog.alert_text import check_service_templates, check_templates
from generator.catalog.alerting import build_alerting
from generator.catalog.durations import duration_problem
from generator.catalog.format_version import version_problem
from generator.catalog.matchers import check_matchers, split_matchers
from generator.catalog.load_tests import build_scenarios, load_test_settings
from generator.catalog.request_templates import build_templates
from generator.catalog.outputs import kubernetes_output, mimir_output
from generator.catalog.dashboard_features import dashboard_features, refresh_text
from generator.catalog.dashboard_variables import dashboard_variables
from generator.catalog.panel_features import PanelScope, panel_features
from generator.catalog.panel_kinds import panel_kind
from generator.catalog.promql_fields import check_expressions
from generator.slo.dashboard import slo_dashboards
from generator.slo.loader import build_slos, slo_alert_names
from generator.catalog.reading import read_catalog_text, yaml_error_line, yaml_error_reason
from generator.catalog.removed_fields import removed_fields
from generator.catalog.yaml_positions import YAMLProblems, json_path, load_with_lines
from generator.errors import CatalogError, Location, Problem
from generator.promql.regex import RegexError, check as check_regex
from generator.model import (
    AlertDef, AlertTest, AlertText, Catalog, Dashboard, ErrorRatioObjective, LatencyObjective, Metric, MetricRef,
    Label, Objective, Panel, RecordingDef, Row, Scenario, Service, Silence, Target, Tier, parse_duration,
)

SCHEMA_FILE = "catalog.schema.json"
# One failure in a million: below it, an error-ratio objective cannot be tested with whole counts.
MIN_ERROR_RATIO = 1e-6
# The smallest quantile: rule names spell it as a percentile, which must not need an exponent.
MIN_QUANTILE = 0.001


@lru_cache(maxsize=1)
def catalog_schema_text() -> str:
    return resources.files("generator.catalog").joinpath(SCHEMA_FILE).read_text()


@lru_cache(maxsize=1)
def catalog_schema() -> dict:
    return json.loads(catalog_schema_text())


# Part of the schema cache's key: a pass recorded by a looser check of the same schema text is no pass.
VALIDATOR_VERSION = "strict-patterns-1"


@lru_cache(maxsize=1)
def _validator():
    from generator.catalog.schema_patterns import strict_validator  # jsonschema only when checking

    return strict_validator(catalog_schema())


@lru_cache(maxsize=1)
def _named_patterns() -> dict[str, str]:
    """Pattern -> what it stands for, from the schema's definitions that describe themselves."""
    return {d["pattern"]: d["description"] for d in catalog_schema()["definitions"].values()
            if "pattern" in d and "description" in d}


def schema_path() -> Path:
    return Path(str(resources.files("generator.catalog").joinpath(SCHEMA_FILE)))


def display_path(path: Path, base: Path | None = None) -> str:
    """Catalog path as artifacts name it: relative to `base` (the project root, default the working
    directory) when inside it, so headers do not depend on where the command runs."""
    try:
        return path.resolve().relative_to((base or Path.cwd()).resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # outside base, or a symlink loop (reported on reading)
        return path.as_posix()


def load_catalog(path: str | Path, base: Path | None = None) -> Catalog:
    path = Path(path)
    name = display_path(path, base)
    text = read_catalog_text(path, name)
    try:
        data, lines = load_with_lines(text)
    except YAMLProblems as exc:
        raise CatalogError([Problem(Location(name, p.line, p.path), p.message) for p in exc.problems])
    except yaml.YAMLError as exc:
        location = Location(name, yaml_error_line(exc, text))
        raise CatalogError([Problem(location, f"invalid YAML: {yaml_error_reason(exc)}")])
    if not isinstance(data, dict):
        raise CatalogError([Problem(Location(name, 1), "the catalog must be a YAML mapping")])
    unknown_version = version_problem(data, name, lines)
    if unknown_version is not None:
        raise CatalogError([unknown_version])

    removed = removed_fields(data)
    if removed:  # where each went, in place of the schema's bare "unknown field" for it
        gone = {doc_path for doc_path, _ in removed}
        raise CatalogError([Problem(Location(name, _line(lines, p), p), m) for p, m in removed]
                           + [p for p in _schema_check(name, data, lines) if p.location.path not in gone])
    passed = schema_cache.key(catalog_schema_text() + VALIDATOR_VERSION, data)
    if not schema_cache.passed(passed):
        problems = _schema_check(name, data, lines)
        if problems:
            raise CatalogError(problems)
        schema_cache.remember(passed)
    return _Builder(Path(name), name, data, lines).build()


def _schema_check(name: str, data: dict, lines: dict[str, int]) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for doc_path, message in _schema_problems(error):
            problems.append(Problem(Location(name, _line(lines, doc_path), doc_path or "(document)"), message))
    return problems


def _line(lines: dict[str, int], doc_path: str) -> int | None:
    while doc_path:
        if doc_path in lines:
            return lines[doc_path]
        cut = max(doc_path.rfind("."), doc_path.rfind("["))
        doc_path = doc_path[:cut] if cut > 0 else ""
    return lines.get("")


def _schema_problems(error) -> list[tuple[str, str]]:  # error: jsonschema.ValidationError
    """(document path, message) for one schema error; unknown fields are named one by one."""
    doc_path = json_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extras = sorted((k for k in error.instance if k not in known), key=str)
        return [(f"{doc_path}.{k}" if doc_path else k, f"unknown field {k!r} (allowed: {', '.join(sorted(known))})")
                for k in extras]
    if error.validator == "propertyNames":
        return [(f"{doc_path}.{error.instance}", f"field {error.instance!r} is not allowed here")]
    named = _named_patterns().get(error.validator_value) if error.validator == "pattern" else None
    if named and "propertyNames" in error.relative_schema_path:
        # a map key of the wrong form (a label name Prometheus refuses, say): located at the key
        return [(f"{doc_path}.{error.instance}", f"{error.instance!r} is not {named}")]
    if named:
        return [(doc_path, f"{error.instance!r} is not {named}")]
    if error.validator in ("const", "oneOf") and error.schema.get("description"):
        return [(doc_path, f"{json.dumps(error.instance, default=str)} is not valid here: expected {error.schema['description']}")]
    return [(doc_path, error.message)]


def _pairs(mapping: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (mapping or {}).items()))


def _silences(items) -> tuple[Silence, ...]:
    return tuple(Silence(s["rule"], s["reason"]) for s in items or ())


class _Builder:
    """Turns validated YAML data into the model, collecting semantic problems."""

    def __init__(self, path: Path, name: str, data: dict[str, Any], lines: dict[str, int]):
        self.path, self.name, self.data, self.lines = path, name, data, lines
        self.problems: list[Problem] = []

    def problem(self, doc_path: str, message: str) -> None:
        self.problems.append(Problem(Location(self.name, _line(self.lines, doc_path), doc_path), message))

    def build(self) -> Catalog:
        service = self.service(self.data["service"])
        metrics = self.metrics(self.data["metrics"])
        tiers = self.tiers(self.data.get("tiers", []))
        objectives = self.objectives(self.data.get("objectives", []), service, metrics, tiers)
        alerts = tuple(self.alert(a, f"alerts[{i}]", service) for i, a in enumerate(self.data.get("alerts", [])))
        recording = tuple(
            RecordingDef(r["record"], r["expr"], _pairs(r.get("labels")), r.get("group", ""), _silences(r.get("silence")))
            for r in self.data.get("recording_rules", []))
        declared = {o["name"] for o in self.data.get("objectives", [])}  # a defective one is still declared
        dashboards = self.dashboards(self.data.get("dashboards", []), declared, service)
        scenarios = self.scenarios(self.data.get("load_tests", {}), tiers, objectives)
        load_settings = load_test_settings(self.data.get("load_tests", {}), self.problem)
        slos = build_slos(self.data.get("slos", []), service, metrics, {s.name for s in scenarios}, self.problem,
                          self.duration)
        alerting = [(at, o) for at, o in zip(self.objective_paths, objectives) if o.alert is not None]
        self.unique([a.text.name for a in alerts] + [o.alert.name for _, o in alerting], "alert name",
                    [f"alerts[{i}].name" for i in range(len(alerts))] + [f"{at}.alert.name" for at, _ in alerting])
        slo_alerts = [(f"{s.source}.alerting.name", name) for s in slos for name in slo_alert_names(s)]
        taken = {a.text.name for a in alerts} | {o.alert.name for _, o in alerting}
        for at, name in slo_alerts:
            if name in taken:
                self.problem(at, f"the SLO's alert {name} has the name of another alert of the catalog")
        dashboards = dashboards + slo_dashboards(service, slos, dashboards, self.problem)
        self.unique([r.record for r in recording], "recording rule", [f"recording_rules[{i}].record" for i in range(len(recording))])
        alerting = build_alerting(self.data.get("alerting"), service, self.problem)
        check_expressions(alerts, recording, dashboards, service, self.problem)
        if self.problems:
            raise CatalogError(self.problems)
        return Catalog(self.path, service, metrics, tiers, objectives, alerts, recording, dashboards,
                       scenarios, tuple(self.data.get("log_only_fields", [])), alerting=alerting, slos=slos,
                       kubernetes=kubernetes_output(self.data.get("kubernetes")), mimir=mimir_output(self.data.get("mimir")),
                       request_templates=self.request_templates.built,
                       load_test_settings=load_settings,
                       lines=self.lines)

    def unique(self, names: list[str], what: str, paths: list[str]) -> None:
        seen: set[str] = set()
        for name, doc_path in zip(names, paths):
            if name in seen:
                self.problem(doc_path, f"duplicate {what} {name!r}")
            seen.add(name)

    def service(self, s: dict) -> Service:
        grafana = s["grafana"]
        ds = grafana.get("datasource", {})
        for key in ("scrape_interval", "rate_window"):
            if key in s:
                self.duration(s[key], f"service.{key}", positive=True)
        check_service_templates(s, self.problem)
        aggregate_by = tuple(str(k) for k in s.get("aggregate_by", ()))
        missing = [k for k in sorted(s["selector"]) if aggregate_by and k not in aggregate_by]
        if missing or "le" in aggregate_by:
            self.problem("service.aggregate_by", "must not hold 'le' (the bucket label)" if "le" in aggregate_by else
                         f"must hold every selector label, or rules would merge this service with others: missing {', '.join(missing)}")
        return Service(
            name=s["name"], team=s["team"], runbook_base_url=s["runbook_base_url"].rstrip("/"),
            folder_uid=grafana["folder"]["uid"], folder_title=grafana["folder"]["title"],
            selector=_pairs(s["selector"]), title=s.get("title", s["name"]),
            datasource_type=ds.get("type", "prometheus"), datasource_uid=ds.get("uid", "prometheus"),
            scrape_interval=s.get("scrape_interval", "15s"), rate_window=s.get("rate_window", "5m"),
            aggregate_by=aggregate_by,
            severities=tuple(s.get("severities", ("critical", "warning", "info"))))

    def duration(self, text: str, doc_path: str, positive: bool = False) -> float:
        """Seconds; `positive` for windows and intervals, where Prometheus refuses 0s."""
        out_of_range = duration_problem(text)
        if out_of_range:
            self.problem(doc_path, out_of_range)
            return 0.0
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            self.problem(doc_path, str(exc))
            return 0.0
        if positive and seconds <= 0:
            self.problem(doc_path, f"must be longer than 0s, not {text!r}")
        return seconds

    def metrics(self, items: list[dict]) -> tuple[Metric, ...]:
        out = []
        for i, m in enumerate(items):
            at = f"metrics[{i}]"
            labels = []
            for j, lab in enumerate(m.get("labels", [])):
                pattern = lab.get("pattern")
                if pattern is not None:
                    try:
                        check_regex(str(pattern))
                    except RegexError as exc:
                        self.problem(f"{at}.labels[{j}].pattern", f"invalid regular expression (RE2, as Prometheus "
                                                                  f"uses): {exc}")
                        # reported once: no later check (matchers, exclusions) judges values by a broken pattern
                        pattern = None
                if "values" in lab and "pattern" in lab:
                    self.problem(f"{at}.labels[{j}]", "give either values or pattern, not both")
                labels.append(Label(lab["name"], tuple(str(v) for v in lab.get("values", ())),
                                    pattern, lab.get("description", "")))
            self.unique([lab.name for lab in labels], "label", [f"{at}.labels[{j}].name" for j in range(len(labels))])
            if m["type"] == "counter" and not m["name"].endswith("_total"):
                self.problem(f"{at}.name", f"counter {m['name']!r} must end in _total")
            buckets = tuple(float(b) for b in m.get("buckets", ()))
            if m["type"] == "histogram":
                if not buckets:
                    self.problem(at, f"histogram {m['name']!r} needs buckets")
                elif list(buckets) != sorted(set(buckets)):
                    self.problem(f"{at}.buckets", "buckets must be strictly increasing")
                if "le" in [lab.name for lab in labels]:
                    self.problem(f"{at}.labels", "'le' is reserved for histogram buckets")
            elif buckets:
                self.problem(f"{at}.buckets", f"only histograms have buckets, {m['name']!r} is a {m['type']}")
            out.append(Metric(m["name"], m["type"], m["help"], m.get("unit", ""), tuple(labels), buckets,
                              bool(m.get("created_series", False)), _silences(m.get("silence"))))
        self.unique([m.name for m in out], "metric", [f"metrics[{i}].name" for i in range(len(out))])
        return tuple(out)

    def tiers(self, items: list[dict]) -> tuple[Tier, ...]:
        out = []
        for i, t in enumerate(items):
            if t["critical"] < t["target"]:
                self.problem(f"tiers[{i}].critical", "critical must not be below target")
            out.append(Tier(t["name"], float(t["target"]), float(t["critical"])))
        self.unique([t.name for t in out], "tier", [f"tiers[{i}].name" for i in range(len(out))])
        self.tier_by_name = {t.name: t for t in reversed(out)}  # the first of a duplicated name wins
        return tuple(out)

    def alert_text(self, a: dict, at: str, service: Service, predicted: bool = True) -> AlertText:
        self.duration(a["for"], f"{at}.for")
        check_templates(a, at, self.problem, predicted)
        return AlertText(
            name=a["name"], for_=a["for"], severity=a["severity"], summary=a["summary"],
            description=a["description"],
            runbook_url=a.get("runbook_url", f"{service.runbook_base_url}/{a['name']}"),
            labels=_pairs(a.get("labels")), annotations=_pairs(a.get("annotations")),
            group=a.get("group", ""), silences=_silences(a.get("silence")))

    def alert(self, a: dict, at: str, service: Service) -> AlertDef:
        test = a.get("test")
        if test is not None:
            value = lambda v: None if v == "absent" else float(v)  # noqa: E731
            test = AlertTest(test["series"], value(test["firing"]), value(test["quiet"]))
            if test.firing == test.quiet:
                self.problem(f"{at}.test", "firing and quiet must differ")
        return AlertDef(a["expr"], self.alert_text(a, at, service, predicted=test is not None), test)

    def metric_ref(self, ref: dict, at: str, metrics: dict[str, Metric]) -> MetricRef:
        metric = metrics.get(ref["metric"])
        if metric is None:
            self.problem(f"{at}.metric", f"unknown metric {ref['metric']!r}")
        elif metric.type != "counter":
            self.problem(f"{at}.metric", f"{ref['metric']!r} is a {metric.type}; an error ratio needs counters")
        else:
            check_matchers(ref.get("matchers"), at, metric, self.problem)
            self.exclusions(ref, at, metric)
        exclude = tuple(sorted((str(k), tuple(str(v) for v in values)) for k, values in (ref.get("exclude") or {}).items()))
        equal, filters = split_matchers(ref.get("matchers"))
        return MetricRef(ref["metric"], equal, exclude, filters)

    def exclusions(self, ref: dict, at: str, metric: Metric) -> None:
        """`exclude: {label: [values]}`: known label, allowed values, not also a matcher, something left."""
        for key, values in (ref.get("exclude") or {}).items():
            label = metric.label(key)
            if label is None:
                self.problem(f"{at}.exclude.{key}", f"{metric.name} has no label {key!r}")
                continue
            if key in (ref.get("matchers") or {}):
                self.problem(f"{at}.exclude.{key}", f"{key!r} is both matched and excluded; give one of them")
            for j, value in enumerate(values):
                if not label.allows(str(value)):
                    self.problem(f"{at}.exclude.{key}[{j}]", f"value {value!r} is not allowed for {metric.name}{{{key}}}")
            if label.values and set(label.values) <= {str(v) for v in values}:
                self.problem(f"{at}.exclude.{key}", f"excludes every allowed value of {metric.name}{{{key}}}; nothing would count")

    def objectives(self, items, service, metrics, tiers) -> tuple[Objective, ...]:
        """One typed variant per objective. An objective whose threshold names an unknown tier is reported
        once and not built: no check runs on a threshold it does not have."""
        out = []
        self.objective_paths: list[str] = []  # the document path of each objective built, in order
        metrics = {m.name: m for m in reversed(metrics)}  # by name; the first of a duplicated name wins
        for i, o in enumerate(items):
            at = f"objectives[{i}]"
            threshold = self.threshold(o["threshold"], f"{at}.threshold", tiers)
            window = o.get("window", service.rate_window)
            if "window" in o:  # the default, service.rate_window, is checked where it is written
                self.duration(window, f"{at}.window", positive=True)
            alert = None if o["alert"] is False else self.alert_text(o["alert"], f"{at}.alert", service)
            objective = (self.latency_objective(o, at, threshold, window, alert, metrics) if o["kind"] == "latency"
                         else self.error_ratio_objective(o, at, threshold, window, alert, metrics))
            if objective is not None:
                out.append(objective)
                self.objective_paths.append(at)
        self.unique([o["name"] for o in items], "objective", [f"objectives[{i}].name" for i in range(len(items))])
        return tuple(out)

    def latency_objective(self, o: dict, at: str, threshold: float | None, window: str, alert: AlertText | None,
                          metrics: dict[str, Metric]) -> LatencyObjective | None:
        metric = metrics.get(o["metric"])
        if metric is None:
            self.problem(f"{at}.metric", f"unknown metric {o['metric']!r}")
        elif metric.type != "histogram":
            self.problem(f"{at}.metric", f"{o['metric']!r} is a {metric.type}; a latency objective needs a histogram")
        elif threshold is not None and metric.buckets and threshold not in metric.buckets:
            # (no buckets at all is the metric's own problem, reported there)
            self.problem(f"{at}.threshold", f"threshold {threshold:g} is not a bucket boundary of "
                         f"{metric.name}; the quantile would be interpolated across it")
        self.quantile(o["quantile"], f"{at}.quantile")
        selection = None
        if o.get("matchers"):
            if metric is not None and metric.type == "histogram":
                check_matchers(o["matchers"], at, metric, self.problem)
            equal, filters = split_matchers(o["matchers"])
            selection = MetricRef(o["metric"], equal, (), filters)
        if threshold is None:
            return None
        return LatencyObjective(o["name"], threshold, window, alert, o["metric"], float(o["quantile"]), selection,
                                o.get("description", ""))

    def error_ratio_objective(self, o: dict, at: str, threshold: float | None, window: str, alert: AlertText | None,
                              metrics: dict[str, Metric]) -> ErrorRatioObjective | None:
        if threshold is not None and not MIN_ERROR_RATIO <= threshold < 1:
            self.problem(f"{at}.threshold", f"an error ratio threshold must be at least {MIN_ERROR_RATIO:g} "
                         f"and below 1, not {threshold:g}")
        errors = self.metric_ref(o["errors"], f"{at}.errors", metrics)
        total = self.metric_ref(o["total"], f"{at}.total", metrics)
        if threshold is None:
            return None
        return ErrorRatioObjective(o["name"], threshold, window, alert, errors, total, o.get("description", ""))

    def first_objectives(self, unbuilt: set[str]) -> bool:
        """Whether the first latency and the first error-ratio objective, whose thresholds load tests
        inherit, were built (a defective one is reported where it is written, not again in every scenario)."""
        firsts = {}
        for o in self.data.get("objectives", []):
            firsts.setdefault(o["kind"], o["name"])
        return not (set(firsts.values()) & unbuilt)

    def quantile(self, value: float, at: str) -> None:
        """Named as a percentile (p95, p99_9) in rule names and k6 thresholds: from 0.001 (p0.1) up."""
        if value < MIN_QUANTILE:
            self.problem(at, f"a quantile must be at least {MIN_QUANTILE:g} (p0.1), not {value:g}")

    def threshold(self, value, at: str, tiers: tuple[Tier, ...]) -> float | None:
        """The objective's threshold; None (after reporting it) when it names an unknown tier."""
        if isinstance(value, (int, float)):
            return float(value)
        tier = self.tier_by_name.get(value["tier"])
        if tier is None:
            self.problem(f"{at}.tier", f"unknown tier {value['tier']!r}")
            return None
        return tier.critical if value.get("level") == "critical" else tier.target

    def dashboards(self, items, names: set[str], service: Service) -> tuple[Dashboard, ...]:
        uids = frozenset(d["uid"] for d in items)
        out = []
        for i, d in enumerate(items):
            variables = dashboard_variables(d.get("variables", []), f"dashboards[{i}]", self.problem, self.duration)
            scope = PanelScope({v.name: v for v in variables}, uids, d["uid"], service.runbook_base_url)
            rows = []
            for r_i, r in enumerate(d["rows"]):
                panels = []
                for p_i, p in enumerate(r["panels"]):
                    at = f"dashboards[{i}].rows[{r_i}].panels[{p_i}]"
                    if p.get("objective") and p["objective"] not in names:
                        self.problem(f"{at}.objective", f"unknown objective {p['objective']!r}")
                    features = panel_features(p, at, scope, self.problem)
                    panels.append(Panel(
                        title=p["title"], type=p["type"], unit=p.get("unit", ""), description=p.get("description", ""),
                        targets=tuple(Target(t["expr"], t.get("legend", ""), bool(t.get("instant", False)))
                                      for t in p.get("targets", ())),
                        objective=p.get("objective"), stack=features.stacking != "none",
                        width=p.get("width"), height=p.get("height"), silences=_silences(p.get("silence")),
                        kind=panel_kind(p, at, self.problem), features=features))
                rows.append(Row(r["title"], tuple(panels), bool(r.get("collapsed", False))))
            features = dashboard_features(d, f"dashboards[{i}]", d["uid"], uids, self.problem, self.duration)
            out.append(Dashboard(d["uid"], d["title"], tuple(rows), d.get("description", ""), tuple(d.get("tags", ())),
                                 refresh_text(d), d.get("time_from", "now-6h"), _silences(d.get("silence")),
                                 variables, features))
        self.unique([d.uid for d in out], "dashboard uid", [f"dashboards[{i}].uid" for i in range(len(out))])
        return tuple(out)

    def scenarios(self, section: dict, tiers, objectives) -> tuple[Scenario, ...]:
        unbuilt = {o["name"] for o in self.data.get("objectives", [])} - {o.name for o in objectives}
        self.request_templates = build_templates(section, self.problem)
        out = build_scenarios(section, tiers, objectives, self.problem, self.quantile, self.first_objectives(unbuilt),
                              templates=self.request_templates)
        self.request_templates.report_unused(self.problem)
        self.unique([s.name for s in out], "scenario", [f"load_tests.scenarios[{i}].name" for i in range(len(out))])
        return out
