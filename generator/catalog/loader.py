"""Catalog loading: YAML -> JSON Schema -> semantic checks -> typed `Catalog`.

Every problem is collected and reported at once, each with file, line and document path. This module
holds the flow; each section of the catalog is built and checked by a module of its own:
`service_metrics` (service, metrics), `objectives` (tiers, objectives), `alert_rules` (alerts,
recording rules, alert names), `dashboards`, `load_tests` with `request_templates`, `alerting`
(Alertmanager), `outputs` (kubernetes, mimir) and `generator.slo` (SLOs, their dashboards). The
JSON Schema check is `schema_check`; where each problem is and the checks sections share is `located`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from generator.catalog import schema_cache
from generator.catalog.alert_rules import build_alerts, build_recording, check_alert_names
from generator.catalog.alerting import build_alerting
from generator.catalog.dashboards import build_dashboards
from generator.catalog.format_version import version_problem
from generator.catalog.load_tests import build_scenarios, load_test_settings
from generator.catalog.located import Problems, line_of, unique
from generator.catalog.objectives import build_objectives, build_tiers, check_quantile, first_objectives_built
from generator.catalog.outputs import kubernetes_output, mimir_output
from generator.catalog.promql_fields import check_expressions
from generator.catalog.reading import read_catalog_text, yaml_error_line, yaml_error_reason
from generator.catalog.removed_fields import removed_fields
from generator.catalog.request_templates import Templates, build_templates
from generator.catalog.schema_check import VALIDATOR_VERSION, catalog_schema_text, schema_check
from generator.catalog.service_metrics import build_metrics, build_service
from generator.catalog.yaml_positions import YAMLProblems, load_with_lines
from generator.errors import CatalogError, Location, Problem
from generator.model import Catalog, Objective, Scenario, Tier
from generator.slo.dashboard import slo_dashboards
from generator.slo.loader import build_slos


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
        raise CatalogError([Problem(Location(name, line_of(lines, p), p), m) for p, m in removed]
                           + [p for p in schema_check(name, data, lines) if p.location.path not in gone])
    passed = schema_cache.key(catalog_schema_text() + VALIDATOR_VERSION, data)
    if not schema_cache.passed(passed):
        problems = schema_check(name, data, lines)
        if problems:
            raise CatalogError(problems)
        schema_cache.remember(passed)
    return _build(Path(name), name, data, lines)


def _build(path: Path, name: str, data: dict[str, Any], lines: dict[str, int]) -> Catalog:
    """The model of validated YAML data, section by section; every semantic problem of them all, or the catalog."""
    found = Problems(name, lines)
    problem, duration = found.problem, found.duration
    service = build_service(data["service"], problem, duration)
    metrics = build_metrics(data["metrics"], problem)
    tiers = build_tiers(data.get("tiers", []), problem)
    objectives, objective_paths = build_objectives(data.get("objectives", []), service, metrics, tiers, problem,
                                                   duration)
    alerts = build_alerts(data.get("alerts", []), service, problem, duration)
    recording = build_recording(data.get("recording_rules", []))
    declared = {o["name"] for o in data.get("objectives", [])}  # a defective one is still declared
    dashboards = build_dashboards(data.get("dashboards", []), declared, service, problem, duration)
    scenarios, templates = _load_tests(data, tiers, objectives, problem)
    load_settings = load_test_settings(data.get("load_tests", {}), problem)
    slos = build_slos(data.get("slos", []), service, metrics, {s.name for s in scenarios}, problem, duration)
    check_alert_names(alerts, objectives, objective_paths, slos, problem)
    dashboards = dashboards + slo_dashboards(service, slos, dashboards, problem)
    unique([r.record for r in recording], "recording rule", [f"recording_rules[{i}].record" for i in range(len(recording))],
           problem)
    alerting = build_alerting(data.get("alerting"), service, problem)
    check_expressions(alerts, recording, dashboards, service, problem)
    if found.found:
        raise CatalogError(found.found)
    return Catalog(path, service, metrics, tiers, objectives, alerts, recording, dashboards,
                   scenarios, tuple(data.get("log_only_fields", [])), alerting=alerting, slos=slos,
                   kubernetes=kubernetes_output(data.get("kubernetes")), mimir=mimir_output(data.get("mimir")),
                   request_templates=templates.built, load_test_settings=load_settings, lines=lines)


def _load_tests(data: dict[str, Any], tiers: tuple[Tier, ...], objectives: tuple[Objective, ...],
                problem: Callable[[str, str], None]) -> tuple[tuple[Scenario, ...], Templates]:
    """`load_tests:` -> its scenarios and request templates. Scenarios inherit the thresholds of the first
    objectives; when one of those was not built (reported where it is written) they are not checked again."""
    section = data.get("load_tests", {})
    unbuilt = {o["name"] for o in data.get("objectives", [])} - {o.name for o in objectives}
    templates = build_templates(section, problem)
    out = build_scenarios(section, tiers, objectives, problem, lambda value, at: check_quantile(value, at, problem),
                          first_objectives_built(data.get("objectives", []), unbuilt), templates=templates)
    templates.report_unused(problem)
    unique([s.name for s in out], "scenario", [f"load_tests.scenarios[{i}].name" for i in range(len(out))], problem)
    return out, templates
