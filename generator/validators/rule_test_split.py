"""Split promtool test files by dependency, so that each test loads only the rules it depends on.

promtool evaluates every rule of every loaded rule file at every step of every test group, so one
test file that loads all of a catalog's rules costs (tests x rules): quadratic in the catalog. The
committed test files stay one per catalog (one file to review, naming the rule files it tests);
`obsgen validate` splits them at run time, in its temporary folder:

  * the dependencies of a test are the alerts it checks (`alert_rule_test[].alertname`) and the
    names its `promql_expr_test[].expr` reads, closed over the recording rules: a rule that reads a
    name some recording rule records depends on that rule too;
  * tests with the same dependencies share one split test file, and for it each rule file is
    written again holding only those rules (same groups, same order, same group settings);
  * `group_eval_order` keeps the groups that are left, in its order.

The rules left out record names that no kept rule reads, so the kept rules evaluate exactly as in
the whole set and every test gets the same verdict (tests/test_rule_test_split.py proves it with
promtool, planted failures included). Whatever this cannot read for certain (a rule file glob, a
file that is not YAML, `ALERTS` or `ALERTS_FOR_STATE` in an expression, a selector without a metric
name, `query` in a template, an unknown key, a `group_eval_order` naming an unknown group) makes
that test file run whole, as written.

Names are found by scanning for identifiers, not by parsing: a name that is in fact a label or a
function only adds a rule, it never drops one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator import json_text

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_NAMELESS_SELECTOR = re.compile(r"(?:^|[^A-Za-z0-9_:\s])\s*\{")
_ALERT_SERIES = {"ALERTS", "ALERTS_FOR_STATE"}
_TEST_FILE_KEYS = {"rule_files", "evaluation_interval", "group_eval_order", "tests"}
_TEST_KEYS = {"name", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
              "external_url"}
ALL = None  # "depends on every rule"


class Unsplittable(Exception):
    """The file is run whole, as written."""


@dataclass(frozen=True)
class SplitFile:
    path: Path  # the split test file, in the work folder
    origin: Path  # the test file it comes from
    tests: int


@dataclass
class _RuleSet:
    files: list[tuple[Path, dict]]  # (rule file, its parsed document), in rule_files order
    keys: list[tuple[int, int, int]] = field(default_factory=list)  # (file, group, rule) of every rule
    records: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    alerts: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    reads: dict[tuple[int, int, int], frozenset[str] | None] = field(default_factory=dict)


def _names(expr) -> frozenset[str] | None:
    """Identifiers an expression may read; None when it may read anything."""
    if not isinstance(expr, str):
        raise Unsplittable("an expression is not a string")
    names = frozenset(_IDENTIFIER.findall(expr))
    if names & _ALERT_SERIES or _NAMELESS_SELECTOR.search(expr):
        return ALL
    return names


def _rule_set(test_file: Path, rule_files) -> _RuleSet:
    if not isinstance(rule_files, list) or not all(isinstance(f, str) for f in rule_files):
        raise Unsplittable("rule_files is not a list of paths")
    files = []
    for name in rule_files:
        if any(c in name for c in "*?["):
            raise Unsplittable(f"rule file glob {name!r}")
        path = (test_file.parent / name)
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            raise Unsplittable(f"cannot read {name}") from None
        if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
            raise Unsplittable(f"{name} is not a rule file")
        files.append((path, document))
    rules = _RuleSet(files)
    for f, (_, document) in enumerate(files):
        for g, group in enumerate(document["groups"]):
            if not isinstance(group, dict) or not isinstance(group.get("rules") or [], list):
                raise Unsplittable("a group is not a mapping with rules")
            for r, rule in enumerate(group.get("rules") or []):
                if not isinstance(rule, dict):
                    raise Unsplittable("a rule is not a mapping")
                key = (f, g, r)
                rules.keys.append(key)
                templates = " ".join(str(v) for part in ("labels", "annotations")
                                     for v in (rule.get(part) or {}).values())
                reads = _names(rule.get("expr"))
                if "query" in templates:
                    reads = ALL
                rules.reads[key] = reads
                if "record" in rule:
                    rules.records.setdefault(str(rule["record"]), []).append(key)
                elif "alert" in rule:
                    rules.alerts.setdefault(str(rule["alert"]), []).append(key)
    return rules


def _closure(rules: _RuleSet, start: set[tuple[int, int, int]], names: set[str]) -> frozenset | None:
    """Every rule `start` and `names` depend on, through recorded names; None for every rule."""
    keep: set[tuple[int, int, int]] = set()
    todo = list(start) + [k for n in names for k in rules.records.get(n, [])]
    while todo:
        key = todo.pop()
        if key in keep:
            continue
        keep.add(key)
        reads = rules.reads[key]
        if reads is ALL:
            return ALL
        todo += [k for n in reads for k in rules.records.get(n, [])]
    return frozenset(keep)


def _dependencies(rules: _RuleSet, test) -> frozenset | None:
    if not isinstance(test, dict) or set(test) - _TEST_KEYS:
        raise Unsplittable("a test has keys this split does not know")
    start, names = set(), set()
    for check in test.get("alert_rule_test") or []:
        start.update(rules.alerts.get(str(check.get("alertname")), []))
    for check in test.get("promql_expr_test") or []:
        reads = _names(check.get("expr"))
        if reads is ALL:
            return ALL
        names |= reads
    return _closure(rules, start, names)


def _rule_document(document: dict, f: int, keep: frozenset | None) -> dict | None:
    """The rule file `f` with only the kept rules (None when nothing of it is kept)."""
    groups = []
    for g, group in enumerate(document["groups"]):
        kept = [rule for r, rule in enumerate(group.get("rules") or []) if keep is ALL or (f, g, r) in keep]
        if kept:
            groups.append({**group, "rules": kept})
    return {**document, "groups": groups} if groups else None


def _text(document: dict) -> str:
    """Split files are written as JSON, which promtool reads as YAML (nobody reviews them, and JSON is
    written in C); as YAML when JSON cannot say the same (NaN, non-string keys) or orjson is missing."""
    if json_text.orjson is not None and not json_text._has_non_finite(document):
        try:
            return json_text.orjson.dumps(document).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError included
            pass
    return yaml.dump(document, Dumper=_DUMPER, sort_keys=False, width=10_000, allow_unicode=True)


def split_test_file(test_file: Path, workdir: Path, prefix: str) -> list[SplitFile]:
    """Split one test file into `workdir`; raises Unsplittable when it must run whole."""
    try:
        document = yaml.load(test_file.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise Unsplittable("the test file cannot be read") from None
    if not isinstance(document, dict) or set(document) - _TEST_FILE_KEYS or not isinstance(document.get("tests"), list):
        raise Unsplittable("not a test file this split knows")
    rules = _rule_set(test_file, document.get("rule_files") or [])
    batches: dict[frozenset | None, list] = {}
    for test in document["tests"]:
        batches.setdefault(_dependencies(rules, test), []).append(test)
    order = document.get("group_eval_order")
    defined = {g.get("name") for _, d in rules.files for g in d["groups"]}
    if order is not None and (not isinstance(order, list) or set(order) - defined):
        raise Unsplittable("group_eval_order names a group no rule file defines")  # promtool's own behaviour
    out = []
    for n, (keep, tests) in enumerate(batches.items()):
        rule_paths, groups = [], set()
        for f, (path, rule_document) in enumerate(rules.files):
            subset = _rule_document(rule_document, f, keep)
            if subset is None:
                continue
            groups |= {g.get("name") for g in subset["groups"]}
            target = workdir / f"{prefix}-{n}-rules-{f}-{path.name}"
            target.write_text(_text(subset), encoding="utf-8")
            rule_paths.append(str(target))
        split = {**{k: v for k, v in document.items() if k not in ("rule_files", "group_eval_order", "tests")},
                 "rule_files": rule_paths, "tests": tests}
        if order is not None:
            split["group_eval_order"] = [g for g in order if g in groups]
        path = workdir / f"{prefix}-{n}-test.yaml"
        path.write_text(_text(split), encoding="utf-8")
        out.append(SplitFile(path, test_file, len(tests)))
    return out
