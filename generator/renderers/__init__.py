"""One renderer per artifact kind. Each module has `render(catalog) -> {relative path: text}` and
`FOLDERS`, the folders it owns (where stale generated files of the same catalog are removed).

`generate` with no kinds renders DEFAULT_KINDS; opt-in kinds are named explicitly.
"""
from __future__ import annotations

from types import ModuleType

from generator.renderers import alertmanager, dashboards, k6, kubernetes, mimir, rule_tests, rules

KINDS: dict[str, ModuleType] = {
    "dashboards": dashboards,
    "rules": rules,
    "k6": k6,
    "alertmanager": alertmanager,
    "rule_tests": rule_tests,  # promtool unit tests in tests/rules/
    "kubernetes": kubernetes,  # opt-in: PrometheusRule + Grafana-sidecar ConfigMaps in deploy/kubernetes/
    "mimir": mimir,  # opt-in: Mimir/Cortex ruler file in deploy/mimir/
}
DEFAULT_KINDS: list[str] = ["dashboards", "rules", "k6", "alertmanager", "rule_tests"]
