"""The optional extra `obsgen[exporter]`: when its dependencies are missing, a subcommand is still
listed and, when run, says which extra to install (exit code 4). Also the default catalog."""
from __future__ import annotations

from pathlib import Path

import click

from generator.errors import ToolMissing

EXPORTER = "exporter"
# the top-level modules the extra brings beyond obsgen's own
DEPENDENCIES = {EXPORTER: {"prometheus_client"}}


def missing_extra(name: str, extra: str, missing: str) -> click.Command:
    """A stand-in for subcommand `name`: accepts any arguments and fails with the install command."""

    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   add_help_option=False, help=f"(needs `pip install 'obsgen[{extra}]'`)")
    def command() -> None:
        raise ToolMissing(f"`obsgen-exporter {name}` needs the optional extra {extra!r}, whose dependency "
                          f"{missing!r} is not installed: run `pip install 'obsgen[{extra}]'`")

    return command


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
