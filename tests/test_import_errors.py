"""Bad input to `obsgen import`: a located error (file:line), exit 3, and nothing written."""
from __future__ import annotations

import pytest

from tests.support.inprocess import run_obsgen

RULES = """groups:
  - name: demo
    rules:
      - alert: DemoDown
        expr: up{job="demo"} == 0
        for: 5m
        labels: {severity: critical}
        annotations: {summary: Demo is down, description: Demo is down.}
"""


def _run(tmp_path, *args):
    out = tmp_path / "out" / "catalog.yaml"
    ran = run_obsgen("import", *args, "-o", str(out))
    return ran, out


def _nothing_written(tmp_path):
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("kind", ["rules", "dashboards", "metrics"])
def test_unreadable_file(tmp_path, kind):
    missing = tmp_path / "missing.yaml"
    ran, _ = _run(tmp_path, kind, str(missing))
    assert ran.returncode == 3, ran.output
    assert f"{missing}: cannot read" in ran.stderr
    assert "Traceback" not in ran.output
    _nothing_written(tmp_path)


def test_not_a_rule_file(tmp_path):
    source = tmp_path / "values.yaml"
    source.write_text("replicas: 3\nimage: demo:1.0\n")
    ran, _ = _run(tmp_path, "rules", str(source))
    assert ran.returncode == 3
    assert f"{source}:1: not a rule file: no `groups:`" in ran.stderr
    _nothing_written(tmp_path)


def test_unknown_kind_is_located_at_its_kind_line(tmp_path):
    source = tmp_path / "deploy.yaml"
    source.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: demo}\n")
    ran, _ = _run(tmp_path, "rules", str(source))
    assert ran.returncode == 3
    assert f"{source}:2: unknown kind 'Deployment'" in ran.stderr
    _nothing_written(tmp_path)


def test_invalid_yaml_rule_file_names_the_line(tmp_path):
    source = tmp_path / "broken.rules.yaml"
    source.write_text("groups:\n  - name: demo\n    rules:\n      - alert: [Unclosed\n        expr: up\n")
    ran, _ = _run(tmp_path, "rules", str(source))
    assert ran.returncode == 3
    assert f"{source}:5: not a rule file: not valid YAML" in ran.stderr
    _nothing_written(tmp_path)


def test_one_bad_file_among_good_ones_writes_nothing(tmp_path):
    good = tmp_path / "good.rules.yaml"
    good.write_text(RULES)
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    ran, _ = _run(tmp_path, "rules", str(good), str(bad))
    assert ran.returncode == 3
    assert f"{bad}:1: not a rule file" in ran.stderr
    _nothing_written(tmp_path)


def test_invalid_dashboard_json_names_the_line(tmp_path):
    source = tmp_path / "dash.json"
    source.write_text('{\n  "uid": "x",\n  "panels": [\n    {"type": "stat",}\n  ]\n}\n')
    ran, _ = _run(tmp_path, "dashboards", str(source))
    assert ran.returncode == 3
    assert f"{source}:4: invalid JSON: Expecting property name enclosed in double quotes" in ran.stderr
    _nothing_written(tmp_path)


def test_json_that_is_not_a_dashboard(tmp_path):
    source = tmp_path / "datasource.json"
    source.write_text('{"name": "Prometheus", "type": "prometheus", "url": "http://prometheus:9090"}\n')
    ran, _ = _run(tmp_path, "dashboards", str(source))
    assert ran.returncode == 3
    assert f"{source}:1: not a Grafana dashboard" in ran.stderr
    _nothing_written(tmp_path)


def test_not_an_exposition_names_the_line(tmp_path):
    source = tmp_path / "metrics.txt"
    source.write_text("# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n<html>oops</html>\n")
    ran, _ = _run(tmp_path, "metrics", str(source))
    assert ran.returncode == 3
    assert f"{source}:4: not a Prometheus exposition" in ran.stderr
    _nothing_written(tmp_path)


def test_existing_output_is_kept_unless_force(tmp_path):
    source = tmp_path / "demo.rules.yaml"
    source.write_text(RULES)
    out = tmp_path / "catalog.yaml"
    out.write_text("# mine\n")
    ran = run_obsgen("import", "rules", str(source), "-o", str(out))
    assert ran.returncode == 2
    assert "exists; nothing was written (pass --force" in ran.stderr
    assert out.read_text() == "# mine\n"
    forced = run_obsgen("import", "rules", str(source), "-o", str(out), "--force")
    assert forced.returncode == 0, forced.output
    assert "- name: DemoDown\n  expr: up{$selector} == 0\n" in out.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_written_catalog_has_the_usual_file_mode(tmp_path):
    import os

    source = tmp_path / "demo.rules.yaml"
    source.write_text(RULES)
    out = tmp_path / "catalog.yaml"
    mask = os.umask(0o022)
    try:
        assert run_obsgen("import", "rules", str(source), "-o", str(out)).returncode == 0
    finally:
        os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_a_directory_is_an_unreadable_file(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    ran, _ = _run(tmp_path, "rules", str(folder))
    assert ran.returncode == 3
    assert f"{folder}: cannot read: Is a directory" in ran.stderr
    _nothing_written(tmp_path)


def test_nothing_importable_says_why_and_writes_nothing(tmp_path):
    source = tmp_path / "odd.rules.yaml"
    source.write_text("groups:\n  - name: g\n    rules:\n      - record: not_level_metric_ops\n        expr: up\n")
    ran, _ = _run(tmp_path, "rules", str(source))
    assert ran.returncode == 3
    assert f"{source}:4: groups[g].rules[0]: recording rule 'not_level_metric_ops' does not follow" in ran.stderr
    assert f"{source}: no rule the catalog can express" in ran.stderr
    _nothing_written(tmp_path)


def test_a_service_name_the_catalog_refuses_is_a_usage_error(tmp_path):
    source = tmp_path / "demo.rules.yaml"
    source.write_text(RULES)
    ran, _ = _run(tmp_path, "rules", str(source), "--service", "My Service")
    assert ran.returncode == 2
    assert "--service" in ran.stderr
    _nothing_written(tmp_path)
