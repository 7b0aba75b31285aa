"""`obsgen diff`: what changed in alerts, recording rules and dashboards, for review.

Two git refs (default: the merge-base with main against the working tree), or two directories.
"""
from __future__ import annotations

from pathlib import Path

import click

from generator.diff import compare
from generator.diff.formatters import FORMATS
from generator.diff.sources import (
    SourceError, is_bare, merge_base, read_directory, read_ref, repository_root, resolve,
)
from generator.errors import EXIT_FINDINGS
from generator.renderers import dashboards as dashboard_renderer
from generator.renderers import rules as rule_renderer

DEFAULT_PATHS = tuple(rule_renderer.FOLDERS + dashboard_renderer.FOLDERS)


def _base_ref(root: Path, against: str, head: str | None) -> str:
    for candidate in (against, f"origin/{against}"):
        try:
            resolve(root, candidate)
        except SourceError:
            continue
        return merge_base(root, candidate, head or "HEAD")
    raise SourceError(f"neither {against} nor origin/{against} is a commit here; pass --base")


def _sides(root: Path, dirs: tuple[Path, ...], base: str | None, head: str | None, against: str,
           paths: list[str]):
    if dirs:
        if len(dirs) != 2:
            raise click.UsageError("give two directories (BEFORE AFTER), or none to compare git refs")
        if base or head:
            raise click.UsageError("--base/--head compare git refs; they do not go with two directories")
        before, after = dirs
        return (read_directory(before, paths or None), read_directory(after, paths or None),
                before.as_posix(), after.as_posix())
    paths = paths or list(DEFAULT_PATHS)
    if head is None and is_bare(root):
        raise SourceError(f"{root} is a bare repository, with no working tree to compare: give --head too")
    top = repository_root(root)
    try:
        sub = root.resolve().relative_to(top.resolve())
    except ValueError as exc:
        raise SourceError(f"--root {root} is not inside the git repository at {top}") from exc
    scoped = [(sub / p).as_posix() for p in paths]
    before_ref = base or _base_ref(top, against, head)
    before = _strip(read_ref(top, before_ref, scoped), sub)
    before_label = base or f"merge-base of {against} ({before_ref[:12]})"
    if head:
        return before, _strip(read_ref(top, head, scoped), sub), before_label, head
    return before, read_directory(root, paths), before_label, "working tree"


def _strip(files: dict[str, str], sub: Path) -> dict[str, str]:
    """Paths relative to the project root, when it is below the repository root."""
    if sub == Path("."):
        return files
    prefix = sub.as_posix() + "/"
    return {k[len(prefix):]: v for k, v in files.items() if k.startswith(prefix)}


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--base", help="Git ref of the before side. Default: the merge-base of --against and the after side.")
@click.option("--head", help="Git ref of the after side. Default: the working tree.")
@click.option("--against", default="main", show_default=True,
              help="Branch whose merge-base is the default before side (origin/<branch> if it is not local).")
@click.option("--path", "paths", multiple=True,
              help=f"File or folder to compare (repeatable). Default for refs: {', '.join(DEFAULT_PATHS)}; "
                   "for directories: all of them.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help=f"Exit {EXIT_FINDINGS} when something changed.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Project root inside the git repository.")
def diff(dirs: tuple[Path, ...], base: str | None, head: str | None, against: str, paths: tuple[str, ...],
         fmt: str, exit_code: bool, root: Path) -> None:
    """Semantic diff of rule files and dashboards: DIRS are BEFORE AFTER, or none for git refs."""
    try:
        before, after, before_label, after_label = _sides(root, dirs, base, head, against, list(paths))
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    report = compare(before, after, before_label, after_label)
    click.echo(FORMATS[fmt](report), nl=False)
    if exit_code and report.changed:
        raise click.exceptions.Exit(EXIT_FINDINGS)
