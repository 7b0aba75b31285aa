"""One renderer per artifact kind. Each module has `render(catalog) -> {relative path: text}` and
`FOLDERS`, the folders it owns (where stale generated files of the same catalog are removed).

`generate` with no kinds renders DEFAULT_KINDS; opt-in kinds are named explicitly. A renderer's
module is imported the first time its kind is looked up, so `generate dashboards` imports only the
dashboard renderer.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType

_MODULES: dict[str, str] = {
    "dashboards": "dashboards",
    "rules": "rules",
    "k6": "k6",
    "alertmanager": "alertmanager",
    "rule_tests": "rule_tests",  # promtool unit tests in tests/rules/
    "kubernetes": "kubernetes",  # opt-in: PrometheusRule + Grafana-sidecar ConfigMaps in deploy/kubernetes/
    "mimir": "mimir",  # opt-in: Mimir/Cortex ruler file in deploy/mimir/
}


class _Kinds(Mapping[str, ModuleType]):
    """kind -> renderer module, imported on first lookup."""

    def __getitem__(self, kind: str) -> ModuleType:
        if kind not in _MODULES:
            raise KeyError(kind)
        return importlib.import_module(f"generator.renderers.{_MODULES[kind]}")

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


KINDS: Mapping[str, ModuleType] = _Kinds()
DEFAULT_KINDS: list[str] = ["dashboards", "rules", "k6", "alertmanager", "rule_tests"]
