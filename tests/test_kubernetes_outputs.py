"""The opt-in `kubernetes` and `mimir` kinds: PrometheusRule, sidecar ConfigMaps and ruler files.

Structure is checked against the parts of the prometheus-operator CRD schema and the Kubernetes
object rules that a cluster would enforce; the rule groups themselves go through promtool.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import pipeline
from generator.catalog import load_catalog
from generator.diff.documents import parse
from generator.errors import CatalogError
from generator.renderers import DEFAULT_KINDS, KINDS
from tests.support.catalog_builder import every_artifact
from tests.support.inprocess import run_obsgen
from tests.support.paths import AMPEL, REPO

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DURATION = r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
# What the monitoring.coreos.com/v1 PrometheusRule CRD requires of spec (openAPIV3Schema), by hand.
PROMETHEUS_RULE_SPEC = {
    "type": "object", "additionalProperties": False,
    "properties": {"groups": {"type": "array", "items": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "interval": {"type": "string", "pattern": DURATION},
            "limit": {"type": "integer"},
            "partial_response_strategy": {"type": "string"},
            "rules": {"type": "array", "items": {
                "type": "object", "required": ["expr"], "additionalProperties": False,
                "oneOf": [{"required": ["alert"]}, {"required": ["record"]}],
                "properties": {
                    "alert": {"type": "string"}, "record": {"type": "string"},
                    "expr": {"type": ["string", "integer"]},
                    "for": {"type": "string", "pattern": DURATION},
                    "keep_firing_for": {"type": "string", "pattern": DURATION},
                    "labels": STRING_MAP, "annotations": STRING_MAP,
                }}},
        }}}},
}
OBJECT_META = {
    "type": "object", "required": ["name", "namespace"],
    "properties": {"name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN.pattern},
                   "namespace": {"type": "string", "maxLength": 63, "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                   "labels": STRING_MAP, "annotations": STRING_MAP},
}


def _render(catalog_path: Path, kind: str) -> dict[str, str]:
    return KINDS[kind].render(load_catalog(catalog_path))


def _manifest(text: str) -> dict:
    (document,) = list(yaml.safe_load_all(text))
    return document


@pytest.fixture(scope="module")
def ampel_k8s() -> dict[str, str]:
    return _render(AMPEL, "kubernetes")


def test_opt_in_kinds_are_registered_but_not_default():
    assert {"kubernetes", "mimir"} <= set(KINDS)
    assert not {"kubernetes", "mimir"} & set(DEFAULT_KINDS)


def test_prometheus_rule_has_what_the_crd_requires(ampel_k8s):
    (path,) = [p for p in ampel_k8s if p.endswith("-prometheusrule.yaml")]
    manifest = _manifest(ampel_k8s[path])
    assert (manifest["apiVersion"], manifest["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert set(manifest) == {"apiVersion", "kind", "metadata", "spec"}
    jsonschema.validate(manifest["metadata"], OBJECT_META)
    jsonschema.validate(manifest["spec"], PROMETHEUS_RULE_SPEC)
    assert manifest["metadata"]["namespace"] == "monitoring"
    assert manifest["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "obsgen"


def test_prometheus_rule_holds_exactly_the_committed_rule_groups(ampel_k8s):
    (path,) = [p for p in ampel_k8s if p.endswith("-prometheusrule.yaml")]
    from_manifest = parse(path, ampel_k8s[path]).groups
    committed = [g for folder in ("alerts", "recording_rules") for f in sorted((REPO / folder).glob("*.yaml"))
                 for g in parse(f.name, f.read_text()).groups]
    assert sorted((g.name, g.rules) for g in from_manifest) == sorted((g.name, g.rules) for g in committed)


def test_dashboard_configmap_for_the_sidecar(ampel_k8s):
    catalog = load_catalog(AMPEL)
    configmaps = {p: _manifest(t) for p, t in ampel_k8s.items() if p.endswith("-dashboard.yaml")}
    assert len(configmaps) == len(catalog.dashboards)
    for dashboard in catalog.dashboards:
        manifest = next(m for m in configmaps.values() if f"{dashboard.uid}.json" in m["data"])
        assert (manifest["apiVersion"], manifest["kind"]) == ("v1", "ConfigMap")
        assert set(manifest) == {"apiVersion", "kind", "metadata", "data"}
        jsonschema.validate(manifest["metadata"], OBJECT_META)
        assert manifest["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert manifest["metadata"]["annotations"] == {"k8s-sidecar-target-directory": catalog.service.folder_title}
        text = manifest["data"][f"{dashboard.uid}.json"]
        assert text == (REPO / "dashboards" / f"{dashboard.uid}.json").read_text()  # byte for byte
        assert json.loads(text)["uid"] == dashboard.uid
        assert len(text.encode()) < 1_048_576


def _catalog_with(tmp_path: Path, sections: dict) -> Path:
    """A catalog built in code (service `shop`, folder title `Shop`) with these top-level sections."""
    builder = every_artifact("shop")
    for key, value in sections.items():
        builder.set(key, value)
    return builder.write(tmp_path)


def test_labels_namespace_and_annotation_are_configurable(tmp_path):
    path = _catalog_with(tmp_path, {"kubernetes": {
        "namespace": "observability", "dashboard_labels": {"example.com/dashboard": "ampel"},
        "folder_annotation": "grafana_folder", "rule_labels": {"release": "kube-prometheus"}}})
    rendered = _render(path, "kubernetes")
    manifests = [_manifest(t) for t in rendered.values()]
    rule = next(m for m in manifests if m["kind"] == "PrometheusRule")
    configmap = next(m for m in manifests if m["kind"] == "ConfigMap")
    assert rule["metadata"]["namespace"] == configmap["metadata"]["namespace"] == "observability"
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus"
    assert configmap["metadata"]["labels"]["example.com/dashboard"] == "ampel"
    assert "grafana_dashboard" not in configmap["metadata"]["labels"]
    assert configmap["metadata"]["annotations"] == {"grafana_folder": "Shop"}


def test_an_invalid_label_is_a_located_catalog_error(tmp_path):
    path = _catalog_with(tmp_path, {"kubernetes": {"dashboard_labels": {"grafana dashboard": "1"}}})
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    (problem,) = caught.value.problems
    assert problem.location.file.endswith("shop.yaml") and problem.location.line is not None
    assert problem.location.path.startswith("kubernetes.dashboard_labels")


def test_mimir_ruler_file_has_namespace_and_the_rule_groups(tmp_path):
    (path, text), = _render(AMPEL, "mimir").items()
    document = yaml.safe_load(text)
    assert path == "deploy/mimir/ampel-dashboard-summary.yaml"
    assert list(document) == ["namespace", "groups"]
    assert document["namespace"] == "ampel-dashboard-summary"
    k8s_groups = _manifest(next(t for p, t in _render(AMPEL, "kubernetes").items() if "prometheusrule" in p))["spec"]["groups"]
    assert document["groups"] == k8s_groups
    plain = _catalog_with(tmp_path / "plain", {})
    assert list(_render(plain, "mimir")) == ["deploy/mimir/shop.yaml"]
    configured = _catalog_with(tmp_path, {"mimir": {"namespace": "team-backend"}})
    assert list(_render(configured, "mimir")) == ["deploy/mimir/team-backend.yaml"]


@pytest.mark.promtool
def test_promtool_accepts_the_groups_of_both_outputs(tmp_path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed on this machine"
    k8s = _manifest(next(t for p, t in _render(AMPEL, "kubernetes").items() if "prometheusrule" in p))
    mimir = yaml.safe_load(next(iter(_render(AMPEL, "mimir").values())))
    for name, groups in (("k8s.yaml", k8s["spec"]["groups"]), ("mimir.yaml", mimir["groups"])):
        (tmp_path / name).write_text(yaml.safe_dump({"groups": groups}))
        done = subprocess.run([promtool, "check", "rules", str(tmp_path / name)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_generate_writes_them_and_the_default_check_ignores_them(tmp_path):
    root = tmp_path / "project"
    every_artifact("shop").write(root)
    done = run_obsgen("generate", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert not (root / "deploy").exists()  # opt-in kinds are not written by default
    done = run_obsgen("generate", "kubernetes", "mimir", "--root", str(root))
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(root).as_posix() for p in (root / "deploy").rglob("*.yaml"))
    assert written == ["deploy/kubernetes/shop-dashboard.yaml", "deploy/kubernetes/shop-prometheusrule.yaml",
                       "deploy/mimir/shop.yaml"]
    assert run_obsgen("generate", "--check", "--root", str(root)).returncode == 0
    assert run_obsgen("generate", "--check", "kubernetes", "mimir", "--root", str(root)).returncode == 0
