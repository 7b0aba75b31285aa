"""No deploy path shows a secret: the Grafana token, a basic-auth password, the password in a URL's
user-info (also percent-encoded, also as the base64 of a Basic header), in errors, retries, dry-run
diffs and protocol errors. A secret an HTTP header cannot carry is a usage error (exit 2) that
does not echo it; a URL that is empty, has no scheme or another scheme than http(s) is one too."""
from __future__ import annotations

import base64

import pytest

from generator.deploy.endpoint import EndpointError, parse_endpoint, redact
from generator.deploy.grafana_client import Credentials
from tests.support.grafana_server import HTML, running_grafana
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, REPO
from tests.support.ports import free_port

TOKEN = "glsa_secret-tok3n-5e4d3c2b1a"
PASSWORD = "b4sic-pa55word"
UID = "ampel-dashboard-summary"
CLEAN_ENV = {"GRAFANA_URL": None, "GRAFANA_TOKEN": None, "GRAFANA_USER": None, "GRAFANA_PASSWORD": None,
             "GRAFANA_ORG_ID": None, "GITHUB_SHA": None, "PROMETHEUS_URL": None}


def grafana_deploy(*args: str, **env: str | None):
    return run_obsgen("deploy", "grafana", "--catalog", str(AMPEL), "--root", str(REPO), "--revision", "r1",
                      "--retries", "1", "--backoff", "0.01", "--timeout", "2", *args, env={**CLEAN_ENV, **env})


