"""Documents already known to pass a JSON Schema, so that checking an unchanged one needs neither
the check nor the jsonschema import: catalogs against the catalog schema (about half of `generate
dashboards`), dashboards against Grafana's schemas (most of `validate`'s own time).

The key is a hash of the schema's text and of the document (canonical JSON): the check is a pure
function of the two, so a hit can only be a document that passed. Only passes are recorded; a
document with problems is checked, and its problems reported, every time. The cache holds empty
files named by key under $OBSGEN_CACHE_DIR (default $XDG_CACHE_HOME/obsgen, else ~/.cache/obsgen);
it is safe to delete at any time, and OBSGEN_CACHE=off turns it off.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from generator import json_text

FOLDER = "catalog-schema-passed"
GRAFANA_FOLDER = "grafana-schema-passed"


def _folder(name: str = FOLDER) -> Path | None:
    if os.environ.get("OBSGEN_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("OBSGEN_CACHE_DIR")
    if base:
        return Path(base) / name
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "obsgen" / name


def key(schema_text: str, data) -> str:
    digest = hashlib.sha256(schema_text.encode("utf-8"))
    digest.update(b"\0")
    digest.update(json_text.canonical(data).encode("utf-8"))
    return digest.hexdigest()


def passed(cache_key: str, name: str = FOLDER) -> bool:
    folder = _folder(name)
    return folder is not None and (folder / cache_key).is_file()


def remember(cache_key: str, name: str = FOLDER) -> None:
    """Record a pass; a cache that cannot be written is no error (the next load checks again)."""
    folder = _folder(name)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(folder / cache_key, os.O_WRONLY | os.O_CREAT, 0o666))
    except OSError:
        pass
