"""`deploy grafana` against the local Grafana API server: create, update, skip, dry run, drift,
prune safety, every error answer, retries, and credentials that never reach the output."""
from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from generator import pipeline
from generator.deploy import dashboard_stamp as stamp
from generator.deploy.grafana import CREATE, DRIFTED, KEPT, PRUNE, REJECTED, UNCHANGED, UPDATE, GrafanaDeploy, \
    Options, wanted_dashboards
from generator.deploy.grafana_client import Credentials, GrafanaClient, GrafanaUnavailable, RetryPolicy
from generator.errors import EXIT_DRIFT, EXIT_OK, EXIT_REJECTED
from tests.support.grafana_server import running_grafana
from tests.support.paths import AMPEL, CHECKOUT

TOKEN = "glsa_s3cr3t-t0ken-value-0123456789"
UID = "ampel-dashboard-summary"


@pytest.fixture
def grafana():
    with running_grafana(tokens={TOKEN: "Admin", "viewer-token-abc": "Viewer"},
                         users={("deployer", "hunter2-password"): "Editor"}) as state:
        yield state


@pytest.fixture(scope="module")
def wanted():
    """The Ampel summary dashboard (its SLO dashboard is deployed the same way; one is enough here)."""
    dashboards = wanted_dashboards(pipeline.load_all([AMPEL]))
    assert sorted(d.uid for d in dashboards) == [UID, f"{UID}-slo"]
    return [d for d in dashboards if d.uid == UID]


def deploy(grafana, wanted, lines=None, retries=0, timeout=5.0, **options):
    client = GrafanaClient(grafana.url, Credentials(token=TOKEN), org_id=1, timeout=timeout,
                           retry=RetryPolicy(retries + 1, backoff=0.01))
    out = lines if lines is not None else []
    report = GrafanaDeploy(client, Options(revision=options.pop("revision", "rev1"), **options), out.append).run(wanted)
    return report, client


def retitled(wanted, title):
    item = wanted[0]
    return [replace(item, dashboard={**copy.deepcopy(item.dashboard), "title": title})]


def actions(report):
    return [(o.uid, o.action) for o in report.outcomes]


def test_create_then_unchanged_then_update(grafana, wanted):
    first, _ = deploy(grafana, wanted, revision="abc123")
    assert actions(first) == [(UID, CREATE)] and first.folders_created == ["ampel"] and first.exit_code == EXIT_OK
    stored = grafana.dashboards[UID]
    assert stored.version == 1 and stored.folder_uid == "ampel"
    assert grafana.folders["ampel"]["title"] == "Ampel"
    assert stored.messages == ["obsgen deploy of revision abc123"]
    assert stamp.MANAGED_TAG in stored.data["tags"]
    assert stored.data[stamp.STAMP_KEY] == {"sha256": stamp.content_hash(wanted[0].dashboard), "version": 1,
                                            "revision": "abc123", "service": "ampel-dashboard-summary"}
    posted = grafana.calls("POST", "/api/dashboards/db")[0]
    assert posted.body["folderUid"] == "ampel" and posted.body["overwrite"] is False
    assert posted.headers["X-Grafana-Org-Id"] == "1" and posted.headers["Authorization"] == f"Bearer {TOKEN}"

    second, _ = deploy(grafana, wanted)
    assert actions(second) == [(UID, UNCHANGED)] and second.folders_created == []
    assert len(grafana.calls("POST")) == 2  # the folder and the first save; nothing since

    third, _ = deploy(grafana, retitled(wanted, "Ampel / Summary v2"), revision="def456")
    assert actions(third) == [(UID, UPDATE)]
    stored = grafana.dashboards[UID]
    assert stored.version == 2 and stored.data["title"] == "Ampel / Summary v2"
    assert stored.data[stamp.STAMP_KEY]["version"] == 2
    assert stored.messages[-1] == "obsgen deploy of revision def456"
    update = grafana.calls("POST", "/api/dashboards/db")[-1].body
    assert update["dashboard"]["version"] == 1 and update["overwrite"] is False  # optimistic concurrency
    assert "-> version 2" in third.outcomes[0].detail


def test_a_dashboard_in_another_folder_is_moved(grafana, wanted):
    grafana.add_folder("old", "Old")
    deploy(grafana, wanted)
    grafana.dashboards[UID].folder_uid = "old"
    report, _ = deploy(grafana, wanted)
    assert actions(report) == [(UID, UPDATE)] and "moves from folder old to ampel" in report.outcomes[0].detail
    assert grafana.dashboards[UID].folder_uid == "ampel"


