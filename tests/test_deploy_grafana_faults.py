"""`obsgen deploy grafana` against a Grafana API that fails in every documented way: 5xx, timeouts,
dropped connections, 412, 401/403, 429 with Retry-After, HTML and bad JSON answers, JSON of the
wrong shape, cut-short bodies, on one dashboard of four, on a folder, on the health check, during
prune. Each run must lose no dashboard (what was there is still there, or updated), carry on with
the other dashboards, exit with the README's code (the worst one when several), print a line per
dashboard, and never show the token or the URL's password."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from generator.deploy.grafana_client import Credentials, GrafanaClient, GrafanaUnavailable, RetryPolicy, retry_after
from tests.support.catalog_builder import CatalogBuilder, counter, dashboard, panel
from tests.support.grafana_server import BAD_JSON, CUT_SHORT, DROP, HTML, JSON_LIST, running_grafana
from tests.support.inprocess import Ran, run_obsgen

TOKEN = "glsa_fault-s3cr3t-7a6b5c4d3e2f"
URL_PASSWORD = "url-pa55-n0t-for-eyes"
SECRETS = (TOKEN, URL_PASSWORD)
UIDS = ["faulty-a", "faulty-b", "faulty-c", "faulty-d"]
A, B, C, D = UIDS
ECHO = f"upstream echoed Authorization: Bearer {TOKEN} for http://deployer:{URL_PASSWORD}@grafana"
DASHBOARD = "/api/dashboards/uid/"
SAVE = "/api/dashboards/db"


def title(uid: str, release: str) -> str:
    return f"Faulty / {uid}{release}"


def write_catalog(folder: Path, release: str, uids=UIDS) -> Path:
    """The faulty service (Grafana folder `faulty`) with one dashboard per uid, titled for `release`."""
    builder = (CatalogBuilder("faulty", team="backend", metrics=[counter("faulty_requests_total")])
               .service(title="Faulty service", grafana={"folder": {"uid": "faulty", "title": "Faulty"},
                                                         "datasource": {"type": "prometheus", "uid": "prometheus"}}))
    for uid in uids:
        builder.dashboard(dashboard(uid, panel("Request rate", "sum(rate(faulty_requests_total{$selector}[5m]))",
                                               unit="reqps"), title=title(uid, release)))
    path = folder / f"faulty{release or '-v1'}.yaml"
    path.write_text(builder.text(), encoding="utf-8")
    return path


@pytest.fixture
def grafana():
    with running_grafana(tokens={TOKEN: "Admin"}) as state:
        yield state


def deploy(grafana, catalog: Path, *args: str, timeout: str = "3") -> Ran:
    """The CLI in-process, with the URL's user-info holding a password (unused: the token wins).
    The request timeout is short (0.4 s) only where a fault delays answers past it."""
    url = grafana.url.replace("http://", f"http://deployer:{URL_PASSWORD}@")
    env = {"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN, "GRAFANA_USER": None, "GRAFANA_PASSWORD": None,
           "GRAFANA_ORG_ID": None, "GITHUB_SHA": None}
    ran = run_obsgen("deploy", "grafana", "--catalog", str(catalog), "--root", str(catalog.parent),
                     "--revision", "rel2", "--retries", "2", "--backoff", "0.01", "--max-retry-after", "2",
                     "--timeout", timeout, *args, env=env)
    for secret in SECRETS:
        assert secret not in ran.output
    assert "Traceback" not in ran.output
    return ran


@pytest.fixture
def deployed(grafana, tmp_path):
    """Release 1 of four dashboards is in Grafana; returns release 2's catalog (every title changed)."""
    first = deploy(grafana, write_catalog(tmp_path, ""))
    assert first.returncode == 0, first.output
    assert {uid: d.data["title"] for uid, d in grafana.dashboards.items()} == {u: title(u, "") for u in UIDS}
    return write_catalog(tmp_path, " (release 2)")


def titles(grafana) -> dict[str, str]:
    return {uid: d.data["title"] for uid, d in grafana.dashboards.items()}


