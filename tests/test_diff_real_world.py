"""What `obsgen diff` got wrong on real repositories' histories (kube-prometheus,
awesome-prometheus-alerts), each reproduced on a small hand-written pair."""
from __future__ import annotations

import json
import re
import textwrap

from generator.diff import compare
from generator.diff.formatters import FORMATS
from generator.diff.formatters.markdown import MAX_CHARS


def _fields(change) -> list[tuple]:
    return [(f.field, f.before, f.after) for f in change.fields]


def _summary(report) -> list[tuple]:
    return [(c.kind, c.name, c.status, _fields(c)) for c in report.changes]


def _rules(*rules: str, group: str = "g") -> str:
    return f"groups:\n- name: {group}\n  rules:\n" + "".join(textwrap.indent(textwrap.dedent(r), "  ") for r in rules)


def _dashboard(uid: str, title: str, expr: str, **extra) -> dict:
    return {"uid": uid, "title": title, "schemaVersion": 39, **extra,
            "panels": [{"id": 1, "type": "timeseries", "title": "CPU",
                        "targets": [{"expr": expr, "refId": "A", "legendFormat": "{{pod}}"}]}]}


# --- kind: ConfigMapList -------------------------------------------------------------------------

def _configmap_list(*dashboards: dict) -> str:
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"grafana-dashboard-{d['uid']}"},
              "data": {f"{d['uid']}.json": json.dumps(d, indent=4)}} for d in dashboards]
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMapList", "items": items}, indent=2)  # JSON is YAML


def test_dashboards_inside_a_configmaplist_are_read_and_diffed():
    before = _configmap_list(_dashboard("apiserver", "API server", "sum(rate(apiserver_request_total[5m]))"),
                             _dashboard("node", "Nodes", "sum(rate(node_cpu_seconds_total[5m]))"))
    after = _configmap_list(_dashboard("apiserver", "API server", "sum(rate(apiserver_request_total[5m]))"),
                            _dashboard("node", "Nodes", "sum by (mode) (rate(node_cpu_seconds_total[5m]))"))
    path = "manifests/grafana-dashboardDefinitions.yaml"
    assert compare({}, {path: before}).counts() == {"dashboard": {"added": 2}, "panel": {"added": 2}}
    report = compare({path: before}, {path: after})
    assert report.problems == ()
    assert [(c.file, c.container, c.name, _fields(c)) for c in report.changes] == [
        (f"{path}#node.json", "Nodes (node)", "CPU",
         [("query A", "sum(rate(node_cpu_seconds_total[5m]))", "sum by (mode) (rate(node_cpu_seconds_total[5m]))")]),
    ]


def test_a_typed_prometheusrulelist_is_read_too():
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "x"},
            "spec": {"groups": [{"name": "x.rules", "rules": [{"alert": "X", "expr": "up == 0"}]}]}}
    text = json.dumps({"kind": "PrometheusRuleList", "items": [rule]})
    assert compare({}, {"rules.yaml": text}).counts() == {"group": {"added": 1}, "alert": {"added": 1}}


# --- rules sharing a name --------------------------------------------------------------------------

_RX_A = """\
- record: r:x
  expr: sum by (job) (rate(x_total{code="2xx"}[5m]))
  labels: {code: 2xx}
"""
_RX_B = """\
- record: r:x
  expr: sum by (job) (rate(x_total{code="5xx"}[5m]))
  labels: {code: 5xx}
"""
_RX_NEW = """\
- record: r:x
  expr: sum by (job) (rate(x_total{code="4xx"}[5m]))
  labels: {code: 4xx}
"""


def test_one_rule_inserted_before_two_of_the_same_name_is_one_added_nothing_changed():
    report = compare({"r.yaml": _rules(_RX_A, _RX_B)}, {"r.yaml": _rules(_RX_NEW, _RX_A, _RX_B)})
    assert report.counts() == {"record": {"added": 1}}
    (added,) = report.changes
    assert ("expr", None, 'sum by (job) (rate(x_total{code="4xx"}[5m]))') in _fields(added)


