"""Subcommands that need an optional extra (`pip install 'obsgen[exporter]'`): when its dependencies
are missing, the command is still listed and, when run, says which extra to install (exit code 4)."""
from __future__ import annotations

from pathlib import Path

import click

from generator.errors import ToolMissing

EXPORTER = "exporter"


def missing_extra(name: str, extra: str, missing: str) -> click.Command:
    """A stand-in for subcommand `name`: accepts any arguments and fails with the install command."""

    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   add_help_option=False, help=f"(needs `pip install 'obsgen[{extra}]'`)")
    def command() -> None:
        raise ToolMissing(f"`obsgen {name}` needs the optional extra {extra!r}, whose dependency {missing!r} is not "
                          f"installed: run `pip install 'obsgen[{extra}]'`")

    return command


# the top-level modules each extra brings (its own package included)
DEPENDENCIES = {EXPORTER: {"exporter", "prometheus_client"}}


def is_extra_dependency(exc: ModuleNotFoundError, extra: str) -> bool:
    return bool(exc.name) and exc.name.split(".")[0] in DEPENDENCIES[extra]


EXPORTER_CATALOG = "catalog/ampel.yaml"  # the reference exporter implements this catalog's service


def exporter_catalog(given: str | None) -> str:
    """The catalog `seed`/`serve` read: --catalog, else the reference one when the working directory has it."""
    if given:
        return given
    if Path(EXPORTER_CATALOG).is_file():
        return EXPORTER_CATALOG
    raise click.UsageError(f"no --catalog given and no {EXPORTER_CATALOG} in {Path.cwd()}: pass --catalog PATH, "
                           "the catalog of the service the reference exporter implements")
