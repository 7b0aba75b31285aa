"""`obsgen init`: the files of a new obsgen project, rendered from the templates beside this module.

    files = render(Options("demo-api", "platform"))   # relative path -> text
    written = write(Path("."), files, force=False)    # Conflict (nothing written) when files differ

The catalog skeleton generates and passes `obsgen validate` as it is. `.gitignore` is the one file
extended rather than written: its missing obsgen entries are appended.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from generator.catalog.schema_check import catalog_schema_text
from generator.validators.grafana_schema import GRAFANA_SCHEMA_REF

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # the catalog schema's service.name
TEAM_RE = re.compile(r"^[a-zA-Z0-9_-]+$")  # it names Alertmanager receivers
GITIGNORE = ".gitignore"
# template -> where it goes ({service} is replaced)
TEMPLATES = {
    "catalog.yaml": "catalog/{service}.yaml",
    "Makefile": "Makefile",
    "validate.yml": ".github/workflows/obsgen-validate.yml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "obsgen.yaml": ".obsgen.yaml",
    "gitignore": GITIGNORE,
}
SCHEMA_COPY = "catalog/catalog.schema.json"  # the catalog's $schema line points here


class Conflict(Exception):
    """Files that exist with other content; nothing was written."""

    def __init__(self, files: list[str]):
        super().__init__(", ".join(files))
        self.files = files


@dataclass(frozen=True)
class Options:
    service: str
    team: str


def _version() -> str:
    try:
        return metadata.version("obsgen")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "0.1.0"


def _alert_prefix(service: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in service.split("-") if part)


def render(options: Options) -> dict[str, str]:
    values = {"@SERVICE@": options.service, "@TEAM@": options.team, "@ALERT@": _alert_prefix(options.service),
              "@GRAFANA_SCHEMA_REF@": GRAFANA_SCHEMA_REF, "@VERSION@": _version()}
    files = {}
    folder = resources.files(__name__)
    for template, target in TEMPLATES.items():
        text = folder.joinpath(template).read_text(encoding="utf-8")
        for token, value in values.items():
            text = text.replace(token, value)
        files[target.format(service=options.service)] = text
    files[SCHEMA_COPY] = catalog_schema_text()
    return files


def _gitignore(root: Path, entries: str) -> str | None:
    """The .gitignore to write: the existing one with the missing entries appended (None: nothing to add)."""
    path = root / GITIGNORE
    if not path.exists():
        return entries
    current = path.read_text(encoding="utf-8")
    have = {line.strip() for line in current.splitlines()}
    missing = [line for line in entries.splitlines() if line.strip() and not line.startswith("#")
               and line.strip() not in have]
    if not missing:
        return None
    head = entries.splitlines()[0]
    return current + ("" if current.endswith("\n") or not current else "\n") + "\n".join([head, *missing]) + "\n"


def conflicts(root: Path, files: dict[str, str]) -> list[str]:
    """Files that exist with other content (the .gitignore is extended, never a conflict)."""
    out = []
    for rel, text in sorted(files.items()):
        path = root / rel
        if rel == GITIGNORE or not path.exists():
            continue
        if path.is_dir() or path.read_text(encoding="utf-8", errors="replace") != text:
            out.append(rel)
    return out


def write(root: Path, files: dict[str, str], force: bool = False) -> list[str]:
    """Write the scaffold; the paths written (unchanged ones left out). Existing files with other
    content raise Conflict unless `force`, before anything is written. All files are staged beside
    their targets first, then renamed into place; a failure while staging removes what was staged and
    the folders made for it."""
    found = conflicts(root, files)
    if found and not force:
        raise Conflict(found)
    todo = {}
    for rel, text in files.items():
        if rel == GITIGNORE:
            merged = _gitignore(root, text)
            if merged is not None:
                todo[rel] = merged
        elif not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8", errors="replace") != text:
            todo[rel] = text
    mode = 0o666 & ~_umask()
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []  # folders created here, parents first
    try:
        for rel, text in sorted(todo.items()):
            target = root / rel
            made += [d for d in reversed(target.parents) if not d.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return sorted(todo)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