def test_reordered_twins_are_no_change_and_a_moved_threshold_stays_with_its_severity():
    warning = """\
    - alert: DiskFull
      expr: disk_free_ratio < 0.2
      labels: {severity: warning}
    """
    critical = """\
    - alert: DiskFull
      expr: disk_free_ratio < 0.1
      labels: {severity: critical}
    """
    assert not compare({"d.yaml": _rules(warning, critical)}, {"d.yaml": _rules(critical, warning)}).changed
    report = compare({"d.yaml": _rules(warning, critical)},
                     {"d.yaml": _rules(critical.replace("0.1", "0.05"), warning)})
    assert _summary(report) == [("alert", "DiskFull", "changed", [("threshold", "< 0.1", "< 0.05")])]


def test_rules_of_one_name_without_a_better_match_pair_by_position():
    one = "- record: r:y\n  expr: a\n"
    two = "- record: r:y\n  expr: b\n"
    report = compare({"r.yaml": _rules(one, two)}, {"r.yaml": _rules(one.replace(": a", ": c"), two.replace(": b", ": d"))})
    assert _summary(report) == [("record", "r:y", "changed", [("expr", "a", "c")]),
                                ("record", "r:y #2", "changed", [("expr", "b", "d")])]
    report = compare({"r.yaml": _rules(one, two)}, {"r.yaml": _rules(two)})
    assert _summary(report) == [("record", "r:y", "removed", [])]


# --- whitespace, legendFormat, datasources, templating ------------------------------------------

def test_a_whitespace_only_annotation_change_is_reported_with_quoted_values():
    rule = "- alert: A\n  expr: up == 0\n  annotations:\n    description: {d}\n"
    report = compare({"a.yaml": _rules(rule.format(d='"Instance down.\\n  Check it."'))},
                     {"a.yaml": _rules(rule.format(d='"Instance down. Check it."'))})
    assert _summary(report) == [("alert", "A", "changed", [
        ("annotations.description (whitespace)", '"Instance down.\\n  Check it."', '"Instance down. Check it."')])]


def test_legend_datasource_and_templating_changes_are_reported():
    variables = {"list": [{"name": "cluster", "type": "query", "datasource": {"type": "prometheus", "uid": "prom"},
                           "query": {"query": "label_values(up, cluster)", "refId": "V"}, "current": {"text": "a"},
                           "refresh": 2, "includeAll": False}]}
    before = _dashboard("k8s", "Kubernetes", "sum(up)", templating=variables)
    before["panels"][0]["datasource"] = {"type": "prometheus", "uid": "prom"}
    after = json.loads(json.dumps(before))
    after["panels"][0]["targets"][0]["legendFormat"] = "{{namespace}}/{{pod}}"
    after["panels"][0]["datasource"] = "$datasource"
    after["templating"]["list"][0]["query"]["query"] = "label_values(up{job=\"kubelet\"}, cluster)"
    after["templating"]["list"][0]["current"] = {"text": "b"}  # what Grafana saves on its own: not a change
    after["templating"]["list"][0]["includeAll"] = True
    report = compare({"k.json": json.dumps(before)}, {"k.json": json.dumps(after)})
    assert _summary(report) == [
        ("dashboard", "Kubernetes (k8s)", "changed", [(
            "variable cluster",
            "query, datasource: prom (prometheus), query: label_values(up, cluster), refresh: 2",
            'query, datasource: prom (prometheus), query: label_values(up{job="kubelet"}, cluster), '
            "includeAll: yes, refresh: 2")]),
        ("panel", "CPU", "changed", [("datasource", "prom (prometheus)", "$datasource"),
                                     ("legend A", "{{pod}}", "{{namespace}}/{{pod}}")]),
    ]


