"""check-metrics: a real prometheus_client exposition against the catalog, good and with each mismatch."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generator.catalog import load_catalog
from generator.validators.exposition import check_exposition
from tests.support.inprocess import run_obsgen
from tests.support.exposition import exposition
from tests.support.paths import AMPEL, CATALOGS, REPO

HISTOGRAM = "ampel_dashboard_summary_duration_seconds"


@pytest.fixture(scope="module")
def ampel():
    return load_catalog(AMPEL.relative_to(REPO))


def _rules(findings):
    return sorted((f.rule, f.item) for f in findings)


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_a_service_exposing_exactly_the_catalog_passes(name):
    catalog = load_catalog(CATALOGS[name].relative_to(REPO))
    assert check_exposition(catalog, exposition(catalog), "good.prom") == []


def test_missing_metric(ampel):
    findings = check_exposition(ampel, exposition(ampel, drop=("ampel_dashboard_breakdown_total",)), "m.prom")
    assert _rules(findings) == [("missing-metric", "ampel_dashboard_breakdown_total")]
    assert "is in the catalog but not exposed" in findings[0].message


def test_wrong_type(ampel):
    findings = check_exposition(ampel, exposition(ampel, type_of={"ampel_dashboard_errors_total": "gauge"}), "t.prom")
    assert ("wrong-type", "ampel_dashboard_errors_total") in _rules(findings)
    wrong = next(f for f in findings if f.rule == "wrong-type")
    assert wrong.message == "exposed as gauge, the catalog says counter"
    assert wrong.line is not None and wrong.file == "t.prom"


def test_missing_and_extra_labels(ampel):
    text = exposition(ampel, labels_of={"http_requests_total": ("path", "method", "user_id"),
                                        "ampel_dashboard_errors_total": ()})
    findings = check_exposition(ampel, text, "l.prom")
    messages = {(f.rule, f.message) for f in findings}
    assert ("missing-label", "label 'status' is missing on http_requests_total") in messages
    assert ("extra-label", "label 'user_id' on http_requests_total is not in the catalog (declared: method, path, status)") in messages
    assert ("missing-label", "label 'error_type' is missing on ampel_dashboard_errors_total") in messages


def test_unexpected_label_value(ampel):
    text = exposition(ampel, bad_values={"http_requests_total": {"path": "/api/users/42"},
                                         "ampel_dashboard_breakdown_total": {"visibility": "blue"}})
    findings = check_exposition(ampel, text, "v.prom")
    assert _rules(findings) == [("unexpected-label-value", "ampel_dashboard_breakdown_total"),
                                ("unexpected-label-value", "http_requests_total")]
    assert any("visibility='blue' on ampel_dashboard_breakdown_total is not allowed (green, yellow, red)" == f.message
               for f in findings)


def test_wrong_bucket_set(ampel):
    text = exposition(ampel, buckets_of={HISTOGRAM: (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)})  # the performance plan's buckets
    findings = check_exposition(ampel, text, "b.prom")
    assert _rules(findings) == [("wrong-buckets", HISTOGRAM)]
    assert findings[0].message.endswith("missing 0.3, 0.75")


def test_created_series_when_the_catalog_turns_them_off(ampel):
    findings = check_exposition(ampel, exposition(ampel, created=True), "c.prom")
    assert {f.rule for f in findings} == {"unexpected-series"}
    assert {f.item for f in findings} == {m.name for m in ampel.metrics}


def test_unknown_metrics_are_warnings_and_client_families_are_ignored(ampel):
    text = exposition(ampel, extra=("ampel_cache_size",)) + "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.0\n"
    findings = check_exposition(ampel, text, "u.prom")
    assert [(f.rule, f.item, f.severity) for f in findings] == [("uncatalogued-metric", "ampel_cache_size", "warning")]


def test_garbage_is_reported_not_raised(ampel):
    findings = check_exposition(ampel, "this is { not metrics\n", "g.prom")
    assert [f.rule for f in findings] == ["exposition-unparsable"]


class _Metrics(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def metrics_server(ampel):
    _Metrics.body = exposition(ampel, bad_values={"http_requests_total": {"status": "2xx"}}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/metrics"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_cli_reads_a_live_url_and_runs_promtool(metrics_server):
    result = run_obsgen("check-metrics", metrics_server, "--catalog", "catalog/ampel.yaml", cwd=REPO)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unexpected-label-value [http_requests_total]: status='2xx'" in result.stdout
    assert "pattern [1-5][0-9][0-9]" in result.stdout


def test_cli_passes_on_a_good_file_and_reports_promtool_lint(tmp_path, ampel):
    good = tmp_path / "good.prom"
    good.write_text(exposition(ampel))
    result = run_obsgen("check-metrics", str(good), "--catalog", "catalog/ampel.yaml", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout
    linted = tmp_path / "lint.prom"
    linted.write_text(exposition(ampel) + "# TYPE ampel_cache_seconds counter\nampel_cache_seconds 1.0\n")
    result = run_obsgen("check-metrics", str(linted), "--catalog", "catalog/ampel.yaml", "--fail-on", "warning", cwd=REPO)
    assert result.returncode == 1
    assert 'promtool-lint [ampel_cache_seconds]: counter metrics should have "_total" suffix' in result.stdout


def _line_containing(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line and not line.startswith("#"))


def test_a_bad_label_value_is_reported_at_the_samples_line_not_the_help_line(ampel):
    text = exposition(ampel, bad_values={"ampel_dashboard_breakdown_total": {"visibility": "blue"}})
    help_line = _line_containing(text.replace("# HELP ampel_dashboard_breakdown_total", "HELP-MARK"), "HELP-MARK")
    findings = check_exposition(ampel, text, "v.prom")
    assert [f.rule for f in findings] == ["unexpected-label-value"]
    assert findings[0].line == _line_containing(text, 'visibility="blue"') != help_line
    assert text.splitlines()[findings[0].line - 1].startswith('ampel_dashboard_breakdown_total{')


def test_a_bad_value_among_good_ones_points_at_its_own_sample(ampel):
    text = exposition(ampel)
    good = next(line for line in text.splitlines() if line.startswith('ampel_dashboard_breakdown_total{'))
    bad = good.replace('visibility="', 'visibility="not \\"ok\\" ', 1)  # an escaped quote in the value
    assert bad != good
    lines = text.splitlines()
    lines.insert(lines.index(good) + 2, bad)
    text = "\n".join(lines) + "\n"
    findings = check_exposition(ampel, text, "v.prom")
    assert [(f.rule, f.line) for f in findings] == [("unexpected-label-value", lines.index(bad) + 1)]
    assert "visibility='not \"ok\" " in findings[0].message


def test_missing_and_extra_labels_are_reported_at_a_sample_line(ampel):
    text = exposition(ampel, labels_of={"ampel_dashboard_errors_total": ()})
    findings = check_exposition(ampel, text, "l.prom")
    missing = next(f for f in findings if f.rule == "missing-label")
    assert text.splitlines()[missing.line - 1].startswith("ampel_dashboard_errors_total ")


@pytest.mark.parametrize("make", ["missing", "directory", "not-utf8"])
def test_cli_an_unreadable_file_exits_5(tmp_path, make):
    source = {"missing": tmp_path / "nofile.txt", "directory": tmp_path, "not-utf8": tmp_path / "bad.prom"}[make]
    if make == "not-utf8":
        source.write_bytes(b"# TYPE x gauge\nx 1\n\xff\n")
    result = run_obsgen("check-metrics", str(source), "--catalog", "catalog/ampel.yaml", cwd=REPO)
    assert result.returncode == 5, result.stdout + result.stderr
    assert f"cannot read {source}" in result.stderr and "Traceback" not in result.stderr
