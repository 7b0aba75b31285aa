"""Writing artifacts: compare with what is on disk, then write atomically.

Everything is rendered in memory before anything is written, so a catalog or rendering error
writes nothing. Each file goes to a temporary sibling that is fsynced and then renamed over the
old one, so no file is ever half-written; the renames happen only after every temporary file was
written, and an error while writing removes the temporaries and leaves the previous artifacts.
A written file keeps the mode of the file it replaces; a new one gets 0666 & ~umask.
Generated files of the same catalog that are no longer rendered are removed (stale), nothing else.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.renderers.header import MARKER

_SOURCE_RE = re.compile(re.escape(MARKER) + r" (\S+?)[.;] ")
# The temporary siblings `write` stages files in (`.<name>.<random>.tmp`): one left behind by a killed
# run is removed by the next plan, whatever its name or size.
_TEMPORARY_RE = re.compile(r"\..+\.tmp\Z")


def is_temporary(name: str) -> bool:
    """A file name of obsgen's own temporary files."""
    return _TEMPORARY_RE.match(name) is not None


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
        elif not path.is_file() or path.read_bytes() != artifacts[rel].encode("utf-8"):
            # compared as bytes: a file that is not UTF-8 is stale too; a FIFO or device is never read
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
            if is_temporary(path.name):
                result.remove.append(rel)
                continue
            try:
                source = generated_from(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
            if source in catalogs:
                result.remove.append(rel)
    return result


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stage(target: Path, text: str) -> Path:
    """Write `text` to a temporary sibling of `target` (fsynced) and return its path.

    The temporary file gets the mode a plain write would give the target: the existing file's
    mode, or 0666 & ~umask for a new one (mkstemp alone makes 0600, which a rename would keep).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write(root: Path, artifacts: dict[str, str], result: Plan) -> None:
    """Apply a plan: all new contents are staged first, then renamed into place."""
    staged: list[tuple[str, Path]] = []
    try:
        for rel in result.create + result.update:
            staged.append((rel, _stage(root / rel, artifacts[rel])))
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
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
