"""`obsgen validate`: the one gate CI runs. Steps, in order: catalog schema, generated files fresh,
dashboard schema, promtool check, promtool test, cross-checks, lint (and k6 archive)."""
from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import catalog_option, root_option
from generator.cli.prometheus_version import version_option
from generator.errors import EXIT_CATALOG, EXIT_FINDINGS, EXIT_TOOL
from generator.promtool import TIMEOUT, TIMEOUT_RULE
from generator.validators.findings import ERROR, WARNING
from generator.validators.report import FORMATS, REPORTERS
from generator.validators.run import LOAD_STEP, STEP_NAMES, validate as run_validate


@click.command()
@catalog_option
@root_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: grouped by file; json; junit: JUnit XML for CI systems.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of stdout (a text summary still goes to stderr).")
@click.option("--fail-on", type=click.Choice([ERROR, WARNING]), default=ERROR, show_default=True,
              help="Lowest severity that makes validate exit 1.")
@click.option("--skip", multiple=True, type=click.Choice(STEP_NAMES[1:]), help="Skip a step (repeatable).")
@click.option("--promtool-timeout", type=click.FloatRange(min=0, min_open=True), default=TIMEOUT, show_default=True,
              envvar="OBSGEN_PROMTOOL_TIMEOUT", metavar="SECONDS",
              help="Time limit of each `promtool test rules` process ($OBSGEN_PROMTOOL_TIMEOUT); a batch past it is "
                   "reported, the rest of the report is kept, and validate exits 4.")
@click.option("--grafana-schema-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of Grafana's dashboard JSON schemas. Else $OBSGEN_GRAFANA_SCHEMA_DIR, grafana_schema_dir "
                   "in .obsgen.yaml, ~/.cache/obsgen/grafana-schema, ../shared/grafana-schema (docs/validation.md).")
@version_option
def validate(catalogs: tuple[str, ...], root: Path, fmt: str, output: Path | None, fail_on: str,
             skip: tuple[str, ...], promtool_timeout: float, grafana_schema_dir: Path | None, target: str) -> None:
    """Check the catalogs and every generated artifact; exit 1 on findings, 3 on an invalid catalog,
    4 when promtool or k6 is missing (or promtool ran out of time: the report still says what finished)."""
    result = run_validate(root, catalogs, skip, promtool_timeout, target, grafana_schema_dir)
    report = REPORTERS[fmt](result, fail_on)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
        click.echo(REPORTERS["text"](result, fail_on).rstrip().splitlines()[-1], err=True)
    else:
        click.echo(report, nl=False)
    if any(f.check == LOAD_STEP and f.severity == ERROR for f in result.findings):
        raise click.exceptions.Exit(EXIT_CATALOG)
    if any(f.rule == TIMEOUT_RULE for f in result.findings):
        raise click.exceptions.Exit(EXIT_TOOL)
    if result.failed(fail_on):
        raise click.exceptions.Exit(EXIT_FINDINGS)
