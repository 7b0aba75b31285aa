"""`obsgen generate`: render artifacts from catalogs, or check that they are fresh."""
from __future__ import annotations

from pathlib import Path

import click

from generator import pipeline
from generator.cli.common import catalog_option, root_option
from generator.errors import EXIT_FINDINGS
from generator.renderers import KINDS


@click.command()
@click.argument("kinds", nargs=-1, type=click.Choice(sorted(KINDS)))
@catalog_option
@root_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the files that are stale.")
def generate(kinds: tuple[str, ...], catalogs: tuple[str, ...], root: Path, check: bool) -> None:
    """Generate KINDS (default: all) from the catalogs. With --catalog, only the files of the catalogs
    named are written (or checked); the Alertmanager config, shared by every catalog, is built from all
    catalogs of the project."""
    scope = pipeline.load_scope(catalogs, root)
    if scope.note:
        click.echo(f"note: {scope.note}", err=True)
    result = pipeline.generate(root, scope, list(kinds) or None, check=check)
    if check:
        for rel in result.create:
            click.echo(f"missing: {rel}")
        for rel in result.update:
            click.echo(f"stale:   {rel}")
        for rel in result.remove:
            click.echo(f"orphan:  {rel}")
        if result.stale:
            click.echo(f"{len(result.stale)} generated file(s) out of date: run `obsgen generate`", err=True)
            raise click.exceptions.Exit(EXIT_FINDINGS)
        click.echo(f"{len(result.unchanged)} generated file(s) up to date")
        return
    for rel in result.create:
        click.echo(f"created  {rel}")
    for rel in result.update:
        click.echo(f"updated  {rel}")
    for rel in result.remove:
        click.echo(f"removed  {rel}")
    click.echo(f"{len(result.create)} created, {len(result.update)} updated, {len(result.remove)} removed, "
               f"{len(result.unchanged)} unchanged")
