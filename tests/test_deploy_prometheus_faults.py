"""`deploy prometheus` when the verification cannot be read: a real Prometheus behind a proxy that
answers GET /api/v1/rules with no data, HTML, text, an error status, JSON of the wrong shape or a
cut-short body, while /-/reload still reaches Prometheus and answers 200. Every such answer means
roll back and exit 10: the previous files come back with their text and their modes (a removed
stale file included), the new file goes, Prometheus is reloaded onto them, and no traceback."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import requests

from generator import pipeline
from generator.cli.deploy import rule_files
from generator.deploy.prometheus import PrometheusDeploy, PrometheusDeployError
from tests.support.fault_proxy import ProxyFault, fault_proxy
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, REPO
from tests.test_deploy_prometheus import start_prometheus

STALE = "ampel-dashboard-summary-retired-alerts.yaml"  # generated from the catalog earlier, no longer rendered
HAND_WRITTEN = "team-notes.yaml"
MODES = {"alerts": 0o640, "recording": 0o604, STALE: 0o660, HAND_WRITTEN: 0o600}


@pytest.fixture(scope="module")
def rendered():
    return rule_files(pipeline.load_all([AMPEL], base=REPO))


@pytest.fixture(scope="module")
def ampel_rules(rendered):
    return rendered[0]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prometheus")
    rules = tmp / "rules.d"
    rules.mkdir()
    process, url = start_prometheus(tmp, rules)
    try:
        yield url, rules
    finally:
        process.stop()


def previous_release(rules: Path, files: dict[str, str], url: str) -> dict[str, tuple[str, int]]:
    """Put the previous release in `rules` (each file with its own mode), make Prometheus serve it;
    returns {name: (text, mode)}."""
    for path in rules.iterdir():
        path.unlink()
    header = next(text for text in files.values()).split("\n", 1)[0]
    wanted = {name: text + "# previous release\n" for name, text in files.items()}
    wanted[STALE] = header + "\ngroups:\n- name: retired\n  rules:\n  - record: retired:up:sum\n    expr: sum(up)\n"
    wanted[HAND_WRITTEN] = "groups: []\n"
    for name, text in wanted.items():
        (rules / name).write_text(text, encoding="utf-8")
        mode = MODES.get(name) or MODES["alerts" if name.endswith("-alerts.yaml") else "recording"]
        os.chmod(rules / name, mode)
    assert requests.post(url + "/-/reload", timeout=10).status_code == 200
    return on_disk(rules)


def on_disk(rules: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (p.read_text(encoding="utf-8"), stat.S_IMODE(p.stat().st_mode)) for p in sorted(rules.iterdir())}


def served_files(url: str) -> set[str]:
    groups = requests.get(url + "/api/v1/rules", timeout=5).json()["data"]["groups"]
    return {Path(g["file"]).name for g in groups}


VALID = json.dumps({"status": "success", "data": {"groups": []}}).encode()
UNREADABLE = [  # (name, the answer to GET /api/v1/rules, what the error says it was)
    ("success without data", ProxyFault(body=b'{"status":"success"}'),
     'JSON without "status": "success" and a "data" object'),
    ("HTML", ProxyFault(body=b"<html><body>Sign in</body></html>", content_type="text/html"),
     "HTTP 200 with HTML (33 byte(s))"),
    ("plain text", ProxyFault(body=b"upstream connect error", content_type="text/plain"),
     "HTTP 200 with a body that is not JSON (22 byte(s))"),
    ("error status", ProxyFault(body=b'{"status":"error","errorType":"internal","error":"x"}'),
     'JSON without "status": "success" and a "data" object'),
    ("a JSON list", ProxyFault(body=b"[]"), 'JSON without "status": "success" and a "data" object'),
    ("groups not a list", ProxyFault(body=b'{"status":"success","data":{"groups":{}}}'),
     "JSON whose data.groups is not a list of groups with a file, a name and rules"),
    ("a group without its file", ProxyFault(body=b'{"status":"success","data":{"groups":[{"name":"g","rules":[]}]}}'),
     "JSON whose data.groups is not a list of groups with a file, a name and rules"),
    ("rules not a list", ProxyFault(body=b'{"status":"success","data":{"groups":[{"name":"g","file":"f","rules":3}]}}'),
     "JSON whose data.groups is not a list of groups with a file, a name and rules"),
]


@pytest.mark.parametrize("name, fault, says", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_an_unreadable_verification_rolls_back_and_exits_10(prometheus, ampel_rules, name, fault, says):
    url, rules = prometheus
    before = previous_release(rules, ampel_rules, url)
    with fault_proxy(url) as proxy:
        proxy.faults["/api/v1/rules"] = fault
        ran = run_obsgen("deploy", "prometheus", "--catalog", str(AMPEL), "--root", str(REPO), "--rules-dir",
                         str(rules), "--url", proxy.url, "--timeout", "10", env={"PROMETHEUS_URL": None})
    assert ran.returncode == 10, ran.output
    assert "Traceback" not in ran.output
    assert (f"error: GET /api/v1/rules answered {says}: the new rules cannot be verified; the previous rule files "
            "were restored") in ran.stderr
    assert on_disk(rules) == before  # texts and modes, the stale file back, the hand-written one untouched
    assert [m for m, p in proxy.seen if p == "/-/reload"] == ["POST", "POST"]  # the deploy's, then the rollback's
    assert served_files(url) == set(before) - {HAND_WRITTEN}  # Prometheus serves the previous release


def test_a_cut_short_verification_answer_rolls_back_and_exits_10(prometheus, ampel_rules):
    url, rules = prometheus
    before = previous_release(rules, ampel_rules, url)
    with fault_proxy(url) as proxy:
        proxy.faults["/api/v1/rules"] = ProxyFault(body=VALID, cut_short=True)
        ran = run_obsgen("deploy", "prometheus", "--catalog", str(AMPEL), "--root", str(REPO), "--rules-dir",
                         str(rules), "--url", proxy.url, "--timeout", "10", env={"PROMETHEUS_URL": None})
    assert ran.returncode == 10, ran.output
    assert f"error: GET {proxy.url}/api/v1/rules: the answer was cut short or undecodable (ChunkedEncodingError); " \
           "the previous rule files were restored" in ran.stderr
    assert "the previous rule files were restored" in ran.stderr and "Traceback" not in ran.output
    assert on_disk(rules) == before


def test_rules_prometheus_rejects_are_rolled_back_with_their_modes(prometheus, ampel_rules, rendered):
    url, rules = prometheus
    before = previous_release(rules, ampel_rules, url)
    broken = dict(ampel_rules)
    alerts = next(name for name in broken if name.endswith("-alerts.yaml"))
    broken[alerts] = broken[alerts].replace("expr: ", "expr: sum(", 1)  # Prometheus refuses to load it
    deploy = PrometheusDeploy(url, rules, timeout=10, out=lambda line: None)
    with pytest.raises(PrometheusDeployError, match="Prometheus rejected the new rule files"):
        deploy.run(broken, rendered[1])
    assert on_disk(rules) == before
    assert {mode for _, mode in before.values()} == {0o640, 0o604, 0o660, 0o600}  # distinct modes were kept
