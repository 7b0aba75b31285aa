"""The two sides of a diff as {relative path: text}: a git ref, the working tree, or a directory.

Only files that can be artifacts (.yaml, .yml, .json) are read. A git ref is read with one
`git ls-tree` and one `git cat-file --batch`, however many files it holds.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from generator.diff.documents import is_artifact_path


class SourceError(Exception):
    """A side of the diff cannot be read: unknown ref, not a git repository, missing directory."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return done.stdout


def merge_base(root: Path, ref: str, head: str = "HEAD") -> str:
    """The commit where `head` forked from `ref` (what a pull request is compared with)."""
    return _git(root, "merge-base", ref, head).decode().strip()


def resolve(root: Path, ref: str) -> str:
    return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()


def read_ref(root: Path, ref: str, paths: list[str]) -> dict[str, str]:
    """Artifact files under `paths` (all of the tree when empty) at git `ref`."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", ref, "--", *paths)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.split()
        path = name.decode("utf-8", "replace")
        if kind == b"blob" and is_artifact_path(path):
            blobs.append((path, sha.decode()))
    if not blobs:
        return {}
    batch = _git(root, "cat-file", "--batch", stdin="".join(f"{sha}\n" for _, sha in blobs).encode())
    out: dict[str, str] = {}
    offset = 0
    for path, _ in blobs:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        start = header_end + 1
        out[path] = batch[start:start + size].decode("utf-8", "replace")
        offset = start + size + 1  # content is followed by a newline
    return out


def read_directory(base: Path, paths: list[str] | None = None) -> dict[str, str]:
    """Artifact files under `base` (restricted to `paths` inside it when given), keyed relative to it."""
    if not base.is_dir():
        raise SourceError(f"{base} is not a directory")
    roots = [base / p for p in paths] if paths else [base]
    out: dict[str, str] = {}
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in candidates:
            rel = path.relative_to(base).as_posix()
            if path.is_file() and is_artifact_path(rel) and not any(part.startswith(".") for part in path.relative_to(base).parts):
                out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out


def is_bare(start: Path) -> bool:
    """A repository without a working tree (a mirror, a CI cache): only refs can be compared."""
    try:
        return _git(start, "rev-parse", "--is-bare-repository").decode().strip() == "true"
    except SourceError:
        return False


def repository_root(start: Path) -> Path:
    """The top of the working tree, or the repository itself when it is bare."""
    if is_bare(start):
        return start.resolve()
    return Path(_git(start, "rev-parse", "--show-toplevel").decode().strip())
