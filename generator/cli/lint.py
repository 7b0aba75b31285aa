"""`obsgen lint PATH...`: the lint and cross-checks on any rule files and dashboards, no catalog
needed (docs/lint-rules.md). Exit 0 when clean, 1 on findings, 3 when an input cannot be read."""
from __future__ import annotations

from pathlib import Path

import click

from generator import pipeline
from generator.cli.prometheus_version import version_option
from generator.errors import EXIT_CATALOG, EXIT_FINDINGS

FORMATS = ("text", "json", "junit", "github")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(dir_okay=False),
              help="Catalog file (repeatable): also run the cross-checks against its metrics, labels and values.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file with `lint: {silences: [...]}`. Default: ./.obsgen.yaml when it exists.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text; json; junit: JUnit XML; github: GitHub Actions annotations (::error file=...,line=...::).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of stdout (the verdict still goes to stderr).")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
              help="Lowest severity that makes lint exit 1.")
@version_option
@click.option("--scrape-interval", default=None, metavar="DURATION",
              help="Scrape interval the rate-window check assumes. Default: the catalog's, else 15s.")
def lint(paths: tuple[Path, ...], catalogs: tuple[str, ...], config: Path | None, fmt: str, output: Path | None,
         fail_on: str, target: str, scrape_interval: str | None) -> None:
    """Lint rule files (plain, PrometheusRule, ConfigMap, Mimir) and Grafana dashboard JSON; directories are
    walked. Exit 0 when clean, 1 on findings, 3 when an input or the config cannot be read (nothing is written)."""
    from generator.lint_config import ConfigError, load_lint_config
    from generator.model import parse_duration
    from generator.validators.file_lint import DEFAULT_SCRAPE, LintOptions, lint_files
    from generator.validators.report import REPORTERS, github_report
    from generator.validators.rule_files import InputError, collect

    if scrape_interval is not None:
        try:
            parse_duration(scrape_interval)
        except ValueError:
            raise click.BadParameter(f"{scrape_interval!r} is not a duration such as 30s", param_hint="--scrape-interval")
    try:
        settings = load_lint_config(config)
        files, skipped = collect(list(paths))
    except (ConfigError, InputError) as exc:
        click.echo("error: lint cannot read its input; nothing was checked or written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.exceptions.Exit(EXIT_CATALOG) from None
    loaded = tuple(pipeline.load_all([Path(c) for c in catalogs], base=Path("."))) if catalogs else ()
    scrape = scrape_interval or (loaded[0].service.scrape_interval if loaded else DEFAULT_SCRAPE)
    result = lint_files(files, LintOptions(target, scrape, settings.silences, loaded, settings.file))
    reporters = {**REPORTERS, "github": github_report}
    report = reporters[fmt](result, fail_on, **({} if fmt == "json" else {"command": "lint"}))
    if skipped:
        click.echo(f"lint: skipped {len(skipped)} file(s) with no rules and no dashboard: {', '.join(skipped)}",
                   err=True)
    if output is not None:
        from generator.writers import write_text_atomic
        write_text_atomic(output, report)
        click.echo(reporters["text"](result, fail_on, command="lint").rstrip().splitlines()[-1], err=True)
    else:
        click.echo(report, nl=False)
    if result.failed(fail_on):
        raise click.exceptions.Exit(EXIT_FINDINGS)