def summary_line(ran: Ran, uid: str) -> str:
    table = ran.stdout.split("per dashboard:\n", 1)[1].splitlines()
    return next(line for line in table if line.split()[-1:] == [uid] or f" {uid} " in line)


SHORT = "0.4"  # request timeout where a fault delays the answer by 1 s
PERSISTENT = 99  # more times than the attempts of a run: the fault does not go away
FAULTS_ON_B = [  # (name, fault injected on dashboard B, exit code the README gives it); B is then "failed",
    # or "rejected" for a 412
    ("500 on save", dict(method="POST", path=SAVE, status=500, body={"message": ECHO}), 9),
    ("502 on read", dict(method="GET", path=DASHBOARD, status=502, body={"message": ECHO}), 9),
    ("503 on read", dict(method="GET", path=DASHBOARD, status=503, body={"message": ECHO}), 9),
    ("504 on save", dict(method="POST", path=SAVE, status=504), 9),
    ("timeout on read", dict(method="GET", path=DASHBOARD, delay=1.0), 9),
    ("timeout on save", dict(method="POST", path=SAVE, delay=1.0, answer=DROP), 9),  # and not saved
    ("connection dropped on read", dict(method="GET", path=DASHBOARD, answer=DROP), 9),
    ("connection dropped on save", dict(method="POST", path=SAVE, answer=DROP), 9),
    ("429 on read", dict(method="GET", path=DASHBOARD, status=429, headers={"Retry-After": "0"},
                         body={"message": ECHO}), 9),
    ("412 version-mismatch on save", dict(method="POST", path=SAVE, status=412,
                                          body={"message": ECHO, "status": "version-mismatch"}), 8),
    ("412 name-exists on save", dict(method="POST", path=SAVE, status=412,
                                     body={"message": ECHO, "status": "name-exists"}), 8),
    ("401 on read", dict(method="GET", path=DASHBOARD, status=401, body={"message": ECHO}), 7),
    ("403 on save", dict(method="POST", path=SAVE, status=403, body={"message": ECHO}), 7),
    ("HTML 200 on read", dict(method="GET", path=DASHBOARD, answer=HTML), 8),
    ("HTML 200 on save", dict(method="POST", path=SAVE, answer=HTML), 8),
    ("bad JSON on read", dict(method="GET", path=DASHBOARD, answer=BAD_JSON), 8),
    ("JSON list on read", dict(method="GET", path=DASHBOARD, answer=JSON_LIST), 8),
    ("JSON list on save", dict(method="POST", path=SAVE, answer=JSON_LIST), 8),
    ("cut-short body on read", dict(method="GET", path=DASHBOARD, answer=CUT_SHORT), 8),
    ("cut-short body on save", dict(method="POST", path=SAVE, answer=CUT_SHORT), 8),
]


@pytest.mark.parametrize("name, fault, code", FAULTS_ON_B, ids=[f[0] for f in FAULTS_ON_B])
def test_a_persistent_fault_on_one_dashboard_loses_nothing_and_the_rest_goes_on(grafana, deployed, name, fault,
                                                                                 code):
    grafana.inject(uid=B, times=PERSISTENT, **fault)
    ran = deploy(grafana, deployed, timeout=SHORT if fault.get("delay") else "3")
    assert ran.returncode == code, ran.output
    assert titles(grafana) == {A: title(A, " (release 2)"), B: title(B, ""), C: title(C, " (release 2)"),
                               D: title(D, " (release 2)")}  # B as it was, the others updated
    assert grafana.dashboards[B].version == 1
    label = "rejected" if name.startswith("412") else "failed"
    assert summary_line(ran, A).split() == ["updated", A]
    assert summary_line(ran, B).startswith(f"  {label:<17} {B}  exit {code}: ")
    assert ran.stdout.splitlines()[-1] == f"dashboards 0 created, 3 updated, 0 unchanged, 1 {label}; exit {code}"


TRANSIENT = [  # (name, fault on B's read, taken once or twice: fewer times than the attempts)
    ("503 twice", dict(status=503, times=2)),
    ("timeout once", dict(delay=1.0, times=1)),
    ("connection dropped once", dict(answer=DROP, times=1)),
    ("cut-short body once", dict(answer=CUT_SHORT, times=1)),
]