def test_a_query_datasource_other_than_the_panels_is_a_field():
    before = _dashboard("d", "D", "up")
    after = json.loads(json.dumps(before))
    after["panels"][0]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "thanos"}
    (change,) = compare({"d.json": json.dumps(before)}, {"d.json": json.dumps(after)}).changes
    assert _fields(change) == [("datasource A", None, "thanos (prometheus)")]


# --- redundant parentheses -------------------------------------------------------------------------

def test_redundant_parentheses_are_not_a_change():
    rule = "- alert: A\n  expr: {e}\n"
    pairs = [("rate(x[5m]) > 1", "(rate(x[5m])) > 1"),
             ("sum(a) / sum(b) > 0.1", "((sum(a)) / (sum(b))) > 0.1"),
             ("a + b * c > 1", "a + (b * c) > 1"),
             ('up{job="a", env="b"} == 0', 'up{env="b", job="a"} == 0'),
             ("rate(x[1h]) > 1", "rate(x[60m]) > 1")]
    for old, new in pairs:
        report = compare({"a.yaml": _rules(rule.format(e=old))}, {"a.yaml": _rules(rule.format(e=json.dumps(new)))})
        assert not report.changed, (old, new, _summary(report))
    for old, new in (("(a + b) * c > 1", "a + b * c > 1"), ("a - (b - c) > 1", "a - b - c > 1")):
        report = compare({"a.yaml": _rules(rule.format(e=json.dumps(old)))}, {"a.yaml": _rules(rule.format(e=new))})
        assert _summary(report) == [("alert", "A", "changed", [("expr", old, new)])]


def test_redundant_parentheses_in_a_panel_query_are_not_a_change():
    before = _dashboard("d", "D", "sum(rate(x[$__rate_interval]))")
    after = _dashboard("d", "D", "(sum((rate(x[$__rate_interval]))))")
    assert not compare({"d.json": json.dumps(before)}, {"d.json": json.dumps(after)}).changed


# --- Markdown size ---------------------------------------------------------------------------------

def _many_alerts(count: int, threshold: str) -> str:
    rule = ("- alert: Alert{n:04d}\n  expr: sum by (job) (rate(http_requests_total{{code=~\"5..\", n=\"{n}\"}}[5m]))"
            " / sum by (job) (rate(http_requests_total{{n=\"{n}\"}}[5m])) > {t}\n"
            "  labels: {{severity: warning, team: team-{n}}}\n")
    return _rules(*(rule.format(n=n, t=threshold) for n in range(count)))


def test_markdown_cuts_whole_items_says_how_many_and_folds_large_sections():
    report = compare({"a.yaml": _many_alerts(3000, "0.05"), "b.yaml": _many_alerts(3, "0.05")},
                     {"a.yaml": _many_alerts(3000, "0.1"), "b.yaml": _many_alerts(3, "0.1")})
    markdown = FORMATS["markdown"](report)
    assert len(markdown) < 65_536 and len(markdown) <= MAX_CHARS + 500
    shown = re.findall(r"^\| ~ \| alert `Alert\d{4}` \| threshold \| `> 0.05` \| `> 0.1` \|$", markdown, re.M)
    note = re.search(r"^_([\d,]+) more changed items are left out", markdown, re.M)
    assert note and len(shown) > 100
    assert len(shown) + int(note.group(1).replace(",", "")) == 3003
    assert markdown.count("<details>") == markdown.count("</details>") == 1  # the large section; b.yaml is cut
    assert "<summary>" + f"{len(shown)} of 3000 changes in group g</summary>" in markdown
    table_lines = [line for line in markdown.splitlines() if line.startswith("|") and not line.startswith("|---")]
    assert all(line.endswith("|") and line.count(" | ") >= 4 for line in table_lines)  # no row cut short


