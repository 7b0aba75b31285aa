"""Panel and dashboard fields the catalog writes and the diff compares: descriptions (the info text),
a text panel's markdown, a gauge's min and max, a target's `instant` and `format`. Hand-written
dashboards; each expected change list is a literal."""
from __future__ import annotations

import copy
import json

from generator.diff import compare


def _dashboard() -> dict:
    return {"uid": "app", "title": "App", "description": "What the app serves.", "schemaVersion": 41, "panels": [
        {"id": 1, "type": "gauge", "title": "Saturation", "description": "Busy workers, of all.",
         "fieldConfig": {"defaults": {"unit": "percentunit", "min": 0, "max": 1}},
         "targets": [{"refId": "A", "expr": "avg(app_busy_ratio)", "instant": True}]},
        {"id": 2, "type": "text", "title": "Runbook",
         "options": {"mode": "markdown", "content": "# When it pages\n\n- check the queue\n  - then the workers\n"}},
        {"id": 3, "type": "table", "title": "Routes",
         "targets": [{"refId": "A", "expr": "sum by (route) (rate(app_requests_total[5m]))", "format": "table",
                      "instant": True}]}]}


def _changes(edit) -> list[tuple]:
    before = _dashboard()
    after = copy.deepcopy(before)
    edit(after)
    report = compare({"d/app.json": json.dumps(before)}, {"d/app.json": json.dumps(after)}, "main", "pr")
    return [(c.kind, c.name, [(f.field, f.before, f.after) for f in c.fields]) for c in report.changes]


def _panel(d: dict, title: str) -> dict:
    return next(p for p in d["panels"] if p["title"] == title)


def test_descriptions_of_the_dashboard_and_of_a_panel():
    def edit(d):
        d["description"] = "What the app serves, per route."
        _panel(d, "Saturation")["description"] = "Busy workers,   of all\n(per instance)."
    assert _changes(edit) == [
        ("dashboard", "App (app)", [("description", "What the app serves.", "What the app serves, per route.")]),
        ("panel", "Saturation", [("description", "Busy workers, of all.", "Busy workers, of all\\n(per instance).")])]


def test_a_description_respaced_inside_its_lines_is_no_change_indentation_is():
    assert _changes(lambda d: _panel(d, "Saturation").update(description="Busy  workers,\tof all. \n\n")) == []
    assert _changes(lambda d: _panel(d, "Saturation").update(description="    Busy workers, of all.")) == [
        ("panel", "Saturation", [("description", "Busy workers, of all.", "    Busy workers, of all.")])]


def test_markdown_content_line_breaks_and_indentation_count_spaces_inside_a_line_do_not():
    def new_paragraph(d):
        _panel(d, "Runbook")["options"]["content"] = "# When it pages\n- check the queue\n  - then the workers"
    assert _changes(new_paragraph) == [("panel", "Runbook", [(
        "content", "# When it pages\\n\\n- check the queue\\n  - then the workers",
        "# When it pages\\n- check the queue\\n  - then the workers")])]

    def unnested(d):
        _panel(d, "Runbook")["options"]["content"] = "# When it pages\n\n- check the queue\n- then the workers"
    assert _changes(unnested)[0][2][0][2] == "# When it pages\\n\\n- check the queue\\n- then the workers"

    def respaced(d):
        _panel(d, "Runbook")["options"]["content"] = "#  When it  pages\n\n- check  the queue\n  - then the workers\n\n"
    assert _changes(respaced) == []


def test_a_legacy_text_panels_content_at_the_top_level():
    def edit(d):
        runbook = _panel(d, "Runbook")
        del runbook["options"]
        runbook["content"] = "See the wiki."
    assert _changes(edit) == [("panel", "Runbook", [
        ("content", "# When it pages\\n\\n- check the queue\\n  - then the workers", "See the wiki.")])]


def test_a_gauges_scale():
    def edit(d):
        defaults = _panel(d, "Saturation")["fieldConfig"]["defaults"]
        defaults["max"] = 1.5
        del defaults["min"]
    assert _changes(edit) == [("panel", "Saturation", [("min", "0", None), ("max", "1", "1.5")])]
    assert _changes(lambda d: _panel(d, "Saturation")["fieldConfig"]["defaults"].update(max=1.0, min=0.0)) == []


def test_a_targets_instant_and_format():
    def edit(d):
        target = _panel(d, "Routes")["targets"][0]
        target["format"] = "time_series"
        del target["instant"]
        _panel(d, "Saturation")["targets"][0]["instant"] = False
    assert _changes(edit) == [
        ("panel", "Routes", [("instant A", "yes", None), ("format A", "table", None)]),
        ("panel", "Saturation", [("instant A", "yes", None)])]
