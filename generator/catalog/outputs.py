"""The catalog's `kubernetes:` and `mimir:` sections -> settings of the opt-in outputs.

Both are optional; the JSON Schema already checks names and label syntax, so this only fills in
defaults and turns mappings into sorted pairs.
"""
from __future__ import annotations

from generator.catalog.fields import pairs
from generator.model import KubernetesOutput, MimirOutput

_K8S_DEFAULTS = KubernetesOutput()


def kubernetes_output(data: dict | None) -> KubernetesOutput:
    data = data or {}
    return KubernetesOutput(
        namespace=data.get("namespace", _K8S_DEFAULTS.namespace),
        dashboard_labels=pairs(data["dashboard_labels"]) if "dashboard_labels" in data else _K8S_DEFAULTS.dashboard_labels,
        folder_annotation=data.get("folder_annotation", _K8S_DEFAULTS.folder_annotation),
        rule_labels=pairs(data.get("rule_labels")),
    )


def mimir_output(data: dict | None) -> MimirOutput:
    return MimirOutput(namespace=(data or {}).get("namespace", ""))