def test_dry_run_reads_only_and_prints_the_plan_with_a_diff(grafana, wanted):
    lines = []
    report, _ = deploy(grafana, wanted, lines, dry_run=True)
    assert actions(report) == [(UID, CREATE)] and report.folders_created == ["ampel"]
    assert grafana.calls("POST") == [] and grafana.dashboards == {} and grafana.folders == {}
    assert "folder    ampel (Ampel): would be created" in lines
    assert '    + timeseries panel "Request rate"' in lines
    assert report.summary() == ("dry run, nothing changed: dashboards 1 to create, 0 to update, 0 unchanged; "
                                "folders to create: ampel")

    deploy(grafana, wanted)
    lines.clear()
    report, _ = deploy(grafana, retitled(wanted, "Renamed"), lines, dry_run=True)
    assert actions(report) == [(UID, UPDATE)]
    assert '    -  "title": "Ampel / Dashboard summary",' in lines and '    +  "title": "Renamed",' in lines
    assert grafana.dashboards[UID].version == 1 and len(grafana.calls("POST")) == 2

    lines.clear()
    report, _ = deploy(grafana, wanted, lines, dry_run=True)
    assert actions(report) == [(UID, UNCHANGED)] and lines[-1] == "unchanged " + UID + ": version 1"


def test_drift_is_refused_and_named_then_force_overwrites(grafana, wanted):
    deploy(grafana, wanted)
    grafana.edit_in_ui(UID, lambda d: d["panels"][1].update(title="p95 (edited by hand)"), by="alice")
    lines = []
    report, _ = deploy(grafana, retitled(wanted, "Catalog change"), lines)
    assert actions(report) == [(UID, DRIFTED)] and report.exit_code == EXIT_DRIFT
    detail = report.outcomes[0].detail
    assert "saved outside obsgen (last saved by alice at 2026-02-02T10:00:00Z)" in detail and "--force" in detail
    assert '    -      "title": "p95 (edited by hand)",' in lines  # says how it changed
    assert grafana.dashboards[UID].data["panels"][1]["title"] == "p95 (edited by hand)"  # not overwritten
    assert len(grafana.calls("POST", "/api/dashboards/db")) == 1

    forced, _ = deploy(grafana, retitled(wanted, "Catalog change"), force=True)
    assert actions(forced) == [(UID, UPDATE)] and "overwrites changes made in Grafana" in forced.outcomes[0].detail
    assert grafana.calls("POST", "/api/dashboards/db")[-1].body["overwrite"] is True
    stored = grafana.dashboards[UID]
    assert stored.data["title"] == "Catalog change" and stored.data[stamp.STAMP_KEY]["version"] == stored.version


def test_drift_through_the_api_keeping_the_stamp_names_the_versions(grafana, wanted):
    deploy(grafana, wanted, revision="abc123")
    edited = copy.deepcopy(grafana.dashboards[UID].data)
    edited["refresh"] = "5s"
    grafana.put_dashboard(edited, "ampel", by="bob")
    report, _ = deploy(grafana, wanted)
    assert actions(report) == [(UID, DRIFTED)]
    assert "version 1 -> 2 since our deploy of revision abc123" in report.outcomes[0].detail


def test_a_new_version_with_our_content_is_not_drift(grafana, wanted):
    deploy(grafana, wanted)
    grafana.put_dashboard(copy.deepcopy(grafana.dashboards[UID].data), "ampel", by="bob")  # saved, unchanged
    assert actions(deploy(grafana, wanted)[0]) == [(UID, UNCHANGED)]
    report, _ = deploy(grafana, retitled(wanted, "Next"))
    assert actions(report) == [(UID, UPDATE)] and grafana.dashboards[UID].version == 3


def test_prune_deletes_only_our_dashboards_that_left_the_catalog(grafana, wanted):
    extra = [replace(wanted[0], uid="ampel-old", title="Ampel old",
                     dashboard={**copy.deepcopy(wanted[0].dashboard), "uid": "ampel-old", "title": "Ampel old"}),
             replace(wanted[0], uid="ampel-edited", title="Ampel edited",
                     dashboard={**copy.deepcopy(wanted[0].dashboard), "uid": "ampel-edited", "title": "Ampel edited"})]
    deploy(grafana, wanted + extra)
    edited = copy.deepcopy(grafana.dashboards["ampel-edited"].data)
    grafana.put_dashboard({**edited, "refresh": "1m"}, "ampel", by="bob")  # through the API: stamp kept
    grafana.put_dashboard({"uid": "hand-made", "title": "Hand made", "tags": ["ampel"]}, "ampel")
    grafana.put_dashboard({"uid": "tag-only", "title": "Tag only", "tags": [stamp.MANAGED_TAG]}, "ampel")  # UI-saved
    other = stamp.stamped(stamp.desired({"uid": "checkout-x", "title": "Checkout"}), 1, "r", "checkout")
    grafana.put_dashboard(other, "")

    dry, _ = deploy(grafana, wanted, prune=True, dry_run=True)
    assert (("ampel-old", PRUNE) in actions(dry)) and "ampel-old" in grafana.dashboards
    assert grafana.calls("DELETE") == []

    report, _ = deploy(grafana, wanted, prune=True)
    assert sorted(actions(report)) == [(UID, UNCHANGED), ("ampel-edited", KEPT), ("ampel-old", PRUNE),
                                       ("checkout-x", KEPT), ("tag-only", KEPT)]
    assert [c.path for c in grafana.calls("DELETE")] == ["/api/dashboards/uid/ampel-old"]
    assert set(grafana.dashboards) == {UID, "ampel-edited", "hand-made", "tag-only", "checkout-x"}
    kept = {o.uid: o.detail for o in report.outcomes if o.action == KEPT}
    assert "service checkout" in kept["checkout-x"] and "no obsgen stamp" in kept["tag-only"]
    assert "changed in Grafana since our deploy" in kept["ampel-edited"]
    assert report.summary() == "dashboards 0 created, 0 updated, 1 unchanged, 1 deleted, 3 kept"

    deploy(grafana, wanted, prune=True, force=True)
    assert set(grafana.dashboards) == {UID, "hand-made", "tag-only", "checkout-x"}


