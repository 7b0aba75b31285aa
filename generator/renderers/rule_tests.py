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
from generator.slo.rules import is_slo_group
from generator.slo.tests import test_documents
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


def _groups(catalog: Catalog, slo: bool = False):
    """The catalog's rule groups; the SLO groups are tested in files of their own (generator.slo.tests)."""
    return tuple(g for g in derive(catalog).rule_groups if is_slo_group(g) == slo)


def render_plan(catalog: Catalog, plan: Plan) -> str:
    groups = _groups(catalog)
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
    untested, from one derivation; the SLOs' untested rules are added (their tests are generator.slo.tests)."""
    plan = derive(catalog).test_plan
    return Plan(plan.cases, plan.untested + derive(catalog).slo_test_plan.untested)


def render_slo_tests(catalog: Catalog) -> dict[str, str]:
    groups = _groups(catalog, slo=True)
    order = [g.name for g in groups if g.kind == "recording"] + [g.name for g in groups if g.kind == "alerts"]
    documents = test_documents(catalog, derive(catalog).slo_test_plan, [group_path(g) for g in groups], order)
    return {rel: comment_header(catalog) + dump_yaml(doc) for rel, doc in documents.items()}


def render(catalog: Catalog) -> dict[str, str]:
    return {test_file_path(catalog): render_plan(catalog, plan_for(catalog)), **render_slo_tests(catalog)}
