"""Promtool unit tests for the generated rules: one test file per catalog in tests/rules/.

The file loads the rule files on disk (relative paths), so editing a rule file by hand without
regenerating makes its tests fail. What each test proves is described in
`generator.build.rule_test_cases`; items that cannot be tested are listed at the top of the file
and reported by `obsgen validate`.
"""
from __future__ import annotations

import posixpath

from generator.build.rule_test_cases import Plan, TestCase
from generator.derive import derive
from generator.model import Catalog
from generator.renderers.header import comment_header
from generator.renderers.rules import dump_yaml, group_path

FOLDER = "tests/rules"
FOLDERS = (FOLDER,)


def test_file_path(catalog: Catalog) -> str:
    return f"{FOLDER}/{catalog.service.name}-test.yaml"


def _case(case: TestCase) -> dict:
    out: dict = {"name": case.name, "interval": "1m", "input_series": [
        {"series": s.selector(), "values": s.values()} for s in case.series]}
    if case.alerts:
        out["alert_rule_test"] = [{
            "eval_time": f"{check.minute}m", "alertname": check.alert,
            "exp_alerts": [{"exp_labels": dict(a.labels), "exp_annotations": dict(a.annotations)} for a in check.expected],
        } for check in case.alerts]
    if case.exprs:
        out["promql_expr_test"] = [{
            "expr": check.expr, "eval_time": f"{check.minute}m",
            "exp_samples": [{"labels": labels, "value": value} for labels, value in check.samples],
        } for check in case.exprs]
    return out


def render_plan(catalog: Catalog, plan: Plan) -> str:
    groups = derive(catalog).rule_groups
    rel = test_file_path(catalog)
    up = posixpath.relpath(".", posixpath.dirname(rel))
    document = {
        "rule_files": [posixpath.join(up, group_path(g)) for g in groups],
        "evaluation_interval": "1m",
        # recording rules first, so alerts read the values recorded at the same evaluation
        "group_eval_order": [g.name for g in groups if g.kind == "recording"] + [g.name for g in groups if g.kind == "alerts"],
        "tests": [_case(c) for c in plan.cases],
    }
    notes = "".join(f"# Not tested: {name} ({where}): {reason}\n" for where, name, reason in plan.untested)
    return comment_header(catalog) + notes + dump_yaml(document)


def plan_for(catalog: Catalog) -> Plan:
    """The catalog's test plan: `validate` renders the tests and then reports what the same plan left
    untested, from one derivation."""
    return derive(catalog).test_plan


def render(catalog: Catalog) -> dict[str, str]:
    return {test_file_path(catalog): render_plan(catalog, plan_for(catalog))}
