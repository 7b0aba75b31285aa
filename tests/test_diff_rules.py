"""Rule diff on crafted before/after pairs: each gives exactly the expected summary."""
from __future__ import annotations

import textwrap

from generator.diff import compare
from generator.diff.formatters import FORMATS

BEFORE = textwrap.dedent("""\
    groups:
    - name: api-alerts
      rules:
      - alert: ApiSlow
        expr: job:api_latency_seconds:p95_rate5m > 0.5
        for: 5m
        labels: {severity: warning, team: backend}
        annotations: {summary: API is slow}
      - alert: ApiErrors
        expr: job:api_errors:ratio_rate5m > 0.01
        for: 3m
        labels: {severity: critical, team: backend}
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 2m
        labels: {severity: critical}
      - alert: ApiLegacyCheck
        expr: absent(api_legacy_total)
        for: 10m
        labels: {severity: info}
    """)


def _after(**edits: str) -> str:
    text = BEFORE
    for old, new in edits.values():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _report(after: str, before: str = BEFORE):
    return compare({"alerts/api.yaml": before}, {"alerts/api.yaml": after}, "main", "pr")


def _text(after: str) -> str:
    return FORMATS["text"](_report(after))


def test_identical_files_have_no_changes():
    report = _report(BEFORE)
    assert not report.changed
    assert FORMATS["text"](report) == "diff main -> pr\nsummary: no semantic changes\n"


def test_threshold_change_is_reported_as_a_threshold_not_as_an_expression():
    after = _after(t=("p95_rate5m > 0.5", "p95_rate5m > 0.75"))
    assert _text(after) == textwrap.dedent("""\
        diff main -> pr
        alerts/api.yaml
          group api-alerts
            ~ alert ApiSlow
                threshold: > 0.5 -> > 0.75
        summary: alerts: 1 changed
        """)


def test_for_change():
    assert _text(_after(f=("for: 3m", "for: 10m"))) == textwrap.dedent("""\
        diff main -> pr
        alerts/api.yaml
          group api-alerts
            ~ alert ApiErrors
                for: 3m -> 10m
        summary: alerts: 1 changed
        """)


def test_label_change_and_a_new_label():
    after = _after(l=("labels: {severity: critical}", "labels: {severity: page, owner: sre}"))
    assert _text(after) == textwrap.dedent("""\
        diff main -> pr
        alerts/api.yaml
          group api-alerts
            ~ alert ApiDown
                labels.severity: critical -> page
                labels.owner: (none) -> sre
        summary: alerts: 1 changed
        """)


def test_added_and_removed_alert():
    after = _after(
        r=("""  - alert: ApiLegacyCheck
    expr: absent(api_legacy_total)
    for: 10m
    labels: {severity: info}
""", """  - alert: ApiSaturated
    expr: sum(api_inflight_requests) >= 100
    for: 1m
    labels: {severity: warning}
"""))
    assert _text(after) == textwrap.dedent("""\
        diff main -> pr
        alerts/api.yaml
          group api-alerts
            - alert ApiLegacyCheck
            + alert ApiSaturated
                threshold: >= 100
                expr: sum(api_inflight_requests) >= 100
                for: 1m
                labels.severity: warning
        summary: alerts: 1 removed, 1 added
        """)


def test_expression_change_beyond_the_threshold_shows_the_expression():
    after = _after(e=("job:api_errors:ratio_rate5m > 0.01", "job:api_errors:ratio_rate1m > 0.02"))
    (change,) = _report(after).changes
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("threshold", "> 0.01", "> 0.02"),
        ("expr", "job:api_errors:ratio_rate5m > 0.01", "job:api_errors:ratio_rate1m > 0.02"),
    ]


def test_layout_and_equivalent_durations_are_not_changes():
    after = _after(
        e=("expr: job:api_errors:ratio_rate5m > 0.01", "expr: |\n      job:api_errors:ratio_rate5m\n        > 0.01"),
        f=("for: 5m", "for: 300s"),
        l=("labels: {severity: warning, team: backend}", "labels:\n      team: backend\n      severity: warning"),
    )
    assert not _report(after).changed


def test_recording_rules_and_group_settings():
    before = "groups:\n- name: api-recording\n  rules:\n  - record: job:api_requests:rate5m\n    expr: sum by (job) (rate(api_requests_total[5m]))\n"
    after = ("groups:\n- name: api-recording\n  interval: 30s\n  rules:\n  - record: job:api_requests:rate5m\n"
             "    expr: sum by (job, path) (rate(api_requests_total[5m]))\n")
    report = compare({"r.yaml": before}, {"r.yaml": after})
    assert [(c.kind, c.name, c.status, [(f.field, f.before, f.after) for f in c.fields]) for c in report.changes] == [
        ("group", "api-recording", "changed", [("interval", None, "30s")]),
        ("record", "job:api_requests:rate5m", "changed",
         [("expr", "sum by (job) (rate(api_requests_total[5m]))", "sum by (job, path) (rate(api_requests_total[5m]))")]),
    ]


def test_same_alert_name_twice_in_a_group_is_told_apart_by_position():
    rule = "  - alert: DiskFilling\n    expr: disk_free_ratio < {n}\n    labels: {{severity: {s}}}\n"
    head = "groups:\n- name: disk\n  rules:\n"
    before = head + rule.format(n="0.2", s="warning") + rule.format(n="0.1", s="critical")
    after = head + rule.format(n="0.2", s="warning") + rule.format(n="0.05", s="critical")
    (change,) = compare({"d.yaml": before}, {"d.yaml": after}).changes
    assert (change.name, [(f.field, f.before, f.after) for f in change.fields]) == (
        "DiskFilling #2", [("threshold", "< 0.1", "< 0.05")])


def test_markdown_is_a_table_with_escaped_pipes_and_a_marker():
    after = _after(e=('up{job="api"} == 0', 'up{job=~"api|api-canary"} == 0'))
    markdown = FORMATS["markdown"](_report(after))
    assert markdown == textwrap.dedent("""\
        <!-- obsgen-diff -->
        ### Semantic diff of rules and dashboards

        `main` \u2192 `pr`: **alerts: 1 changed**

        #### `alerts/api.yaml` \u00b7 group `api-alerts`

        | | item | field | before | after |
        |---|---|---|---|---|
        | ~ | alert `ApiDown` | expr | `up{job="api"} == 0` | `up{job=~"api\\|api-canary"} == 0` |
        """)


def test_json_carries_every_field_change():
    import json

    data = json.loads(FORMATS["json"](_report(_after(f=("for: 3m", "for: 10m")))))
    assert data["changed"] is True
    assert data["summary"] == {"alert": {"changed": 1}}
    assert data["changes"] == [{
        "container": "api-alerts", "file": "alerts/api.yaml", "kind": "alert", "name": "ApiErrors",
        "status": "changed", "fields": [{"field": "for", "before": "3m", "after": "10m"}],
    }]


def test_unreadable_file_is_named_and_left_out_on_both_sides():
    other = "groups:\n- name: extra\n  rules:\n  - alert: Extra\n    expr: vector(1)\n"
    report = compare({"alerts/api.yaml": BEFORE}, {"alerts/api.yaml": "groups: [\n", "alerts/extra.yaml": other})
    assert len(report.problems) == 1 and report.problems[0].startswith("alerts/api.yaml (after): not valid YAML")
    assert [(c.kind, c.name, c.status) for c in report.changes] == [("group", "extra", "added"), ("alert", "Extra", "added")]
