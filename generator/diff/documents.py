"""Reading artifact files into what the differs compare: rule groups and dashboards.

Recognised by content, not by name, so that any repository's files work:
- Prometheus rule files (`groups:`), Mimir/Cortex ruler files (`namespace:` + `groups:`);
- prometheus-operator `PrometheusRule` manifests (`spec.groups`), also inside a `List` or a
  typed list (`PrometheusRuleList`, `ConfigMapList`: any kind ending in `List` with `items`);
- Grafana dashboard JSON, bare or as the API returns it (`{"dashboard": {...}, "meta": ...}`);
- ConfigMaps (also in a `ConfigMapList`) whose `data` values are dashboard JSON or rule files.
YAML files may hold several documents. Anything else is not an artifact and is skipped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml

from generator.catalog.yaml_positions import YAMLProblems, load_all_checked


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: same result, ~10x faster
    """Safe loading, plus a bare `=` read as the string "=" as YAML 1.2 (and Kubernetes) read it:
    PyYAML resolves it to the YAML 1.1 `value` type and then has no constructor for it."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
RULE_SUFFIXES = (".yaml", ".yml")
DASHBOARD_SUFFIXES = (".json",)
ARTIFACT_SUFFIXES = RULE_SUFFIXES + DASHBOARD_SUFFIXES


@dataclass(frozen=True)
class RuleGroupDoc:
    file: str
    name: str
    settings: dict  # interval, limit, query_offset: whatever the group sets besides its rules
    rules: tuple[dict, ...]
    at: str = field(default="", compare=False)  # where the group sits in the file: "[0].spec.groups[1]"
    indices: tuple[int, ...] = field(default=(), compare=False)  # each rule's index in the group's `rules`


@dataclass(frozen=True)
class DashboardDoc:
    file: str
    data: dict
    at: str = field(default="", compare=False)  # where the dashboard object sits ("dashboard" for an API answer)

    @property
    def key(self) -> str:
        return str(self.data.get("uid") or self.data.get("title") or self.file)


@dataclass
class Parsed:
    groups: list[RuleGroupDoc] = field(default_factory=list)
    dashboards: list[DashboardDoc] = field(default_factory=list)
    problem: str = ""  # why a file that looked like an artifact could not be read


def is_artifact_path(path: str) -> bool:
    return path.lower().endswith(ARTIFACT_SUFFIXES)


def parse(path: str, text: str) -> Parsed:
    """Rule groups and dashboards found in one file."""
    out = Parsed()
    if path.lower().endswith(DASHBOARD_SUFFIXES):
        try:
            data = json.loads(text)
        except ValueError as exc:
            out.problem = f"not valid JSON: {exc}"
            return out
        dashboard = _dashboard(data)
        if dashboard is not None:
            out.dashboards.append(DashboardDoc(path, dashboard, _wrapped(data)))
        return out
    try:
        documents = load_all_checked(text, _Loader)  # empty documents are skipped by _collect
    except yaml.YAMLError as exc:
        out.problem = "not valid YAML: " + " ".join(str(exc).split())
        return out
    except YAMLProblems as exc:
        out.problem = "YAML refused: " + str(exc)
        return out
    for index, document in enumerate(documents):
        if document is not None:
            _collect(path, document, out, f"[{index}]")
    return out


def _collect(path: str, document, out: Parsed, at: str = "") -> None:
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        for index, item in enumerate(document["items"]):
            _collect(path, item, out, f"{at}.items[{index}]")
    elif kind == "PrometheusRule":
        _groups(path, (document.get("spec") or {}).get("groups"), out, f"{at}.spec.groups")
    elif kind == "ConfigMap":
        for key, value in sorted((document.get("data") or {}).items()):
            if isinstance(value, str) and str(key).endswith(RULE_SUFFIXES):
                _embedded_rules(path, str(key), value, out, f"{at}.data.{key}|")
            if not (isinstance(value, str) and str(key).endswith(".json")):
                continue
            try:
                data = json.loads(value)
            except ValueError as exc:
                out.problem = f"ConfigMap data {key} is not valid JSON: {exc}"
                continue
            dashboard = _dashboard(data)
            if dashboard is not None:
                out.dashboards.append(DashboardDoc(f"{path}#{key}", dashboard, f"{at}.data.{key}|{_wrapped(data)}"))
    elif "groups" in document:
        _groups(path, document.get("groups"), out, f"{at}.groups")


def _embedded_rules(path: str, key: str, text: str, out: Parsed, at: str) -> None:
    """A rule file held in a ConfigMap's data (`at` ends with "|": paths after it are inside the text)."""
    try:
        documents = load_all_checked(text, _Loader)
    except yaml.YAMLError as exc:
        out.problem = f"ConfigMap data {key} is not valid YAML: " + " ".join(str(exc).split())
        return
    except YAMLProblems as exc:
        out.problem = f"ConfigMap data {key}: YAML refused: {exc}"
        return
    for index, document in enumerate(documents):
        if isinstance(document, dict) and "groups" in document:
            _groups(f"{path}#{key}", document.get("groups"), out, f"{at}[{index}].groups")


def _wrapped(data) -> str:
    return "dashboard" if isinstance(data, dict) and isinstance(data.get("dashboard"), dict) else ""


def _groups(path: str, groups, out: Parsed, at: str = "groups") -> None:
    """Rule groups; `groups:` or `rules:` left empty (null) is no groups or no rules, as promtool
    reads it ("0 rules found")."""
    if groups is None:
        return
    if not isinstance(groups, list):
        out.problem = "`groups` is not a list"
        return
    for index, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("rules") or [], list):
            out.problem = f"groups[{index}] is not a rule group"
            continue
        settings = {k: v for k, v in group.items() if k not in ("name", "rules")}
        kept = [(i, r) for i, r in enumerate(group.get("rules") or []) if isinstance(r, dict)]
        out.groups.append(RuleGroupDoc(path, str(group.get("name", f"groups[{index}]")), settings,
                                       tuple(r for _, r in kept), f"{at}[{index}]", tuple(i for i, _ in kept)))


def _dashboard(data) -> dict | None:
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    if isinstance(data, dict) and (isinstance(data.get("panels"), list) or isinstance(data.get("rows"), list)):
        return data
    return None
