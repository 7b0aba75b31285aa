"""`obsgen import metrics`: a live /metrics page (the reference exporter on loopback) or a saved exposition."""
from __future__ import annotations

import urllib.request

import yaml

from tests.support.exporter_server import running_exporter
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL


def test_live_exporter_page_gives_a_catalog_that_generates_and_validates(tmp_path, monkeypatch):
    with running_exporter(tmp_path / "exporter") as url:
        for path in ("/healthz", "/readyz"):
            urllib.request.urlopen(url + path, timeout=10).read()
        project = tmp_path / "project"
        project.mkdir()
        monkeypatch.chdir(project)
        ran = run_obsgen("import", "metrics", f"{url}/metrics", "--service", "ampel-import", "-o", "catalog/a.yaml")
    assert ran.returncode == 0, ran.output
    catalog = yaml.safe_load((project / "catalog" / "a.yaml").read_text())
    reference = {m["name"]: m for m in yaml.safe_load(AMPEL.read_text())["metrics"]}
    imported = {m["name"]: m for m in catalog["metrics"]}
    assert sorted(imported) == sorted(reference)
    for name, metric in reference.items():
        assert imported[name]["type"] == metric["type"]
        assert imported[name]["help"] == metric["help"]
    histogram = imported["ampel_dashboard_summary_duration_seconds"]
    assert histogram["buckets"] == [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0]
    assert histogram["unit"] == "seconds"
    labels = {lab["name"]: lab for lab in imported["http_requests_total"]["labels"]}
    assert labels["status"] == {"name": "status", "pattern": "[1-5][0-9][0-9]"}
    assert {"/healthz", "/readyz"} <= set(labels["path"]["values"])
    assert imported["ampel_dashboard_breakdown_total"]["labels"] == [
        {"name": "visibility", "values": ["green", "red", "yellow"]}]
    assert run_obsgen("generate", "--catalog", "catalog/a.yaml").returncode == 0
    validated = run_obsgen("validate", "--catalog", "catalog/a.yaml")
    assert validated.returncode == 0, validated.output
    assert "0 error(s)" in validated.stdout


EXPOSITION = """\
# HELP app_jobs_total Jobs processed.
# TYPE app_jobs_total counter
{jobs}
app_jobs_created{{queue="default"}} 1.7e9
# HELP app_queue_depth Jobs waiting.
# TYPE app_queue_depth gauge
app_queue_depth{{queue="default"}} 3
app_queue_depth{{queue="bulk"}} 0
# HELP app_rpc_latency_seconds RPC latency.
# TYPE app_rpc_latency_seconds summary
app_rpc_latency_seconds{{quantile="0.5"}} 0.1
app_rpc_latency_seconds_sum 4
app_rpc_latency_seconds_count 40
# TYPE legacy_thing untyped
legacy_thing 1
# HELP app_payload_bytes Payload size.
# TYPE app_payload_bytes histogram
app_payload_bytes_bucket{{le="1024.0"}} 1
app_payload_bytes_bucket{{le="64.0"}} 0
app_payload_bytes_bucket{{le="+Inf"}} 2
app_payload_bytes_sum 3000
app_payload_bytes_count 2
"""


def test_saved_exposition_patterns_cardinality_and_what_is_left_out(tmp_path):
    jobs = "\n".join(f'app_jobs_total{{queue="default",user="{1000 + i}"}} 1' for i in range(25))
    source = tmp_path / "app.prom"
    source.write_text(EXPOSITION.format(jobs=jobs))
    out = tmp_path / "catalog.yaml"
    ran = run_obsgen("import", "metrics", str(source), "-o", str(out), "--max-values", "10")
    assert ran.returncode == 0, ran.output
    catalog = yaml.safe_load(out.read_text())
    metrics = {m["name"]: m for m in catalog["metrics"]}
    assert sorted(metrics) == ["app_jobs_total", "app_payload_bytes", "app_queue_depth", "legacy_thing"]
    assert metrics["app_jobs_total"]["labels"] == [{"name": "queue", "values": ["default"]},
                                                   {"name": "user", "pattern": "[0-9]+"}]
    assert metrics["app_jobs_total"]["created_series"] is True
    assert metrics["app_payload_bytes"]["buckets"] == [64.0, 1024.0]
    assert metrics["app_payload_bytes"]["unit"] == "bytes"
    assert metrics["app_queue_depth"]["labels"] == [{"name": "queue", "values": ["bulk", "default"]}]
    assert metrics["legacy_thing"] == {"name": "legacy_thing", "type": "gauge", "help": "legacy_thing"}
    lines = source.read_text().splitlines()
    rpc = lines.index("# HELP app_rpc_latency_seconds RPC latency.") + 1
    legacy = lines.index("# TYPE legacy_thing untyped") + 1
    assert rpc == 33 and legacy == 38  # 25 sample lines of app_jobs_total before them
    assert f"{source}:1: app_jobs_total{{user}}: 25 distinct values (more than 10); high cardinality" in ran.stderr
    assert f"{source}:{rpc}: app_rpc_latency_seconds is a summary, which the catalog cannot express; left out" \
        in ran.stderr
    assert f"{source}:{legacy}: legacy_thing has no TYPE; imported as a gauge" in ran.stderr
    assert catalog["service"]["name"] == "app"


def test_unreachable_url_is_a_located_error(tmp_path):
    from tests.support.ports import free_port

    url = f"http://127.0.0.1:{free_port()}/metrics"
    out = tmp_path / "catalog.yaml"
    ran = run_obsgen("import", "metrics", url, "-o", str(out))
    assert ran.returncode == 3
    assert f"{url}: cannot read" in ran.stderr
    assert not out.exists()


def test_openmetrics_unit_and_created_series(tmp_path):
    source = tmp_path / "om.txt"
    source.write_text("""# TYPE task_duration_milliseconds histogram
# UNIT task_duration_milliseconds milliseconds
# HELP task_duration_milliseconds Task duration.
task_duration_milliseconds_bucket{le="10.0"} 1
task_duration_milliseconds_bucket{le="100.0"} 2
task_duration_milliseconds_bucket{le="+Inf"} 2
task_duration_milliseconds_count 2
task_duration_milliseconds_sum 50
task_duration_milliseconds_created 1.7e9
# TYPE tasks counter
# HELP tasks Tasks run.
tasks_total{kind="a"} 3
tasks_created{kind="a"} 1.7e9
# EOF
""")
    ran = run_obsgen("import", "metrics", str(source))
    assert ran.returncode == 0, ran.output
    metrics = {m["name"]: m for m in yaml.safe_load(ran.stdout)["metrics"]}
    assert metrics["task_duration_milliseconds"]["unit"] == "milliseconds"
    assert metrics["task_duration_milliseconds"]["buckets"] == [10.0, 100.0]
    assert metrics["task_duration_milliseconds"]["created_series"] is True
    assert metrics["tasks_total"] == {"name": "tasks_total", "type": "counter", "help": "Tasks run.",
                                      "labels": [{"name": "kind", "values": ["a"]}], "created_series": True}