def test_a_small_report_has_no_details_and_no_note():
    markdown = FORMATS["markdown"](compare({"a.yaml": _many_alerts(3, "0.05")}, {"a.yaml": _many_alerts(3, "0.1")}))
    assert "<details>" not in markdown and "left out" not in markdown
    assert markdown.count("| ~ | alert") == 3


# --- long expressions ------------------------------------------------------------------------------

def test_a_changed_long_expression_shows_the_tokens_that_changed():
    terms = " + ".join(f'rate(requests_total{{handler="/api/v1/item/{n}"}}[5m])' for n in range(20))
    old = f"({terms}) / 20 > 100"
    new = old.replace('item/7"}[5m]', 'item/7"}[10m]')
    assert len(old) > 1000
    rule = "- alert: A\n  expr: {e}\n"
    report = compare({"a.yaml": _rules(rule.format(e=json.dumps(old)))}, {"a.yaml": _rules(rule.format(e=json.dumps(new)))})
    text = FORMATS["text"](report)
    (line,) = [line for line in text.splitlines() if line.strip().startswith("expr:")]
    assert len(line) < 300, line
    assert '"/api/v1/item/7"}[[-5m-]]) +' in line and '"/api/v1/item/7"}[{+10m+}]) +' in line
    assert "item/3" not in line and "\u2026" in line
    (change,) = report.changes
    (field,) = change.fields
    assert (field.before, field.after) == (old, new)  # JSON keeps both whole
    data = json.loads(FORMATS["json"](report))
    assert data["changes"][0]["fields"][0]["before"] == old
    assert "[-5m-]" in FORMATS["markdown"](report)


# --- comments --------------------------------------------------------------------------------------

def test_comments_in_an_expression_do_not_show_folded_into_it():
    expr = "|\n    sum(rate(errors_total[5m]))  # errors per second\n      > 5  # page above this\n"
    report = compare({}, {"a.yaml": _rules("- alert: A\n  expr: " + expr)})
    assert ("expr", None, "sum(rate(errors_total[5m])) > 5") in _fields(report.changes[1])
    changed_comment = expr.replace("# errors per second", "# per second, all pods")
    assert not compare({"a.yaml": _rules("- alert: A\n  expr: " + expr)},
                       {"a.yaml": _rules("- alert: A\n  expr: " + changed_comment)}).changed
    with_hash = '- alert: A\n  expr: \'up{job="a#b"} == 0 # note\'\n'
    assert ("expr", None, 'up{job="a#b"} == 0') in _fields(compare({}, {"a.yaml": _rules(with_hash)}).changes[1])


# --- expressions that do not parse ------------------------------------------------------------------

def test_an_expression_that_does_not_parse_is_a_problem_not_a_threshold_change():
    rule = "- alert: A\n  expr: {e}\n"
    old, new = "sum(rate(x_total[5m]) > 0.5", "sum(rate(x_total[5m]) > 0.75"  # a ) missing on both sides
    report = compare({"a.yaml": _rules(rule.format(e=old))}, {"a.yaml": _rules(rule.format(e=new))})
    assert _summary(report) == [("alert", "A", "changed", [("expr", old, new)])]
    (problem,) = report.problems
    assert problem.startswith("a.yaml: g: alert A: the expression does not parse on either side")
    assert "warning: a.yaml: g: alert A: the expression does not parse" in FORMATS["text"](report)
    assert "does not parse" in FORMATS["markdown"](report)
    assert json.loads(FORMATS["json"](report))["changes"][0]["problems"] == [problem.split("alert A: ", 1)[1]]


def test_an_expression_broken_on_one_side_says_which():
    rule = "- alert: A\n  expr: {e}\n"
    report = compare({"a.yaml": _rules(rule.format(e="rate(x[5m]) > 0.5"))},
                     {"a.yaml": _rules(rule.format(e="rate(x[5m] > 0.75"))})
    assert _summary(report) == [("alert", "A", "changed", [("expr", "rate(x[5m]) > 0.5", "rate(x[5m] > 0.75")])]
    (problem,) = report.problems
    assert "does not parse on the after side" in problem
    added = compare({}, {"a.yaml": _rules(rule.format(e="rate(x[5m] > 1"))})
    assert [f.field for f in added.changes[1].fields] == ["expr"] and len(added.problems) == 1


