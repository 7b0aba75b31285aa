"""Catalog -> Kubernetes manifests (opt-in kind `kubernetes`), under deploy/kubernetes/:

- one prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1) per catalog, holding every
  alert and recording group, labelled with the catalog's `kubernetes.rule_labels` so that the
  Prometheus `ruleSelector` picks it up;
- one `ConfigMap` per dashboard for the Grafana sidecar, labelled with `kubernetes.dashboard_labels`
  (default `grafana_dashboard: "1"`), its folder in the `kubernetes.folder_annotation` annotation.
  The dashboard JSON is byte for byte the one in dashboards/.

Names are DNS-1123 subdomains: dashboard uids are lowercased and `_` becomes `-`.
"""
from __future__ import annotations

import re

from generator.derive import derive
from generator.errors import CatalogError, Location, Problem
from generator.model import Catalog
from generator.renderers import dashboards as dashboard_renderer
from generator.renderers.header import comment_header
from generator.renderers.rules import dump_yaml, rule_dict

FOLDERS = ("deploy/kubernetes",)
MANAGED_BY = ("app.kubernetes.io/managed-by", "obsgen")
CONFIGMAP_MAX_BYTES = 1_048_576  # etcd's limit on one object's data


def k8s_name(text: str) -> str:
    """A DNS-1123 subdomain from a uid or service name."""
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.") or "unnamed"


def _labels(catalog: Catalog, extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    labels = {MANAGED_BY[0]: MANAGED_BY[1], "app.kubernetes.io/part-of": catalog.service.name}
    labels.update(dict(extra))
    return dict(sorted(labels.items()))


def prometheus_rule(catalog: Catalog) -> dict:
    groups = [{"name": g.name, "rules": [rule_dict(r) for r in g.rules]} for g in derive(catalog).rule_groups]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"{k8s_name(catalog.service.name)}-rules",
            "namespace": catalog.kubernetes.namespace,
            "labels": _labels(catalog, catalog.kubernetes.rule_labels),
        },
        "spec": {"groups": groups},
    }


def dashboard_configmap(catalog: Catalog, uid: str, dashboard_text: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{k8s_name(uid)}-dashboard",
            "namespace": catalog.kubernetes.namespace,
            "labels": _labels(catalog, catalog.kubernetes.dashboard_labels),
            "annotations": {catalog.kubernetes.folder_annotation: catalog.service.folder_title},
        },
        "data": {f"{uid}.json": dashboard_text},
    }


def _problem(catalog: Catalog, index: int, message: str) -> Problem:
    at = f"dashboards[{index}].uid"
    return Problem(Location(catalog.path.as_posix(), catalog.line_of(at), at), message)


def render(catalog: Catalog) -> dict[str, str]:
    header = comment_header(catalog)
    name = k8s_name(catalog.service.name)
    out = {f"deploy/kubernetes/{name}-prometheusrule.yaml": header + dump_yaml(prometheus_rule(catalog))}
    texts = dashboard_renderer.render(catalog)
    problems, seen = [], {}
    for index, dashboard in enumerate(catalog.dashboards):
        text = texts[f"dashboards/{dashboard.uid}.json"]
        manifest = dashboard_configmap(catalog, dashboard.uid, text)
        cm_name = manifest["metadata"]["name"]
        if cm_name in seen:
            problems.append(_problem(catalog, index, f"uid {dashboard.uid!r} gives the same ConfigMap name "
                                                     f"{cm_name!r} as {seen[cm_name]!r}; rename one"))
        if len(text.encode("utf-8")) > CONFIGMAP_MAX_BYTES:
            problems.append(_problem(catalog, index, f"dashboard {dashboard.uid!r} is over the 1 MiB a ConfigMap holds"))
        seen[cm_name] = dashboard.uid
        out[f"deploy/kubernetes/{cm_name}.yaml"] = header + dump_yaml(manifest)
    if problems:
        raise CatalogError(problems)
    return out
