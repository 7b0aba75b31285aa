"""The `--prometheus-version` option of `lint` and `validate`: which Prometheus the rules are for."""
from __future__ import annotations

import re

import click

from generator.promql.functions import TARGET

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?")


def prometheus_version(ctx, param, value: str) -> str:
    """"2.42", "3", "v3.1.0" -> "major.minor" (the function tables are keyed by it)."""
    match = _VERSION.fullmatch(value.strip().lstrip("v"))
    if match is None or int(match.group(1)) < 2:
        raise click.BadParameter(f"{value!r} is not a Prometheus version such as 2.42 or 3.0")
    return f"{int(match.group(1))}.{int(match.group(2) or 0)}"


version_option = click.option(
    "--prometheus-version", "target", default=TARGET, show_default=True, callback=prometheus_version,
    help="Prometheus version the rules are for: selects the PromQL functions (3.x-only ones are errors for 2.x, "
         "holt_winters for 3.x); 3 or later also runs the migration checks (prom3-*).")