@pytest.mark.parametrize("name, fault", TRANSIENT, ids=[t[0] for t in TRANSIENT])
def test_a_transient_fault_is_retried_and_every_dashboard_is_updated_once(grafana, deployed, name, fault):
    grafana.inject("GET", DASHBOARD, uid=B, **fault)
    ran = deploy(grafana, deployed, timeout=SHORT if fault.get("delay") else "3")
    assert ran.returncode == 0, ran.output
    assert titles(grafana) == {uid: title(uid, " (release 2)") for uid in UIDS}
    assert {uid: d.version for uid, d in grafana.dashboards.items()} == {uid: 2 for uid in UIDS}
    assert f"retrying GET /api/dashboards/uid/{B} in " in ran.stderr
    assert ran.stdout.splitlines()[-1] == "dashboards 0 created, 4 updated, 0 unchanged"


def test_429_waits_as_long_as_retry_after_asks(grafana, deployed):
    grafana.inject("GET", DASHBOARD, uid=B, status=429, headers={"Retry-After": "1"}, times=1)
    ran = deploy(grafana, deployed)  # --backoff 0.01: the 1 s comes from Retry-After
    assert ran.returncode == 0
    assert f"retrying GET /api/dashboards/uid/{B} in 1s: HTTP 429 injected fault" in ran.stderr

    grafana.inject("GET", DASHBOARD, uid=A, status=429, headers={"Retry-After": "600"}, times=1)
    ran = deploy(grafana, write_catalog(deployed.parent, " (release 3)"))  # --max-retry-after 2
    assert ran.returncode == 9
    assert (f"GET /api/dashboards/uid/{A}: HTTP 429 injected fault; Grafana asks to wait 600s (Retry-After) before "
            "trying again, longer than the 2s this deploy waits") in ran.stderr
    assert len(grafana.calls("GET", DASHBOARD + A)) == 3  # two deploys; the 429 was not retried early
    assert titles(grafana)[B] == title(B, " (release 3)")


LOST_ANSWERS = [  # B's save lands in Grafana, then its answer is lost once
    ("connection dropped", dict(answer=DROP)),
    ("timeout", dict(delay=1.0)),
    ("503", dict(status=503, body={"message": ECHO})),
    ("cut-short body", dict(answer=CUT_SHORT)),
]


@pytest.mark.parametrize("name, fault", LOST_ANSWERS, ids=[t[0] for t in LOST_ANSWERS])
def test_a_save_whose_answer_is_lost_is_recognised_not_repeated(grafana, deployed, name, fault):
    grafana.inject("POST", SAVE, uid=B, after_apply=True, times=1, **fault)
    ran = deploy(grafana, deployed, timeout=SHORT if fault.get("delay") else "3")
    assert ran.returncode == 0, ran.output
    assert titles(grafana) == {uid: title(uid, " (release 2)") for uid in UIDS}
    assert grafana.dashboards[B].version == 2  # saved once
    assert f"update    {B}: version 1; already saved by an earlier attempt of this deploy" in ran.stdout


def test_an_html_answer_to_a_save_that_landed_is_a_protocol_error_and_nothing_is_lost(grafana, deployed):
    grafana.inject("POST", SAVE, uid=B, after_apply=True, answer=HTML, times=1)
    ran = deploy(grafana, deployed)
    assert ran.returncode == 8
    assert f"POST /api/dashboards/db answered HTTP 200 with HTML" in ran.stderr and "check --url" in ran.stderr
    assert titles(grafana)[B] == title(B, " (release 2)")  # updated (the answer was wrong, not the save)
    again = deploy(grafana, deployed)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "dashboards 0 created, 0 updated, 4 unchanged"