# --- files that promtool and Kubernetes accept -------------------------------------------------------

def test_a_crd_with_a_bare_equals_sign_is_valid_yaml():
    crd = textwrap.dedent("""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: prometheusrules.monitoring.coreos.com}
        spec:
          versions:
          - name: v1
            schema:
              openAPIV3Schema:
                properties:
                  action:
                    enum:
                    - =
                    - "!="
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: r}
        spec:
          groups:
          - name: r.rules
            rules:
            - alert: Down
              expr: up == 0
        """)
    report = compare({}, {"setup.yaml": crd})
    assert report.problems == ()
    assert report.counts() == {"group": {"added": 1}, "alert": {"added": 1}}


def test_a_group_with_null_rules_has_zero_rules_like_promtool():
    report = compare({}, {"a.yaml": "groups:\n- name: empty\n  rules:\n- name: none\n"})
    assert report.problems == ()
    assert _summary(report) == [("group", "empty", "added", []), ("group", "none", "added", [])]
    assert not compare({}, {"a.yaml": "groups:\n"}).problems


def test_a_file_identical_on_both_sides_is_not_read():
    """kube-prometheus' CRDs are 800 kB each: reading them on every diff was most of its time."""
    unreadable = "groups: [\n"
    assert compare({"a.yaml": unreadable}, {"a.yaml": unreadable}).problems == ()
    assert compare({"a.yaml": unreadable}, {"a.yaml": unreadable + " "}).problems != ()


def test_a_nameless_variable_is_named_by_its_place():
    variables = {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"},
                          {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "refresh": 2, "hide": 0}]}
    before = _dashboard("n", "Nodes", "up", templating=variables)
    after = _dashboard("n", "Nodes", "up", templating={"list": variables["list"][:1]})
    (change,) = compare({"n.json": json.dumps(before)}, {"n.json": json.dumps(after)}).changes
    assert (change.name, _fields(change)) == (
        "Nodes (n)", [("variable [1]", "datasource: ${datasource} (prometheus), refresh: 2", None)])


def test_one_long_token_changed_shows_the_characters_that_changed():
    """awesome-prometheus-alerts' PostgreSQL rule: one 600-character regex in a string."""
    regex = '"pg_settings_(' + "|".join(f"setting{n}[^_]" for n in range(40)) + ').*"'
    old = '{__name__=~"pg_settings_.*"} != ON(__name__, instance) {__name__=~' + regex + "} OFFSET 5m"
    new = old.replace("setting17[^_]", "setting17[^a]")
    rule = "- alert: A\n  expr: {e}\n"
    report = compare({"a.yaml": _rules(rule.format(e=json.dumps(old)))}, {"a.yaml": _rules(rule.format(e=json.dumps(new)))})
    (field,) = report.changes[0].fields
    before, after = field.excerpt
    assert "setting17[^[-_-]]" in before and "setting17[^{+a+}]" in after
    assert len(before) < 100 and len(after) < 100 and "setting3[" not in before


def test_a_threshold_spelled_differently_is_not_a_change():
    rule = "- alert: A\n  expr: rate(x[5m]) > {t}\n"
    assert not compare({"a.yaml": _rules(rule.format(t="0.50"))}, {"a.yaml": _rules(rule.format(t="5e-1"))}).changed
    report = compare({"a.yaml": _rules(rule.format(t="0.50"))}, {"a.yaml": _rules(rule.format(t="0.55"))})
    assert _summary(report) == [("alert", "A", "changed", [("threshold", "> 0.50", "> 0.55")])]
