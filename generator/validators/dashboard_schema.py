"""Validation step "dashboard-schema": each dashboard file against Grafana's official JSON schemas.

The file on disk is checked (what ships), or the rendered one when it is not written yet. A file
identical to the in-memory render is not parsed again: the rendered document is the same JSON.
"""
from __future__ import annotations

import json

from generator.validators.findings import Finding
from generator.validators.grafana_schema import resolve_schema_dir, validate_dashboard

CHECK = "dashboard-schema"


def check_dashboard_schema(ctx) -> list[Finding]:
    findings = []
    schema_dir = None
    for artifacts in ctx.per_catalog:
        for rel, rendered in sorted(artifacts.dashboards.items()):
            path = ctx.root / rel
            if path.exists() and not path.is_file():
                continue  # a FIFO or a folder: reported by the fresh step, never read
            try:
                text = path.read_text(encoding="utf-8") if path.exists() else None
                dashboard = rendered if text is None or text == ctx.rendered.artifacts.get(rel) else json.loads(text)
            except json.JSONDecodeError as exc:
                findings.append(Finding(CHECK, "invalid-json", f"not JSON: {exc.msg}", rel, exc.lineno))
                continue
            except UnicodeDecodeError as exc:
                findings.append(Finding(CHECK, "invalid-json", f"not UTF-8 (byte {exc.start})", rel))
                continue
            shape = _shape_problem(dashboard)
            if shape:
                findings.append(Finding(CHECK, "invalid-json", f"not a Grafana dashboard: {shape}", rel))
                continue
            schema_dir = schema_dir or resolve_schema_dir(ctx.root, ctx.grafana_schema_dir)
            for violation in validate_dashboard(dashboard, schema_dir):
                findings.append(Finding(CHECK, "schema-violation", f"{violation.message} [{violation.schema}]", rel,
                                        None, item=violation.pointer or "(dashboard)"))
    return findings


def _shape_problem(dashboard) -> str:
    """Why a JSON document cannot be a dashboard (the schemas' own messages need an object)."""
    if not isinstance(dashboard, dict):
        return f"the document is a JSON {type(dashboard).__name__}, not an object"
    panels = dashboard.get("panels", [])
    if not isinstance(panels, list) or not all(isinstance(p, dict) for p in panels):
        return "`panels` is not a list of objects"
    for i, panel in enumerate(panels):
        inner = panel.get("panels", [])
        if panel.get("type") == "row" and (not isinstance(inner, list) or not all(isinstance(p, dict) for p in inner)):
            return f"`panels[{i}].panels` is not a list of objects"
    return ""
