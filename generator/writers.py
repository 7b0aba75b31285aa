"""Writing artifacts: compare with what is on disk, then write atomically.

Everything is rendered in memory before anything is written, so a catalog or rendering error
writes nothing. Each file goes to a temporary sibling that is fsynced and then renamed over the
old one, so no file is ever half-written; the renames happen only after every temporary file was
written, and an error while writing removes the temporaries and leaves the previous artifacts.
Generated files of the same catalog that are no longer rendered are removed (stale), nothing else.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.renderers.header import MARKER

_SOURCE_RE = re.compile(re.escape(MARKER) + r" (\S+?)[.;] ")


def generated_from(text: str) -> str | None:
    """The catalog a generated file names in its header, or None for a hand-written file."""
    match = _SOURCE_RE.search(text[:4096])
    return match.group(1) if match else None


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        return sorted(self.create + self.update + self.remove)


def plan(root: Path, artifacts: dict[str, str], folders: set[str], catalogs: set[str]) -> Plan:
    """What writing `artifacts` under `root` would change; `folders` are scanned for stale files
    generated from one of `catalogs`."""
    result = Plan()
    for rel in sorted(artifacts):
        path = root / rel
        if not path.exists():
            result.create.append(rel)
        elif path.read_text(encoding="utf-8") != artifacts[rel]:
            result.update.append(rel)
        else:
            result.unchanged.append(rel)
    for folder in sorted(folders):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            if rel in artifacts:
                continue
            try:
                source = generated_from(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
            if source in catalogs:
                result.remove.append(rel)
    return result


def _new_file_mode() -> int:
    """0666 less the umask: the mode open() would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write(root: Path, artifacts: dict[str, str], result: Plan) -> None:
    """Apply a plan: all new contents are staged first, then renamed into place."""
    staged: list[tuple[str, Path]] = []
    try:
        for rel in result.create + result.update:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((rel, Path(tmp)))
            os.fchmod(fd, _new_file_mode())  # mkstemp makes 0600 files; artifacts are as readable as any file
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(artifacts[rel])
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    for rel, tmp in staged:
        os.replace(tmp, root / rel)
    for rel in result.remove:
        (root / rel).unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """One file, atomically (temporary sibling, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _new_file_mode())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