def shows_none(ran, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in ran.output
    assert "Traceback" not in ran.output


def unreachable_url() -> str:
    return f"127.0.0.1:{free_port()}"


def test_issue_reproducer_a_token_with_a_newline_is_a_usage_error_never_echoed():
    ran = grafana_deploy("--url", f"http://{unreachable_url()}", "--dry-run", GRAFANA_TOKEN="s3cr3t\nINNER-PART-42")
    assert ran.returncode == 2
    assert "$GRAFANA_TOKEN contains a line break (character 7 of 20)" in ran.stderr
    shows_none(ran, "s3cr3t", "INNER-PART-42")


@pytest.mark.parametrize("token, says", [
    ("abc\rdefghij-secret", "a line break (character 4 of 18)"),
    ("abc\x1bdefghij-secret", "a control character (character 4 of 18)"),
    ("abcdefghij-secr\u20acet", "a character outside Latin-1 (character 16 of 18)"),
    ("abcdefghij-\u65e5\u672c-sec", "a character outside Latin-1 (character 12 of 17)"),
], ids=["carriage-return", "escape", "euro-sign", "cjk"])
def test_a_token_a_header_cannot_carry_is_a_usage_error(token, says):
    with running_grafana(tokens={token: "Admin"}) as grafana:
        ran = grafana_deploy("--url", grafana.url, GRAFANA_TOKEN=token)
        assert ran.returncode == 2 and f"$GRAFANA_TOKEN contains {says}" in ran.stderr
        assert grafana.requests == []  # refused before any request
    shows_none(ran, token, "defghij")


def test_a_basic_auth_password_with_a_newline_is_a_usage_error():
    ran = grafana_deploy("--url", f"http://{unreachable_url()}", "--user", "deployer",
                         GRAFANA_PASSWORD="first-line\nsecond-line")
    assert ran.returncode == 2 and "$GRAFANA_PASSWORD contains a line break (character 11 of 22)" in ran.stderr
    shows_none(ran, "first-line", "second-line")


def test_issue_reproducer_the_password_in_grafana_url_is_never_printed():
    ran = grafana_deploy(GRAFANA_URL=f"http://deployer:PASS@{unreachable_url()}")
    assert ran.returncode == 9
    assert "error: Grafana at http://deployer:***@127.0.0.1:" in ran.stderr
    shows_none(ran, "PASS")


def test_the_password_in_the_url_is_used_as_basic_auth_and_never_shown():
    with running_grafana(users={("deployer", "p@ss:w0rd/x"): "Editor"}) as grafana:
        url = grafana.url.replace("http://", "http://deployer:p%40ss%3Aw0rd%2Fx@")
        grafana.inject("GET", "/api/folders/ampel", status=503, times=1,
                       body={"message": f"echo {url} p@ss:w0rd/x"})
        ran = grafana_deploy("--dry-run", GRAFANA_URL=url)
        assert ran.returncode == 0, ran.output
        expected = "Basic " + base64.b64encode(b"deployer:p@ss:w0rd/x").decode()
        assert {r.headers.get("Authorization") for r in grafana.requests if r.path != "/api/health"} == {expected}
        assert "retrying GET /api/folders/ampel in 0.01s: HTTP 503 echo http://deployer:***@127.0.0.1:" in ran.stderr
    shows_none(ran, "p@ss:w0rd/x", "p%40ss%3Aw0rd%2Fx", "w0rd")


def test_secrets_grafana_echoes_back_are_masked_in_every_path():
    basic = base64.b64encode(f"deployer:{PASSWORD}".encode()).decode()
    with running_grafana(tokens={TOKEN: "Admin"}, users={("deployer", PASSWORD): "Editor"}) as grafana:
        echo = f"proxy saw Authorization: Bearer {TOKEN}"
        grafana.add_folder("ampel", "Ampel")
        # a dashboard someone saved with the token pasted into it: the dry run's diff shows it
        grafana.put_dashboard({"uid": UID, "title": "Ampel", "description": f"token {TOKEN}"}, "ampel")
        dry = grafana_deploy("--url", grafana.url, "--dry-run", "--force", GRAFANA_TOKEN=TOKEN)
        assert dry.returncode == 0 and '-  "description": "token ***",' in dry.stdout

        grafana.inject("GET", f"/api/dashboards/uid/{UID}", status=502, times=1, body={"message": echo})
        grafana.inject("POST", "/api/dashboards/db", status=412, body={"message": echo, "status": "other"})
        rejected = grafana_deploy("--url", grafana.url, "--force", GRAFANA_TOKEN=TOKEN)
        assert rejected.returncode == 8
        assert "HTTP 502 proxy saw Authorization: Bearer ***" in rejected.stderr
        assert "412 on POST /api/dashboards/db: proxy saw Authorization: Bearer ***" in rejected.stdout

        grafana.inject("GET", "/api/folders/ampel", status=403,
                       body={"message": f"proxy saw Authorization: Basic {basic} ({PASSWORD})"})
        refused = grafana_deploy("--url", grafana.url, "--user", "deployer", GRAFANA_PASSWORD=PASSWORD)
        assert refused.returncode == 7
        assert "403 Forbidden on GET /api/folders/ampel: the credentials lack a permission to read folder ampel " \
               "(proxy saw Authorization: Basic *** (***))" in refused.stderr

        grafana.inject("GET", "/api/health", answer=HTML, times=1)
        html = grafana_deploy("--url", grafana.url, GRAFANA_TOKEN=TOKEN)
        assert html.returncode == 8 and "GET /api/health answered HTTP 200 with HTML" in html.stderr
    for ran in (dry, rejected, refused, html):
        shows_none(ran, TOKEN, PASSWORD, basic)


@pytest.mark.parametrize("url, says", [
    ("", "--url (or $GRAFANA_URL) is empty"),
    ("   ", "--url (or $GRAFANA_URL) is empty"),
    ("grafana.example.com", "grafana.example.com has no scheme: write http://grafana.example.com or https://"),
    ("127.0.0.1:3000", "127.0.0.1:3000 has no scheme: write http://127.0.0.1:3000"),
    ("deployer:S3CRET@127.0.0.1:3000", "***@127.0.0.1:3000 has no scheme"),
    ("ftp://127.0.0.1:21", "ftp://127.0.0.1:21 uses scheme ftp: only http:// and https:// are supported"),
    ("ftp://deployer:S3CRET@h", "ftp://deployer:***@h uses scheme ftp"),
    ("http://", "http:// names no host"),
    ("http://127.0.0.1:99999", "is not a valid URL (host or port unreadable)"),
    ("http://127.0.0.1:3000/?orgId=1", "has a query or fragment: give the base URL only"),
], ids=["empty", "blank", "no-scheme", "host-port", "no-scheme-with-password", "ftp", "ftp-with-password",
        "no-host", "bad-port", "query"])
def test_an_unusable_grafana_url_is_a_usage_error(url, says):
    ran = grafana_deploy("--url", url, GRAFANA_TOKEN=TOKEN)
    assert ran.returncode == 2, ran.output
    assert says in ran.stderr
    shows_none(ran, TOKEN, "S3CRET")


def test_an_unusable_prometheus_url_is_a_usage_error_and_its_password_is_never_shown(tmp_path):
    rules = tmp_path / "rules.d"
    for url in ("", "localhost:9090", "ftp://localhost:9090"):
        ran = run_obsgen("deploy", "prometheus", "--catalog", str(AMPEL), "--root", str(REPO), "--rules-dir",
                         str(rules), "--url", url, env=CLEAN_ENV)
        assert ran.returncode == 2 and "--url (or $PROMETHEUS_URL)" in ran.stderr
    assert not rules.exists()
    ran = run_obsgen("deploy", "prometheus", "--catalog", str(AMPEL), "--root", str(REPO), "--rules-dir", str(rules),
                     "--timeout", "2", env={**CLEAN_ENV, "PROMETHEUS_URL": f"http://ops:PR0M-PASS@{unreachable_url()}"})
    assert ran.returncode == 9 and "POST http://ops:***@127.0.0.1:" in ran.stderr
    shows_none(ran, "PR0M-PASS")
    assert list(rules.iterdir()) == []  # the new files were removed again


def test_parse_endpoint_splits_off_user_info():
    endpoint = parse_endpoint(" https://deployer:p%40ss@grafana.example.com/sub/path/ ", "--url")
    assert (endpoint.url, endpoint.shown) == ("https://grafana.example.com/sub/path",
                                              "https://deployer:***@grafana.example.com/sub/path")
    assert (endpoint.user, endpoint.password) == ("deployer", "p@ss")
    assert set(endpoint.secrets) == {"p@ss", "p%40ss"}
    assert parse_endpoint("HTTP://h:3000", "--url").url == "http://h:3000"
    with pytest.raises(EndpointError, match="the password in --url contains a line break"):
        parse_endpoint("http://u:a%0Ab@h", "--url")


def test_redaction_covers_every_form_and_the_longest_first():
    credentials = Credentials(user="deployer", password="pw+1/x", extra_secrets=("pw",))
    text = ("pw+1/x pw%2B1%2Fx pw%2B1/x " + base64.b64encode(b"deployer:pw+1/x").decode())
    assert redact(text, credentials.secrets) == "*** *** *** ***"
