"""Rule files and dashboards named on the command line, read for `obsgen lint`.

The kinds are recognised by `generator.diff.documents` (plain and Mimir rule files, PrometheusRule,
List, ConfigMap/ConfigMapList, dashboard JSON bare or as the API returns it); this module adds the
line of every node, so that a finding points at `file:line` of the rule or field in the source.
Directories are walked (hidden entries skipped); there, a YAML or JSON file that holds no rules
and no dashboard is skipped, while a file named explicitly must be one. Unreadable files, invalid
YAML/JSON and files of no known kind are located InputErrors.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.catalog.yaml_positions import node_lines
from generator.diff.documents import DashboardDoc, RuleGroupDoc, is_artifact_path, parse
from generator.errors import Location, Problem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KNOWN = ("a Prometheus or Mimir rule file (groups:), a PrometheusRule, a List or ConfigMap(List) of them, "
         "or Grafana dashboard JSON")
# The field of a rule or panel a check names -> its path inside the rule or panel.
FIELDS = {"name": "alert", "severity": "labels.severity", "summary": "annotations.summary",
          "description": "annotations.description", "runbook_url": "annotations.runbook_url",
          "unit": "fieldConfig.defaults.unit"}


class InputError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class LintFile:
    path: str  # as shown in findings
    groups: list[RuleGroupDoc] = field(default_factory=list)
    dashboards: list[DashboardDoc] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # document path -> line
    embedded: dict[str, tuple[int, dict[str, int]]] = field(default_factory=dict)  # ConfigMap key -> (offset, lines)

    def line_of(self, doc_path: str) -> int | None:
        outer, sep, inner = doc_path.partition("|")
        if sep:
            offset, lines = self.embedded.get(outer, (0, {}))
            line = _lookup(lines, inner)
            return offset + line if line is not None else _lookup(self.lines, outer)
        return _lookup(self.lines, doc_path)


def _lookup(lines: dict[str, int], doc_path: str) -> int | None:
    head, _, last = doc_path.rpartition(".")
    candidates = [f"{head}.{FIELDS[last]}" if head else FIELDS[last]] if last in FIELDS else []
    path = doc_path
    while True:
        candidates.append(path)
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            break
        path = path[:cut]
    for candidate in candidates:
        if candidate in lines:
            return lines[candidate]
    return lines.get("") or None


def collect(paths: list[Path]) -> tuple[list[LintFile], list[str]]:
    """The files under `paths` that hold rules or dashboards, and the walked files skipped.

    Raises InputError naming every file that cannot be used (nothing is checked then)."""
    problems: list[Problem] = []
    files: list[LintFile] = []
    skipped: list[str] = []
    for given in paths:
        if given.is_dir():
            found = [p for p in sorted(given.rglob("*")) if p.is_file() and is_artifact_path(p.name)
                     and not any(part.startswith(".") for part in p.relative_to(given).parts)]
            explicit = False
        elif given.exists():
            found, explicit = [given], True
        else:
            problems.append(Problem(Location(given.as_posix()), "no such file or directory"))
            continue
        for path in found:
            try:
                loaded = read_file(path, explicit)
            except InputError as exc:
                problems += exc.problems
                continue
            if loaded is None:
                skipped.append(path.as_posix())
            else:
                files.append(loaded)
    if problems:
        raise InputError(problems)
    return files, skipped


def read_file(path: Path, explicit: bool = True) -> LintFile | None:
    name = path.as_posix()

    def fail(message: str, line: int | None = None) -> InputError:
        return InputError([Problem(Location(name, line), message)])

    if not is_artifact_path(name):
        raise fail("not a rule file or dashboard: lint reads .yaml, .yml and .json files")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail("cannot read: not UTF-8 text") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    lines, embedded = _lines(name, text)
    parsed = parse(name, text)
    if parsed.problem:
        raise fail(parsed.problem, _problem_line(name, text))
    if not parsed.groups and not parsed.dashboards:
        if not explicit:
            return None
        raise fail(f"{_kind_hint(name, text)}: lint reads {KNOWN}", 1)
    loaded = LintFile(name, parsed.groups, parsed.dashboards, lines, embedded)
    problems = [Problem(Location(name, loaded.line_of(at), _shown(at)), message)
                for at, message in _rule_shape_problems(parsed.groups)]
    if problems:
        raise InputError(problems)
    return loaded


def _shown(at: str) -> str:
    """A document path as a reader sees it: no "[0]." for the first document, "|" as " > "."""
    shown = re.sub(r"^\[(\d+)\]\.", lambda m: "" if m.group(1) == "0" else f"document {int(m.group(1)) + 1}: ",
                   at)
    return shown.replace("|", " > ")


def join(at: str, rest: str) -> str:
    """A document path and a step below it: ("[0].spec", "groups") -> "[0].spec.groups"."""
    if not at or at.endswith("|"):
        return at + rest
    return at + rest if rest.startswith("[") else f"{at}.{rest}"


def _rule_shape_problems(groups: list[RuleGroupDoc]):
    """(doc path, message) of each rule Prometheus itself would refuse to load, by its shape."""
    for group in groups:
        for index, rule in zip(group.indices, group.rules):
            at = join(group.at, f"rules[{index}]")
            kinds = [key for key in ("alert", "record") if key in rule]
            if len(kinds) != 1 or not isinstance(rule[kinds[0]], str) or not rule[kinds[0]].strip():
                yield at, "not a rule: a rule has one non-empty `alert:` or `record:`"
            elif not isinstance(rule.get("expr"), (str, int, float)) or isinstance(rule.get("expr"), bool):
                yield join(at, "expr"), f"{kinds[0]} {rule[kinds[0]]!r}: `expr` must be a PromQL string"
            for key in ("labels", "annotations"):
                if rule.get(key) is not None and not isinstance(rule[key], dict):
                    yield join(at, key), f"`{key}` must be a mapping of names to values"
            if rule.get("for") is not None and not isinstance(rule["for"], str):
                yield join(at, "for"), "`for` must be a duration such as 5m"


def _kind_hint(name: str, text: str) -> str:
    try:
        documents = [json.loads(text)] if name.lower().endswith(".json") else list(yaml.load_all(text, Loader=_LOADER))
    except (ValueError, yaml.YAMLError):
        documents = []
    kinds = sorted({str(d["kind"]) for d in documents if isinstance(d, dict) and "kind" in d})
    if kinds:
        return f"unknown kind {', '.join(kinds)}"
    return "not a rule file or dashboard"


def _problem_line(name: str, text: str) -> int | None:
    try:
        if name.lower().endswith(".json"):
            json.loads(text)
        else:
            list(yaml.load_all(text, Loader=_LOADER))
    except json.JSONDecodeError as exc:
        return exc.lineno
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return mark.line + 1 if mark is not None else None
    return None


def _lines(name: str, text: str) -> tuple[dict[str, int], dict[str, tuple[int, dict[str, int]]]]:
    """Lines of every node. JSON is composed as YAML (a superset of it, marks included); a JSON text
    YAML cannot read (tabs for indentation) gets no lines, its findings then name the file only."""
    lines: dict[str, int] = {}
    embedded: dict[str, tuple[int, dict[str, int]]] = {}
    try:
        if name.lower().endswith(".json"):
            node = yaml.compose(text, Loader=_LOADER)
            return (node_lines(node) if node is not None else {}), embedded
        for index, node in enumerate(yaml.compose_all(text, Loader=_LOADER)):
            if node is None:
                continue
            prefix = f"[{index}]"
            lines.update(node_lines(node, prefix))
            _embedded(node, prefix, embedded)
    except yaml.YAMLError:
        return lines, embedded
    return lines, embedded


def _embedded(node: yaml.Node, prefix: str, out: dict[str, tuple[int, dict[str, int]]]) -> None:
    """Lines inside the ConfigMap data values of a document (or of the items of a List)."""
    if not isinstance(node, yaml.MappingNode):
        return
    children = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    items = children.get("items")
    if isinstance(items, yaml.SequenceNode):
        for i, item in enumerate(items.value):
            _embedded(item, f"{prefix}.items[{i}]", out)
    data = children.get("data")
    if not isinstance(data, yaml.MappingNode):
        return
    for key, value in data.value:
        if not (isinstance(value, yaml.ScalarNode) and is_artifact_path(str(key.value))):
            continue
        # A block scalar (`|`) starts on the line after its key; a quoted one on the key's line.
        offset = key.start_mark.line + (1 if value.style in ("|", ">") else 0)
        try:
            inner: dict[str, int] = {}
            if str(key.value).lower().endswith(".json"):
                composed = yaml.compose(value.value, Loader=_LOADER)
                inner = node_lines(composed) if composed is not None else {}
            else:
                for index, composed in enumerate(yaml.compose_all(value.value, Loader=_LOADER)):
                    if composed is not None:
                        inner.update(node_lines(composed, f"[{index}]"))
        except yaml.YAMLError:
            inner = {}
        out[f"{prefix}.data.{key.value}"] = (offset, inner)
