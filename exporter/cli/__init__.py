"""`obsgen-exporter`: the reference service's own command line, apart from `obsgen`.

`obsgen-exporter seed` fills a database with the datasets, `obsgen-exporter serve` runs the HTTP
service. A subcommand's module is imported only when it runs (or when `--help` lists them), so a
missing dependency of the optional extra `obsgen[exporter]` is reported by the command that needs it.
Errors get the same exit codes as `obsgen` (README, "Exit codes") and never a traceback.
"""
from __future__ import annotations

import click

from exporter.cli.extras import EXPORTER, is_extra_dependency, missing_extra
from generator.cli.common import run_guarded
from generator.cli.lazy import LazyGroup

PROG = "obsgen-exporter"
# command name -> (module under exporter.cli, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "seed": ("seed", "seed"),
    "serve": ("serve", "serve"),
}


class ExporterGroup(LazyGroup):
    """The exporter's subcommands; one whose optional dependency is missing says what to install."""

    package = "exporter.cli"
    commands_table = COMMANDS

    def load(self, name: str) -> click.Command:
        try:
            return super().load(name)
        except ModuleNotFoundError as exc:
            if not is_extra_dependency(exc, EXPORTER):
                raise
            return missing_extra(name, EXPORTER, exc.name)


@click.group(cls=ExporterGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The reference dashboard-summary service: seed its SQLite database, then serve it."""


def main() -> None:
    run_guarded(cli)
