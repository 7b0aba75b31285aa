"""`obsgen import`: bootstrap a catalog from a /metrics page, rule files or Grafana dashboards.

Each subcommand reads everything first; warnings (what the catalog cannot express) are printed
with their file:line; the catalog is then written atomically, never over an existing file unless
`--force`. Bad input is a located error, exit 3, and nothing is written.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import click

from generator.errors import EXIT_CATALOG, EXIT_USAGE

_output = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       help="Catalog file to write. Default: print it on stdout.")
_force = click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")


def _service_name(ctx, param, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", value):
        raise click.BadParameter("lower-case letters, digits and '-', at most 40, starting with a letter or digit")
    return value


_service = click.option("--service", default=None, callback=_service_name,
                        help="service.name of the catalog (default: from the input).")


def _run(build, output: Path | None, force: bool, comment: str) -> None:
    from generator.importers import ImportFailure
    from generator.importers.emit import dump_catalog
    from generator.writers import write_text_atomic

    if output is not None and output.exists() and not force:
        refused = click.ClickException(f"{output} exists; nothing was written (pass --force to overwrite it)")
        refused.exit_code = EXIT_USAGE
        raise refused
    try:
        result = build()
    except ImportFailure as exc:
        click.echo("error: cannot import; nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.exceptions.Exit(EXIT_CATALOG) from exc
    for warning in sorted(result.warnings, key=lambda w: (w.location.file, w.location.line or 0)):
        click.echo(f"warning: {warning}", err=True)
    text = dump_catalog(result.catalog, comment)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
        click.echo(f"wrote {output} ({len(result.warnings)} warning(s))", err=True)


def _importer(module: str, name: str):
    return getattr(importlib.import_module(f"generator.importers.{module}"), name)


@click.group("import")
def import_() -> None:
    """Bootstrap a catalog from what exists: a /metrics page, rule files, Grafana dashboards, OpenSLO."""


@import_.command("metrics")
@click.argument("source")
@_output
@_force
@_service
@click.option("--max-values", type=click.IntRange(1), default=20, show_default=True,
              help="A label with more distinct values than this gets a pattern, not a value list.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a URL.")
def metrics(source: str, output: Path | None, force: bool, service: str | None, max_values: int,
            timeout: float) -> None:
    """Metrics from a live /metrics URL or a saved exposition FILE."""
    _run(lambda: _importer("metrics", "import_metrics")(source, service=service, max_values=max_values,
                                                        timeout=timeout),
         output, force, f"Imported by `obsgen import metrics` from {source}.")


@import_.command("rules")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_output
@_force
@_service
def rules(files: tuple[str, ...], output: Path | None, force: bool, service: str | None) -> None:
    """Alerts and recording rules from Prometheus rule files, PrometheusRule manifests, Mimir ruler files."""
    _run(lambda: _importer("rules", "import_rules")(list(files), service=service),
         output, force, f"Imported by `obsgen import rules` from {', '.join(files)}.")


@import_.command("dashboards")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_output
@_force
@_service
def dashboards(files: tuple[str, ...], output: Path | None, force: bool, service: str | None) -> None:
    """Dashboards from Grafana dashboard JSON (bare, or as `deploy grafana`/the HTTP API returns it)."""
    _run(lambda: _importer("dashboards", "import_dashboards")(list(files), service=service),
         output, force, f"Imported by `obsgen import dashboards` from {', '.join(files)}.")


@import_.command("openslo")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_output
@_force
@_service
def openslo(files: tuple[str, ...], output: Path | None, force: bool, service: str | None) -> None:
    """SLOs from OpenSLO v1 files (SLO, SLI, AlertPolicy, AlertCondition with burn-rate conditions)."""
    _run(lambda: _importer("openslo", "import_openslo")(list(files), service=service),
         output, force, f"Imported by `obsgen import openslo` from {', '.join(files)}.")