def test_the_worst_code_wins_in_the_documented_order(grafana, deployed):
    grafana.edit_in_ui(A, lambda d: d.update(refresh="1s"), by="carol")  # drift: 6
    grafana.inject("POST", SAVE, uid=B, status=412, times=PERSISTENT,
                   body={"message": "The dashboard has been changed by someone else", "status": "version-mismatch"})
    grafana.inject("GET", DASHBOARD, uid=C, status=503, times=PERSISTENT)  # 9
    ran = deploy(grafana, deployed)
    assert ran.returncode == 9
    assert ran.stdout.splitlines()[-1] == ("dashboards 0 created, 1 updated, 0 unchanged, 1 refused (drifted), "
                                           "1 rejected, 1 failed; exit 9 (worst of 9, 8, 6)")
    assert summary_line(ran, A).startswith(f"  refused (drifted) {A}  exit 6: changed in Grafana")
    assert summary_line(ran, B).startswith(f"  rejected          {B}  exit 8: 412 version-mismatch")
    assert summary_line(ran, C).startswith(f"  failed            {C}  exit 9: GET /api/dashboards/uid/{C} failed "
                                           "after 3 attempt(s): HTTP 503")
    assert summary_line(ran, D).split() == ["updated", D]

    grafana.inject("POST", SAVE, uid=D, status=403, times=PERSISTENT, body={"message": "Permissions needed"})
    ran = deploy(grafana, write_catalog(deployed.parent, " (release 3)"))
    assert ran.returncode == 7 and ran.stdout.splitlines()[-1].endswith("; exit 7 (worst of 7, 9, 8, 6)")
    assert titles(grafana) == {A: "Faulty / faulty-a", B: title(B, ""), C: title(C, ""), D: title(D, " (release 2)")}


def test_grafana_unreachable_for_three_dashboards_in_a_row_ends_the_run(grafana, tmp_path):
    five = UIDS + ["faulty-e"]
    assert deploy(grafana, write_catalog(tmp_path, "", five)).returncode == 0
    grafana.inject("GET", DASHBOARD, status=503, times=PERSISTENT)
    ran = deploy(grafana, write_catalog(tmp_path, " (release 2)", five))
    assert ran.returncode == 9
    assert ran.stdout.splitlines()[-1] == "dashboards 0 created, 0 updated, 0 unchanged, 3 failed, 2 not tried; exit 9"
    assert summary_line(ran, D) == f"  not tried         {D}  Grafana was unreachable for 3 dashboards in a row"
    assert len(grafana.calls("GET", DASHBOARD)) == 5 + 3 * 3  # the first deploy's reads, then 3 tries of A, B, C
    assert titles(grafana) == {uid: title(uid, "") for uid in five}


@pytest.mark.parametrize("fault, code", [(dict(status=503), 9), (dict(answer=HTML), 8), (dict(answer=DROP), 9),
                                         (dict(status=403, body={"message": ECHO}), 7)],
                         ids=["503", "html", "dropped", "403"])
def test_a_failing_folder_fails_its_dashboards_only(grafana, deployed, fault, code):
    grafana.inject("GET", "/api/folders/faulty", times=PERSISTENT, **fault)
    ran = deploy(grafana, deployed)
    assert ran.returncode == code
    assert titles(grafana) == {uid: title(uid, "") for uid in UIDS}
    assert all(summary_line(ran, uid).startswith(f"  failed            {uid}  exit {code}: folder faulty: ")
               for uid in UIDS)
    assert len(grafana.calls("POST", SAVE)) == 4  # the first deploy's saves only


@pytest.mark.parametrize("fault, code, message", [
    (dict(status=503, body={"message": ECHO}), 9, "is unreachable: GET /api/health failed after 3 attempt(s): HTTP 503"),
    (dict(answer=HTML), 8, "GET /api/health answered HTTP 200 with HTML"),
    (dict(answer=JSON_LIST), 8, "GET /api/health answered JSON a list where Grafana's API gives an object"),
    (dict(answer=BAD_JSON), 8, "GET /api/health answered HTTP 200 with a body that is not JSON"),
], ids=["503", "html", "json-list", "bad-json"])
def test_a_failing_health_check_stops_before_anything_is_written(grafana, deployed, fault, code, message):
    grafana.inject("GET", "/api/health", times=PERSISTENT, **fault)
    ran = deploy(grafana, deployed)
    assert ran.returncode == code and message in ran.stderr
    assert titles(grafana) == {uid: title(uid, "") for uid in UIDS}
    if code == 9:
        assert "Grafana at http://deployer:***@127.0.0.1:" in ran.stderr


