"""`obsgen schema`: the catalog's JSON Schema, for editors (`$schema` lines) and other tools."""
from __future__ import annotations

from pathlib import Path

import click

from generator.catalog.schema_check import catalog_schema_text
from generator.writers import write_text_atomic


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file (atomically) instead of printing it.")
def schema(output: Path | None) -> None:
    """Print the catalog JSON Schema, or write it to a project-local copy the catalogs' `$schema`
    line points at (`# yaml-language-server: $schema=catalog.schema.json`)."""
    text = catalog_schema_text()
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_text_atomic(output, text)
    click.echo(f"wrote {output}", err=True)
