"""The `obsgen` command line: a thin layer over generator.pipeline and friends.

Each subcommand lives in its own module and is registered here in one line.
"""
from __future__ import annotations

import click

from generator.cli.common import run_guarded
from generator.cli.check_metrics import check_metrics
from generator.cli.deploy import deploy
from generator.cli.diff import diff
from generator.cli.generate import generate
from generator.cli.loadtest import loadtest
from generator.cli.seed import seed
from generator.cli.serve import serve
from generator.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Observability as code: one metric catalog -> dashboards, rules, tests, load tests."""


cli.add_command(generate)
cli.add_command(deploy)
cli.add_command(diff)
cli.add_command(loadtest)
cli.add_command(seed)
cli.add_command(serve)
cli.add_command(validate)
cli.add_command(check_metrics)


def main() -> None:
    run_guarded(cli)
