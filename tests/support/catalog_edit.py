"""Catalogs with one deliberate defect: copy a shipped catalog with exact text replacements, load it
and build the validation context, as `validate` would.

New tests build their catalog in code instead (tests/support/catalog_builder.py): a text edit of a
shipped catalog breaks whenever that catalog changes. `context_of`, `line_containing` and `by_rule`
work on any catalog file."""
from __future__ import annotations

from pathlib import Path

from generator.pipeline import load_all
from generator.validators.context import ValidationContext, build_context
from tests.support.paths import AMPEL


def edited_catalog(tmp_path: Path, *replacements: tuple[str, str], source: Path = AMPEL, append: str = "") -> Path:
    """Write `source` with each (old, new) replaced once into tmp_path; `old` must occur in it."""
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} is not in {source}"
        text = text.replace(old, new, 1)
    path = tmp_path / "catalog" / source.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + append, encoding="utf-8")
    return path


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
