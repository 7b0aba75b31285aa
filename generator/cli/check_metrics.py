"""`obsgen check-metrics URL|FILE`: a live /metrics exposition (or a saved one) against the catalog,
plus `promtool check metrics`."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
import requests

from generator import promtool
from generator.cli.common import catalog_option, load_catalogs, root_option
from generator.errors import EXIT_FINDINGS, EXIT_IO
from generator.validators.exposition import check_exposition
from generator.validators.findings import ERROR, WARNING
from generator.validators.report import failing

TIMEOUT_SECONDS = 10


class UnreadableSource(click.ClickException):
    """A saved exposition that cannot be read: exit 5, the README's I/O error."""
    exit_code = EXIT_IO


def read_exposition(source: str) -> str:
    if source.startswith(("http://", "https://")):
        try:
            response = requests.get(source, timeout=TIMEOUT_SECONDS, headers={"Accept": "text/plain;version=0.0.4"})
        except requests.RequestException as exc:
            raise click.ClickException(f"cannot fetch {source}: {exc}") from None
        if response.status_code != 200:
            raise click.ClickException(f"{source} answered HTTP {response.status_code}")
        return response.text
    path = Path(source)
    try:
        if path.exists() and not path.is_file():
            raise UnreadableSource(f"cannot read {source}: not a regular file")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnreadableSource(f"cannot read {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"cannot read {source}: not UTF-8 text (byte {exc.start})") from None


@click.command("check-metrics")
@click.argument("source")
@catalog_option
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice([ERROR, WARNING]), default=ERROR, show_default=True,
              help="Lowest severity that makes the command exit 1.")
@click.option("--promtool/--no-promtool", "use_promtool", default=True, show_default=True,
              help="Also run `promtool check metrics` (its lint problems are warnings).")
def check_metrics(source: str, catalogs: tuple[str, ...], root: Path, fmt: str, fail_on: str, use_promtool: bool) -> None:
    """Compare the exposition at SOURCE (http(s) URL or file) with the catalog."""
    loaded = load_catalogs(catalogs, root)
    if len(loaded) != 1:
        raise click.UsageError("several catalogs found: name the service's catalog with --catalog")
    text = read_exposition(source)
    findings = check_exposition(loaded[0], text, source)
    if use_promtool:
        findings += promtool.check_metrics(text, source=source)
    findings.sort(key=lambda f: (f.line or 0, f.item, f.rule))
    if fmt == "json":
        click.echo(json.dumps({"source": source, "catalog": loaded[0].path.as_posix(),
                               "ok": not any(failing(f, fail_on) for f in findings),
                               "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        for f in findings:
            click.echo(str(f))
        errors = sum(1 for f in findings if f.severity == ERROR)
        click.echo(f"{source}: {errors} error(s), {len(findings) - errors} warning(s) against {loaded[0].path.as_posix()}")
    if any(failing(f, fail_on) for f in findings):
        raise click.exceptions.Exit(EXIT_FINDINGS)
