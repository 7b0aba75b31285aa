"""A click group that imports a subcommand's module the first time the subcommand is needed, so that
one command never pays for another's imports (shared by `obsgen` and `obsgen-exporter`)."""
from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """Subcommands from `commands`: name -> (module under `package`, attribute)."""

    package: str = ""
    commands_table: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.commands_table))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in self.commands_table:
            return command
        command = self.load(name)
        self.add_command(command, name)
        return command

    def load(self, name: str) -> click.Command:
        module, attribute = self.commands_table[name]
        return getattr(importlib.import_module(f"{self.package}.{module}"), attribute)
