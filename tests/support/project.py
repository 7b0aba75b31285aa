"""A throw-away project: catalogs copied into a temporary root and every artifact generated there."""
from __future__ import annotations

import shutil
from pathlib import Path

from generator import pipeline


def generated_project(root: Path, catalogs: tuple[Path, ...]) -> Path:
    (root / pipeline.DEFAULT_CATALOG_DIR).mkdir(parents=True, exist_ok=True)
    for catalog in catalogs:
        shutil.copy(catalog, root / pipeline.DEFAULT_CATALOG_DIR / catalog.name)
    loaded = pipeline.load_all(pipeline.catalog_paths((), root), base=root)
    pipeline.generate(root, loaded)
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a generated file, failing loudly when the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