def test_412_answers_are_explained_and_the_rest_continues(grafana, wanted):
    two = wanted + [replace(wanted[0], uid="second", title="Second",
                            dashboard={**copy.deepcopy(wanted[0].dashboard), "uid": "second", "title": "Second"})]
    grafana.add_folder("ampel", "Ampel")
    grafana.put_dashboard({"uid": "someone-elses", "title": "Ampel / Dashboard summary"}, "ampel")  # same title
    report, _ = deploy(grafana, two)
    assert actions(report) == [(UID, REJECTED), ("second", CREATE)] and report.exit_code == EXIT_REJECTED
    assert report.outcomes[0].detail.startswith("412 name-exists: another dashboard titled "
                                                "\"Ampel / Dashboard summary\" already exists in folder ampel")
    assert grafana.dashboards["someone-elses"].version == 1

    grafana.inject("POST", "/api/dashboards/db", status=412,
                   body={"message": "The dashboard belongs to plugin Ampel App.", "status": "plugin-dashboard"})
    report, _ = deploy(grafana, [replace(two[1], dashboard={**two[1].dashboard, "refresh": "2m"})])
    assert actions(report) == [("second", REJECTED)]
    assert report.outcomes[0].detail.startswith("412 plugin-dashboard: uid second belongs to a Grafana plugin")

    grafana.inject("POST", "/api/dashboards/db", status=412,
                   body={"message": "The dashboard has been changed by someone else", "status": "version-mismatch"})
    report, _ = deploy(grafana, [replace(two[1], dashboard={**two[1].dashboard, "refresh": "1m"})])
    assert actions(report) == [("second", REJECTED)]
    assert report.outcomes[0].detail.startswith("412 version-mismatch: the dashboard was changed by someone else")


def test_provisioned_dashboard_is_rejected_with_grafanas_message(grafana, wanted):
    grafana.add_folder("ampel", "Ampel")
    grafana.put_dashboard({"uid": UID, "title": "Provisioned"}, "ampel", provisioned=True)
    report, _ = deploy(grafana, wanted, force=True)
    assert actions(report) == [(UID, REJECTED)]
    assert report.outcomes[0].detail == "refused: 400 on POST /api/dashboards/db: Cannot save provisioned dashboard"


def test_5xx_and_slow_answers_are_retried_with_bounded_backoff(grafana, wanted):
    grafana.inject("GET", f"/api/dashboards/uid/{UID}", status=503, times=2)
    grafana.inject("GET", "/api/folders/ampel", delay=1.0)  # slower than the timeout
    report, client = deploy(grafana, wanted, retries=3, timeout=0.3)
    assert actions(report) == [(UID, CREATE)] and client.retries_used == 3

    sleeps = []
    client = GrafanaClient(grafana.url, Credentials(token=TOKEN), retry=RetryPolicy(4, 0.5, 1.5, sleeps.append))
    grafana.inject("GET", "/api/folders/ampel", status=500, times=10)
    with pytest.raises(GrafanaUnavailable, match=r"GET /api/folders/ampel failed after 4 attempt\(s\): HTTP 500"):
        client.get_folder("ampel")
    assert sleeps == [0.5, 1.0, 1.5]


def test_a_save_whose_answer_was_lost_is_not_reported_as_a_conflict(grafana, wanted):
    deploy(grafana, wanted)
    grafana.inject("POST", "/api/dashboards/db", delay=1.0, after_apply=True)  # saved, answer too late
    report, client = deploy(grafana, retitled(wanted, "Changed"), retries=2, timeout=0.4, revision="r2")
    assert client.retries_used == 1 and actions(report) == [(UID, UPDATE)]
    assert "already saved by an earlier attempt" in report.outcomes[0].detail
    assert grafana.dashboards[UID].version == 2  # saved once, not twice


def test_other_catalog_dashboards_go_to_their_own_folder(grafana):
    report, _ = deploy(grafana, wanted_dashboards(pipeline.load_all([AMPEL, CHECKOUT])))
    folders = {uid: d.folder_uid for uid, d in grafana.dashboards.items()}
    assert len(report.outcomes) == len(folders) >= 2 and set(folders.values()) == set(grafana.folders)
