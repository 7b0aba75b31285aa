"""Rule files -> free-form `alerts:` and `recording_rules:` of a catalog.

Files are recognised by `generator.diff.documents` (plain rule files, Mimir/Cortex ruler files,
PrometheusRule manifests, also in a `List`), the same reader `obsgen diff` uses. What the catalog
cannot express is kept out and reported with its file:line: a rule name the catalog's patterns
refuse, `keep_firing_for`, group settings (`interval`, `limit`, ...), a duplicate name.
See docs/import.md for the normalisations (`team`, `runbook_url`, group names).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from generator.diff.documents import parse
from generator.importers import ImportFailure, ImportResult, fail, read_text, service_block
from generator.importers.selector import common_matcher, replace_matcher, tree_of
from generator.promql import Aggregation, selectors

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALERT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_RECORD_NAME = re.compile(r"^[a-zA-Z_]*:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$")
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DEFAULT_SEVERITIES = ("critical", "warning", "info")
_GROUP_SUFFIX = {"alert": "-alerts", "record": "-recording"}


def _rule_lines(path: str, text: str) -> dict[tuple[str, str, int], int]:
    """(kind, name, occurrence) -> line of the rule's `alert:`/`record:` key."""
    out: dict[tuple[str, str, int], int] = {}
    seen: dict[tuple[str, str], int] = {}

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            keys = {key.value: key for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
            if "rules" in keys and "name" in keys:
                name = next(v.value for k, v in node.value if k.value == "name" and isinstance(v, yaml.ScalarNode))
                out.setdefault(("group", str(name), 1), keys["name"].start_mark.line + 1)
            for key, value in node.value:
                if key.value in ("alert", "record") and isinstance(value, yaml.ScalarNode):
                    ident = (key.value, value.value)
                    seen[ident] = n = seen.get(ident, 0) + 1
                    out[(key.value, value.value, n)] = key.start_mark.line + 1
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
    for document in yaml.compose_all(text, Loader=_LOADER):
        walk(document)
    return out


def _unknown_kind(text: str) -> tuple[str, int] | None:
    """(kind, line) of the first document's `kind:` when the file is some other Kubernetes object."""
    for document in yaml.compose_all(text, Loader=_LOADER):
        if isinstance(document, yaml.MappingNode):
            for key, value in document.value:
                if key.value == "kind" and isinstance(value, yaml.ScalarNode):
                    return value.value, key.start_mark.line + 1
    return None


def _yaml_error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


def _group_name(group: str, kind: str, service: str) -> str:
    """Catalog `group` for a source group: the generated group is `<group>-alerts`/`-recording`."""
    suffix = _GROUP_SUFFIX[kind]
    base = group[: -len(suffix)] if group.endswith(suffix) else group
    return "" if base == service else base


def _load(path: str) -> tuple:
    """(path, rule groups, rule lines) of one file, or a located failure."""
    text = read_text(path)
    if path.lower().endswith(".json"):
        raise fail(path, 1, "not a rule file: a .json file (rule files are YAML)")
    parsed = parse(path, text)
    if parsed.problem:
        line = None
        try:
            list(yaml.compose_all(text, Loader=_LOADER))
        except yaml.YAMLError as exc:
            line = _yaml_error_line(exc)
        raise fail(path, line or 1, f"not a rule file: {parsed.problem}")
    if not parsed.groups:
        kind = _unknown_kind(text)
        if kind is not None:
            raise fail(path, kind[1], f"unknown kind {kind[0]!r}: not a rule file (PrometheusRule, a List of "
                                      "them, a Prometheus or Mimir rule file was expected)")
        raise fail(path, 1, "not a rule file: no `groups:` (a Prometheus rule file, Mimir ruler file or "
                            "PrometheusRule manifest was expected)")
    return path, parsed.groups, _rule_lines(path, text)


def import_rules(paths: list[str], service: str | None = None) -> ImportResult:
    loaded = [_load(path) for path in paths]
    name = service or _service_name(paths)
    result = ImportResult({})
    alerts, records, exprs = [], [], []
    severities: set[str] = set()
    teams: set[str | None] = set()
    names = {"alert": set(), "record": set()}
    for path, groups, lines in loaded:
        seen: dict[tuple[str, str], int] = {}
        for group in groups:
            for key, value in sorted(group.settings.items()):
                result.warn(path, lines.get(("group", group.name, 1)),
                            f"group {group.name!r}: `{key}: {value}` cannot be expressed in the catalog; left out "
                            "(generated groups use the global evaluation settings)")
            for index, rule in enumerate(group.rules):
                kind = "alert" if "alert" in rule else "record" if "record" in rule else ""
                rule_name = str(rule.get(kind, "")) if kind else ""
                seen[(kind, rule_name)] = n = seen.get((kind, rule_name), 0) + 1
                line = lines.get((kind, rule_name, n))
                where = f"groups[{group.name}].rules[{index}]"
                if not kind:
                    result.warn(path, line, "neither `alert` nor `record`: not a rule; left out", where)
                    continue
                if not isinstance(rule.get("expr"), (str, int, float)) or str(rule.get("expr")).strip() == "":
                    result.warn(path, line, f"{kind} {rule_name!r} has no expr; left out", where)
                    continue
                if rule_name in names[kind]:
                    result.warn(path, line, f"{kind} {rule_name!r} is defined twice; only the first is kept "
                                            "(catalog names are unique)", where)
                    continue
                entry = (_alert if kind == "alert" else _record)(rule, rule_name, group.name, name, path, line,
                                                                  where, result)
                if entry is None:
                    continue
                names[kind].add(rule_name)
                exprs.append((entry["expr"], False))
                if kind == "alert":
                    severities.add(entry["severity"])
                    teams.add((rule.get("labels") or {}).get("team"))
                    alerts.append(entry)
                else:
                    records.append(entry)
    if not alerts and not records:
        raise ImportFailure(result.warnings + fail(paths[0], None, "no rule the catalog can express").problems)
    selector = common_matcher(exprs)
    if selector is not None:
        for entry in alerts + records:
            entry["expr"] = replace_matcher(entry["expr"], *selector)
    team = next(iter(teams)) if len(teams) == 1 and None not in teams else "unknown"
    block = service_block(name, team=str(team), runbook_base_url=_runbook_base(alerts),
                          selector={selector[0]: selector[1]} if selector else None)
    if not severities <= set(_DEFAULT_SEVERITIES):
        block["severities"] = sorted(severities | set(_DEFAULT_SEVERITIES))
    _drop_default_runbooks(alerts, block["runbook_base_url"])
    result.catalog = {"service": block, "metrics": metrics_read(exprs)}
    result.warn(paths[0], None, f"{len(result.catalog['metrics'])} metric(s) declared from the names the "
                                "expressions read, typed by their suffix (`_total`: counter, else gauge); check "
                                "them, or import them from the service's /metrics with `obsgen import metrics`")
    if alerts:
        result.catalog["alerts"] = alerts
    if records:
        result.catalog["recording_rules"] = records
    return result


def _service_name(paths: list[str]) -> str:
    stem = Path(paths[0]).name.split(".")[0].lower()
    for suffix in ("-alerts", "-recording", "-rules", "_rules", "-rule"):
        stem = stem[: -len(suffix)] if stem.endswith(suffix) else stem
    text = re.sub(r"[^a-z0-9-]+", "-", stem).strip("-")
    return (text or "imported")[:40].rstrip("-") or "imported"


def _text(value) -> str:
    return str(value)


def _alert(rule: dict, name: str, group: str, service: str, path: str, line, where: str,
           result: ImportResult) -> dict | None:
    if not _ALERT_NAME.match(name):
        result.warn(path, line, f"alert name {name!r} is not CamelCase letters and digits, which the catalog "
                                "requires; left out", where)
        return None
    labels = {str(k): _text(v) for k, v in (rule.get("labels") or {}).items()}
    annotations = {str(k): _text(v) for k, v in (rule.get("annotations") or {}).items()}
    entry: dict = {"name": name, "expr": _text(rule["expr"]).strip()}
    for_ = str(rule.get("for", "0s")).strip()
    for_ = "0s" if for_ == "0" else for_  # Prometheus accepts a bare 0
    if not _DURATION.match(for_):
        result.warn(path, line, f"alert {name!r}: `for: {for_}` is not a duration the catalog accepts; left out", where)
        return None
    entry["for"] = for_
    if "keep_firing_for" in rule:
        result.warn(path, line, f"alert {name!r}: `keep_firing_for` cannot be expressed in the catalog; left out", where)
    if "severity" in labels:
        entry["severity"] = labels.pop("severity")
    else:
        entry["severity"] = "warning"
        result.warn(path, line, f"alert {name!r} has no severity label; set to warning", where)
    summary = annotations.pop("summary", "")
    description = annotations.pop("description", "")
    if not summary:
        result.warn(path, line, f"alert {name!r} has no summary annotation; its name is used", where)
    if not description:
        result.warn(path, line, f"alert {name!r} has no description annotation; its summary is used", where)
    entry["summary"] = summary or name
    entry["description"] = description or entry["summary"]
    if "runbook_url" in annotations:
        entry["runbook_url"] = annotations.pop("runbook_url")
    else:
        result.warn(path, line, f"alert {name!r} has no runbook_url; the generated rule gets "
                                "service.runbook_base_url/<AlertName>", where)
    if labels:
        entry["labels"] = labels
    if annotations:
        entry["annotations"] = annotations
    for key, text in [("summary", entry["summary"]), ("description", entry["description"])]:
        if "${threshold}" in text or "${for}" in text:
            result.warn(path, line, f"alert {name!r}: {key} contains ${{threshold}} or ${{for}}, which the "
                                    "catalog fills in; the generated text differs", where)
    group_name = _group_name(group, "alert", service)
    if group_name:
        entry["group"] = group_name
    return entry


def _record(rule: dict, name: str, group: str, service: str, path: str, line, where: str,
            result: ImportResult) -> dict | None:
    if not _RECORD_NAME.match(name):
        result.warn(path, line, f"recording rule {name!r} does not follow level:metric:operations, which the "
                                "catalog requires; left out", where)
        return None
    entry: dict = {"record": name, "expr": _text(rule["expr"]).strip()}
    labels = {str(k): _text(v) for k, v in (rule.get("labels") or {}).items()}
    if labels:
        entry["labels"] = labels
    group_name = _group_name(group, "record", service)
    if group_name:
        entry["group"] = group_name
    return entry


def _runbook_base(alerts: list[dict]) -> str:
    """The common `<base>/<AlertName>` prefix of the alerts' runbook URLs, when they share one."""
    bases = set()
    for alert in alerts:
        url = alert.get("runbook_url", "")
        if url.endswith("/" + alert["name"]) and re.match(r"^https?://", url):
            bases.add(url[: -len(alert["name"]) - 1])
    return bases.pop() if len(bases) == 1 else "https://runbooks.example.com"


def _drop_default_runbooks(alerts: list[dict], base: str) -> None:
    for alert in alerts:
        if alert.get("runbook_url") == f"{base}/{alert['name']}":
            del alert["runbook_url"]


_TARGET_LABELS = frozenset({"job", "instance", "le", "__name__"})


def metrics_read(exprs: list[tuple[str, bool]]) -> list[dict]:
    """Raw metrics the expressions read, typed from their names (a catalog needs at least one).

    Each gets the labels the expressions match it on or aggregate it by (`job` and `instance`,
    which every scraped series has, are left implicit)."""
    found: dict[str, set[str]] = {}
    for expr, grafana in exprs:
        tree = tree_of(expr, grafana)
        if tree is None:
            continue
        for use in selectors(tree):
            name = use.selector.metric_name
            if not name or ":" in name or not _METRIC_NAME.match(name):
                continue
            labels = found.setdefault(name, set())
            labels |= {m.name for m in use.selector.label_matchers}
            for node in use.path:
                if isinstance(node, Aggregation):
                    labels |= set(node.grouping)
    if not found:
        found = {"up": set()}
    out = []
    for name in sorted(found):
        entry = {"name": name, "type": "counter" if name.endswith("_total") else "gauge",
                 "help": "Read by imported expressions; declared by `obsgen import`."}
        labels = sorted(label for label in found[name] - _TARGET_LABELS if _LABEL_NAME.match(label))
        if labels:
            entry["labels"] = [{"name": label} for label in labels]
        out.append(entry)
    return out
