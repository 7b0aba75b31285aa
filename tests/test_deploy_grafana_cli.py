"""`obsgen deploy grafana` as a user runs it: one distinct exit code per outcome, clear messages,
and the token or password never in the output, whatever happens."""
from __future__ import annotations

import socket

import pytest

from tests.support.inprocess import run_obsgen
from tests.support.grafana_server import running_grafana
from tests.support.paths import REPO

TOKEN = "glsa_cli-s3cr3t-9f8e7d6c5b4a"
PASSWORD = "pa55-w0rd-never-shown"
UID = "ampel-dashboard-summary"


@pytest.fixture
def grafana():
    with running_grafana(tokens={TOKEN: "Admin", "glsa_viewer-0000": "Viewer"},
                         users={("deployer", PASSWORD): "Editor"}) as state:
        yield state


def run(grafana_url: str, *args: str, token: str | None = TOKEN, extra_env: dict | None = None):
    env = {"GRAFANA_TOKEN": token or "", "GRAFANA_PASSWORD": PASSWORD, "GITHUB_SHA": "", **(extra_env or {})}
    result = run_obsgen("deploy", "grafana", "--url", grafana_url, "--org-id", "3", "--revision", "rev42",
                        "--retries", "1", "--backoff", "0.01", *args, cwd=REPO, env=env)
    shown = result.stdout + result.stderr
    for secret in (TOKEN, PASSWORD, "glsa_viewer-0000", "glsa_wrong-1111"):
        assert secret not in shown
    return result


def test_deploy_then_nothing_to_do_exit_0(grafana):
    dry = run(grafana.url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1].startswith("dry run, nothing changed: dashboards 2 to create")
    first = run(grafana.url)
    assert first.returncode == 0, first.stderr
    assert f"create    {UID}: new in folder ampel -> version 1" in first.stdout
    assert f"create    {UID}-slo: new in folder ampel -> version 1" in first.stdout
    assert grafana.dashboards[UID].messages == ["obsgen deploy of revision rev42"]
    assert {r.headers.get("X-Grafana-Org-Id") for r in grafana.requests if r.path != "/api/health"} == {"3"}
    again = run(grafana.url)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "dashboards 0 created, 0 updated, 2 unchanged"


def test_basic_auth_when_no_token_is_set(grafana):
    result = run(grafana.url, "--user", "deployer", token=None)
    assert result.returncode == 0, result.stderr
    assert grafana.calls("POST", "/api/dashboards/db")[0].headers["Authorization"].startswith("Basic ")


def test_no_credentials_is_a_usage_error(grafana):
    result = run(grafana.url, token=None)
    assert result.returncode == 2 and "no Grafana credentials: set $GRAFANA_TOKEN" in result.stderr
    assert grafana.requests == []


def test_401_wrong_token_exit_7(grafana):
    result = run(grafana.url, token="glsa_wrong-1111")
    assert result.returncode == 7
    assert "401 Unauthorized on GET /api/folders/ampel: Grafana refused the credentials" in result.stderr


def test_403_missing_permission_exit_7(grafana):
    result = run(grafana.url, token="glsa_viewer-0000")
    assert result.returncode == 7
    assert "403 Forbidden on POST /api/folders: the credentials lack a permission to create folder ampel" in result.stderr
    assert "Permissions needed" in result.stderr


def test_404_wrong_url_exit_8(grafana):
    result = run(grafana.url + "/grafana")
    assert result.returncode == 8
    assert "404 Not Found on GET /api/health" in result.stderr and "check --url" in result.stderr


def test_drift_exit_6_and_412_exit_8(grafana):
    assert run(grafana.url).returncode == 0
    grafana.edit_in_ui(UID, lambda d: d.update(refresh="1s"), by="carol")
    drift = run(grafana.url)
    assert drift.returncode == 6 and f"drifted   {UID}: changed in Grafana since our last deploy" in drift.stdout
    assert "carol" in drift.stdout and '-  "refresh": "1s",' in drift.stdout
    grafana.inject("POST", "/api/dashboards/db", status=412,
                   body={"message": "The dashboard has been changed by someone else", "status": "version-mismatch"})
    conflict = run(grafana.url, "--force")
    assert conflict.returncode == 8 and "412 version-mismatch" in conflict.stdout
    assert run(grafana.url, "--force").returncode == 0


def test_5xx_retried_then_exit_9_with_secrets_redacted(grafana):
    grafana.inject("GET", "/api/health", status=502, times=1)
    assert run(grafana.url).returncode == 0  # one retry is enough

    grafana.inject("GET", "/api/folders/ampel", status=500, times=5,
                   body={"message": f"proxy error for Authorization: Bearer {TOKEN}"})
    result = run(grafana.url)
    assert result.returncode == 9
    assert "retrying GET /api/folders/ampel in 0.01s: HTTP 500 proxy error for Authorization: Bearer ***" in result.stderr
    assert "failed after 2 attempt(s)" in result.stderr


def test_unreachable_exit_9():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(f"http://127.0.0.1:{port}")
    assert result.returncode == 9
    assert "is unreachable: GET /api/health failed after 2 attempt(s): cannot connect" in result.stderr
