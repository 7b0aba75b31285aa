"""Hand-written promtool test files in tests/rules/: the files there that obsgen did not generate.

`validate` runs them with the generated ones. They count as coverage: an alert or recording rule the
generator could not test (`untested-rule`) is covered by a hand-written test that
- names the alert in an `alert_rule_test` entry with at least one `exp_alerts` item (a test that
  proves it fires), or
- evaluates the recording rule: its `record` name selected in a `promql_expr_test` expr, or the
  rule's own `expr` (whitespace aside) as that expr,
and that loads one of the rule files generated from the item's catalog (`rule_files`, relative to
the test file, as promtool reads them). A test file that cannot be read or parsed covers nothing;
promtool reports it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from generator import writers
from generator.model import Catalog
from generator.promql.parser import parse
from generator.promql.walk import selectors
from generator.renderers.rules import group_path


@dataclass(frozen=True)
class HandTest:
    path: Path  # resolved
    rule_files: frozenset[Path]  # resolved paths of the rule files it loads
    alerts: frozenset[str]  # alert names some test expects to fire
    series: frozenset[str]  # metric names its promql_expr_test expressions select
    exprs: frozenset[str]  # those expressions, whitespace collapsed

    def loads_any(self, files: set[Path]) -> bool:
        return bool(self.rule_files & files)


def catalog_rule_files(root: Path, groups) -> set[Path]:
    return {(root / group_path(g)).resolve() for g in groups}


def _names(expr) -> set[str]:
    try:
        return {use.selector.metric_name for use in selectors(parse(expr))}
    except Exception:  # noqa: BLE001 - promtool reports an expression it cannot parse
        return set()


def _read(path: Path) -> HandTest | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if writers.generated_from(text) is not None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    files = data.get("rule_files") if isinstance(data.get("rule_files"), list) else []
    rule_files = frozenset((path.parent / f).resolve() for f in files if isinstance(f, str))
    alerts, series, exprs = set(), set(), set()
    for test in data.get("tests") or []:
        if not isinstance(test, dict):
            continue
        for check in test.get("alert_rule_test") or []:
            if isinstance(check, dict) and isinstance(check.get("alertname"), str) and check.get("exp_alerts"):
                alerts.add(check["alertname"])
        for check in test.get("promql_expr_test") or []:
            if isinstance(check, dict) and isinstance(check.get("expr"), str):
                series |= _names(check["expr"])
                exprs.add(_flat(check["expr"]))
    return HandTest(path.resolve(), rule_files, frozenset(alerts), frozenset(series), frozenset(exprs))


def _flat(expr: str) -> str:
    return "".join(expr.split())


def hand_written(folder: Path) -> list[HandTest]:
    """Every hand-written test file in `folder` (files without obsgen's generated header)."""
    if not folder.is_dir():
        return []
    found = (_read(p) for p in sorted(folder.glob("*.y*ml")) if p.is_file())
    return [t for t in found if t is not None]


def covered(name: str, tests: list[HandTest], files: set[Path], exprs: tuple[str, ...] = ()) -> HandTest | None:
    """The first hand-written test that covers the alert or recording rule `name` (recording `exprs`)
    of a catalog whose rule files are `files`, or None."""
    flat = {_flat(e) for e in exprs}
    return next((t for t in tests if t.loads_any(files)
                 and (name in t.alerts or name in t.series or flat & t.exprs)), None)


def belongs(test: HandTest, catalogs: list[Catalog], files_of) -> bool:
    """A hand-written test belongs to the catalogs whose rule files it loads."""
    return any(test.loads_any(files_of(c)) for c in catalogs)