def test_prune_carries_on_past_a_failed_deletion_and_a_failed_dashboard(grafana, deployed):
    two = write_catalog(deployed.parent, " (release 2)", [A, B])  # C and D left the catalog
    grafana.inject("DELETE", DASHBOARD, uid=C, status=503, times=PERSISTENT, body={"message": ECHO})
    grafana.inject("POST", SAVE, uid=A, answer=HTML, times=PERSISTENT)
    ran = deploy(grafana, two, "--prune")
    assert ran.returncode == 9
    assert titles(grafana) == {A: title(A, ""), B: title(B, " (release 2)"), C: title(C, "")}  # D deleted
    assert summary_line(ran, C).startswith(f"  failed            {C}  exit 9: DELETE /api/dashboards/uid/{C} failed")
    assert summary_line(ran, D).split() == ["deleted", D]
    assert ran.stdout.splitlines()[-1] == ("dashboards 0 created, 1 updated, 0 unchanged, 1 deleted, 2 failed; "
                                           "exit 9 (worst of 9, 8)")


@pytest.mark.parametrize("fault", [dict(answer=HTML), dict(status=200, body={"hits": []}),
                                   dict(status=200, body=["faulty-c", "faulty-d"]), dict(answer=CUT_SHORT)],
                         ids=["html", "object", "list-of-strings", "cut-short"])
def test_an_unreadable_search_fails_the_prune_only(grafana, deployed, fault):
    grafana.inject("GET", "/api/search", times=PERSISTENT, **fault)
    ran = deploy(grafana, write_catalog(deployed.parent, " (release 2)", [A, B]), "--prune")
    assert ran.returncode == 8, ran.output
    assert set(grafana.dashboards) == set(UIDS)
    assert summary_line(ran, "(prune)").startswith("  failed            (prune)   exit 8: searching for dashboards")


def test_retry_after_as_seconds_or_a_date_sets_the_wait_and_is_bounded(grafana):
    sleeps = []
    client = GrafanaClient(grafana.url, Credentials(token=TOKEN),
                           retry=RetryPolicy(3, 0.01, sleep=sleeps.append, max_retry_after=5.0))
    grafana.inject("GET", "/api/health", status=429, headers={"Retry-After": "4"}, times=1)
    grafana.inject("GET", "/api/health", status=503, headers={"Retry-After": "2"}, times=1)
    assert client.health()["database"] == "ok"
    assert sleeps == [4.0, 2.0]  # not the 0.01 s and 0.02 s of the backoff

    grafana.inject("GET", "/api/health", status=429, headers={"Retry-After": "6"}, times=1)
    with pytest.raises(GrafanaUnavailable, match=r"asks to wait 6s \(Retry-After\) before trying again, longer "
                                                 r"than the 5s this deploy waits"):
        client.health()
    assert sleeps == [4.0, 2.0]

    answer = requests.Response()
    now = datetime(2026, 12, 1, 9, 0, 0, tzinfo=timezone.utc)
    answer.headers["Retry-After"] = "Tue, 01 Dec 2026 09:00:07 GMT"
    assert retry_after(answer, now) == 7.0
    answer.headers["Retry-After"] = "Tue, 01 Dec 2026 08:59:00 GMT"  # in the past: no wait
    assert retry_after(answer, now) == 0.0
    answer.headers["Retry-After"] = "soon"  # unreadable: the backoff applies
    assert retry_after(answer, now) is None


@pytest.mark.parametrize("option", [("--timeout", "0"), ("--timeout", "-1"), ("--backoff", "-0.5"),
                                    ("--max-retry-after", "-1")], ids=lambda o: " ".join(o))
def test_a_timeout_or_wait_that_cannot_be_used_is_a_usage_error(grafana, tmp_path, option):
    ran = deploy(grafana, write_catalog(tmp_path, ""), *option)  # the last value given wins
    assert ran.returncode == 2 and f"Invalid value for '{option[0]}'" in ran.stderr
    assert grafana.requests == []
