"""`obsgen-exporter`: the reference service's own command line, apart from `obsgen`.

`obsgen-exporter seed` fills a database with the datasets, `obsgen-exporter serve` runs the HTTP
service. A subcommand's module is imported only when it runs (or when `--help` lists them), so a
missing dependency of the optional extra `obsgen[exporter]` is reported by the command that needs it.
Errors get the same exit codes as `obsgen` (README, "Exit codes") and never a traceback.
"""
from __future__ import annotations

import importlib

import click

from exporter.cli.extras import EXPORTER, is_extra_dependency, missing_extra
from generator.cli.common import run_guarded

PROG = "obsgen-exporter"
# command name -> (module under exporter.cli, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "seed": ("seed", "seed"),
    "serve": ("serve", "serve"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in COMMANDS:
            return command
        module, attribute = COMMANDS[name]
        try:
            command = getattr(importlib.import_module(f"exporter.cli.{module}"), attribute)
        except ModuleNotFoundError as exc:
            if not is_extra_dependency(exc, EXPORTER):
                raise
            command = missing_extra(name, EXPORTER, exc.name)
        self.add_command(command, name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The reference dashboard-summary service: seed its SQLite database, then serve it."""


def main() -> None:
    run_guarded(cli)
