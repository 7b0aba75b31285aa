"""Helpers for cross-check tests on any catalog file: load it and build the validation context, as
`validate` would, find a line by its text, pick findings by rule. Tests build their catalog in code
(tests/support/catalog_builder.py) rather than edit the text of a shipped one."""
from __future__ import annotations

from pathlib import Path

from generator.pipeline import load_all
from generator.validators.context import ValidationContext, build_context


def context_of(*paths: Path, root: Path | None = None) -> ValidationContext:
    root = root or paths[0].parent.parent
    return build_context(root, load_all(list(paths), root))


def line_containing(path: Path, needle: str, after: str = "") -> int:
    """1-based line of the first line containing `needle` (after the first line containing `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i + 1 for i, line in enumerate(lines) if i >= start and needle in line)


def by_rule(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]
