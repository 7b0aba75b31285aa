"""The `obsgen` command line: a thin layer over generator.pipeline and friends.

Each subcommand lives in its own module and is registered here in one line. A subcommand's module
is imported only when that subcommand runs (or when `--help` lists them all), so `obsgen generate
dashboards` never pays for the HTTP client of `deploy`, the diff or the validators.
"""
from __future__ import annotations

import click

from generator.cli.common import run_guarded
from generator.cli.lazy import LazyGroup

# command name -> (module under generator.cli, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("generate", "generate"),
    "deploy": ("deploy", "deploy"),
    "diff": ("diff", "diff"),
    "loadtest": ("loadtest", "loadtest"),
    "validate": ("validate", "validate"),
    "check-metrics": ("check_metrics", "check_metrics"),
    "import": ("import_cmd", "import_"),
    "lint": ("lint", "lint"),
    "init": ("init", "init"),
    "schema": ("schema", "schema"),
}
# commands that left `obsgen`: a usage error (exit 2) names the command that replaces them
MOVED: dict[str, str] = {
    "seed": "obsgen-exporter seed",
    "serve": "obsgen-exporter serve",
}


class ObsgenGroup(LazyGroup):
    """obsgen's subcommands; a command that moved out is a usage error naming its replacement."""

    package = "generator.cli"
    commands_table = COMMANDS

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in MOVED:
            raise click.UsageError(f"`obsgen {name}` has moved to its own console script: run `{MOVED[name]}` "
                                   "(same options)", ctx)
        return command


@click.group(cls=ObsgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Observability as code: one metric catalog -> dashboards, rules, tests, load tests."""


def main() -> None:
    run_guarded(cli)
