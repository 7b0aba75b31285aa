"""The generated k6 scripts: accepted by `k6 archive`, thresholds and tags taken from the catalog,
configuration from __ENV, nothing imported from the network."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.loadtest.binary import find_k6
from generator.renderers import k6 as k6_renderer
from generator.validators.context import build_context
from generator.validators.k6_archive import check_k6_archive
from tests.support import k6_requests
from tests.support.paths import AMPEL, CHECKOUT, REPO


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(AMPEL.relative_to(REPO))


def options_of(text: str) -> dict:
    match = re.search(r"^export const options = (\{.*?^\});$", text, re.S | re.M)
    assert match, "script has no literal options object"
    return json.loads(match.group(1))


def test_every_rendered_script_passes_k6_archive():
    catalogs = [load_catalog(AMPEL.relative_to(REPO)), load_catalog(CHECKOUT.relative_to(REPO))]
    ctx = build_context(REPO, catalogs, ["k6"])
    assert len([rel for rel in ctx.rendered.artifacts if rel.startswith("k6/")]) >= 5
    assert check_k6_archive(ctx) == []


def test_a_bad_threshold_is_a_finding_naming_the_script(tmp_path, catalog):
    """The reason the step uses `k6 archive`: `k6 inspect` lets the same broken threshold through."""
    ctx = build_context(REPO, [catalog], ["k6"])
    rel = "k6/small_dataset.js"
    ctx.rendered.artifacts[rel] = ctx.rendered.artifacts[rel].replace('"p(95)<100"', '"p(95) <<< 100"')
    ctx.workdir = tmp_path
    findings = check_k6_archive(ctx)
    assert [(f.check, f.rule, f.file) for f in findings] == [("k6-archive", "k6-archive-rejected", rel)]
    assert "threshold" in findings[0].message.lower() or "p(95)" in findings[0].message
    broken = tmp_path / "inspect" / "broken.js"
    (broken.parent / "lib").mkdir(parents=True)
    for lib in ("obsgen.js", "ampel.requests.js"):  # the shared library and the catalog's request templates
        (broken.parent / "lib" / lib).write_text(ctx.rendered.artifacts[f"k6/lib/{lib}"])
    broken.write_text(ctx.rendered.artifacts[rel])
    inspect = subprocess.run([str(find_k6()), "inspect", str(broken)], capture_output=True, text=True,
                             env={**os.environ, "K6_NO_USAGE_REPORT": "true"}, timeout=60)
    assert inspect.returncode == 0, "k6 inspect now catches bad thresholds; the archive step could use it"


# scenario -> its tier's target and critical times in ms (catalog/ampel.yaml's tiers: small 0.1/0.2 s,
# medium 0.3/0.5 s, large 0.5/1.0 s), as k6 thresholds of the latency objective's p95
TIER_THRESHOLDS = {"small_dataset": ("p(95)<100", "p(95)<200"), "large_dataset": ("p(95)<500", "p(95)<1000"),
                   "concurrent_requests": ("p(95)<300", "p(95)<500"), "sequential_sampling": ("p(95)<100", "p(95)<200")}


@pytest.mark.parametrize("name", sorted(TIER_THRESHOLDS))
def test_thresholds_come_from_the_scenario_tier_and_the_error_objective(catalog, name):
    target, critical = TIER_THRESHOLDS[name]
    thresholds = options_of((REPO / "k6" / f"{name}.js").read_text())["thresholds"]
    duration = thresholds[f"http_req_duration{{scenario:{name}}}"]
    assert duration[0] == target
    assert duration[1]["threshold"] == critical and duration[1]["abortOnFail"] is True
    assert duration[2:] == ["p(99)<500"]  # the latency SLO: 99 % of requests under 0.5 s
    # the 1% error objective, then the 99.9 % availability SLO's error budget
    assert thresholds[f"http_req_failed{{scenario:{name}}}"] == ["rate<0.01", "rate<0.001"]
    assert thresholds[f"checks{{scenario:{name}}}"] == ["rate==1"]


def test_the_seed_scenarios_are_all_there(catalog):
    options = {s.name: options_of((REPO / "k6" / f"{s.name}.js").read_text())["scenarios"][s.name]
               for s in catalog.scenarios}
    assert options["small_dataset"]["tags"] == {"tier": "small"}
    assert options["large_dataset"]["tags"] == {"tier": "large"}
    assert options["concurrent_requests"]["vus"] == 10
    assert options["sequential_sampling"] == {"executor": "shared-iterations", "vus": 1, "iterations": 5,
                                              "exec": "scenario_sequential_sampling", "tags": {"tier": "small"}}


def requests_of(text: str, name: str) -> list:
    """The scenario's requests, the catalog's request templates applied."""
    return k6_requests.requests_of(text, name, (REPO / "k6" / "lib" / "ampel.requests.js").read_text())


def test_request_tags_are_labels_of_the_request_counter_with_allowed_values(catalog):
    metric = catalog.metric("http_requests_total")
    [request] = requests_of((REPO / "k6" / "small_dataset.js").read_text(), "small_dataset")
    assert request["tags"] == {"method": "GET", "path": "/api/dashboard/summary"}
    for name, value in request["tags"].items():
        assert metric.label(name) is not None and metric.label(name).allows(value), name


def test_target_and_token_come_from_env_and_nothing_from_the_network(catalog):
    for scenario in catalog.scenarios:
        text = (REPO / "k6" / f"{scenario.name}.js").read_text()
        imports = re.findall(r"^import .* from '([^']+)';$", text, re.M)
        assert imports == ["./lib/obsgen.js", "./lib/ampel.requests.js"], imports
        library = (REPO / "k6" / "lib" / "obsgen.js").read_text()
        imports = re.findall(r"^import .* from '([^']+)';$", library, re.M)
        assert imports and all(i == "k6" or i.startswith("k6/") for i in imports), imports
        templates = (REPO / "k6" / "lib" / "ampel.requests.js").read_text()
        assert re.findall(r"^import .* from '([^']+)';$", templates, re.M) == ["./obsgen.js"]
        assert "http://" not in "".join(imports) and "https://" not in "".join(imports)
        assert "__ENV.BASE_URL" in text and '"env": "TOKEN"' in text and "__ENV[auth.env]" in library
        assert "export function handleSummary" in text
        assert "export function summarize" in library


def test_the_summary_fields_checked_are_the_catalogs_summary_counts(catalog):
    [request] = requests_of((REPO / "k6" / "small_dataset.js").read_text(), "small_dataset")
    assert request["method"] == "GET" and request["path"] == "/api/dashboard/summary" and request["status"] == 200
    assert [(c["field"], c["kind"]) for c in request["checks"]] == [(f, "count") for f in (
        "total_repos", "total_open_prs", "green_count", "yellow_count", "red_count", "github_count",
        "gitlab_count", "bitbucket_count", "public_repos", "private_repos", "archived_repos")]
