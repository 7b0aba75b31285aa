"""`obsgen init`: scaffold an obsgen project in an existing (or empty) repository."""
from __future__ import annotations

from pathlib import Path

import click

from generator import scaffold
from generator.errors import EXIT_IO


def _check(pattern, what: str):
    def callback(ctx, param, value):
        if value is not None and not pattern.match(value):
            raise click.BadParameter(f"{value!r} is not a valid {what} ({pattern.pattern})")
        return value
    return callback


@click.command()
@click.option("--service", required=True, callback=_check(scaffold.NAME_RE, "service name"),
              help="Service name: lower case, digits and dashes (the catalog's service.name and job label).")
@click.option("--team", default="platform", show_default=True, callback=_check(scaffold.TEAM_RE, "team name"),
              help="Owning team (names the Alertmanager receivers).")
@click.option("--dir", "root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root to write into (created when missing).")
@click.option("--force", is_flag=True, help="Overwrite files that exist with other content.")
def init(service: str, team: str, root: Path, force: bool) -> None:
    """Write a catalog skeleton, its JSON Schema, .gitignore entries, a Makefile, a GitHub Actions
    workflow and pre-commit hooks. Existing files are never overwritten without --force (exit 5,
    nothing written). Then: `obsgen generate` and `obsgen validate`."""
    files = scaffold.render(scaffold.Options(service, team))
    try:
        written = scaffold.write(root, files, force)
    except scaffold.Conflict as exc:
        click.echo(f"error: these files exist in {root} and differ from what init writes: {exc}; nothing was "
                   "written (--force overwrites them)", err=True)
        raise click.exceptions.Exit(EXIT_IO) from None
    for rel in written:
        click.echo(f"wrote    {rel}")
    click.echo(f"{len(written)} file(s) written; next: `obsgen generate`, then `obsgen validate`"
               f"{'' if root == Path('.') else f' (with --root {root})'}")
