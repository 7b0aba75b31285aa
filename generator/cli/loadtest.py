"""`obsgen loadtest`: run one generated k6 scenario against a live target, exit with k6's code."""
from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import catalog_option, load_catalogs, root_option
from generator.loadtest.runner import run_scenario

# Where the JSON summaries go unless --summary says otherwise: under the project root, in a folder
# the repository's .gitignore covers (never the working directory).
SUMMARY_DIR = Path("var") / "loadtest"


def _scenario(catalogs, name: str):
    found = {s.name: (c, s) for c in catalogs for s in c.scenarios}
    if name not in found:
        raise click.UsageError(f"unknown scenario {name!r}; the catalogs define: {', '.join(sorted(found)) or 'none'}")
    return found[name]


@click.command()
@click.argument("scenario")
@click.option("--base-url", envvar="BASE_URL", default=None,
              help="Where the service runs (env BASE_URL). Default: the catalog's load_tests.base_url.")
@click.option("--token", default=None,
              help="The secret of the scenario's auth, passed to k6 as its `auth.env` variable. Default: that "
                   "variable as set in the environment.")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the JSON summary goes. Default: var/loadtest/k6-summary-<scenario>.json under --root "
                   "(git-ignored).")
@click.option("--duration", default=None, help="Override the scenario's duration (constant-vus), e.g. 30s.")
@click.option("--iterations", type=int, default=None, help="Override the scenario's iteration count.")
@click.option("--think-time", type=float, default=None, help="Seconds each VU waits between requests.")
@catalog_option
@root_option
def loadtest(scenario: str, base_url: str | None, token: str | None, summary_path: Path | None, duration: str | None,
             iterations: int | None, think_time: float | None, catalogs: tuple[str, ...], root: Path) -> None:
    """Run the k6 script of SCENARIO (k6/<SCENARIO>.js) against --base-url (default: the catalog's
    load_tests.base_url).

    Exits with k6's own code: 0 when every threshold holds, 99 when one is crossed.
    """
    catalog, chosen = _scenario(load_catalogs(catalogs, root), scenario)
    base_url = base_url or catalog.load_test_settings.base_url
    script = root / "k6" / f"{chosen.script_name}.js"
    if not script.is_file():
        raise click.UsageError(f"{script} does not exist; run `obsgen generate k6` first")
    summary_path = summary_path or root / SUMMARY_DIR / f"k6-summary-{chosen.script_name}.json"
    if token is not None and chosen.auth is None:
        raise click.UsageError(f"scenario {chosen.name!r} has no auth; --token has nowhere to go")
    click.echo(f"loadtest: {chosen.script_name} ({chosen.description or chosen.name}) -> {base_url}", err=True)
    result = run_scenario(script, base_url, token, summary_path, duration=duration, iterations=iterations,
                          think_time=think_time, token_env=chosen.auth.env if chosen.auth else "TOKEN")
    if result.report:
        click.echo(f"verdict: {result.verdict}" + (f" (crossed: {'; '.join(result.crossed)})" if result.crossed else ""))
        click.echo(f"JSON summary: {result.summary_path}")
    else:
        click.echo(f"verdict: none (k6 exited {result.returncode} before writing a summary)", err=True)
    raise click.exceptions.Exit(result.returncode)
