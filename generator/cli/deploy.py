"""`obsgen deploy grafana|prometheus`: push dashboards to the Grafana API, rule files to Prometheus.

Exit codes (README): 0 done, 2 usage (no credentials), 3 catalog invalid, 5 writing failed,
6 drift refused, 7 credentials refused (401/403), 8 change refused (400/404/409/412),
9 unreachable after retries, 10 Prometheus rejected the rules and the previous files are back.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePath

import click

from generator import pipeline
from generator.cli.common import catalog_option, load_catalogs, root_option
from generator.deploy.grafana import GrafanaDeploy, Options, wanted_dashboards
from generator.deploy.grafana_client import (Credentials, GrafanaAuthError, GrafanaClient, GrafanaRejected,
                                             GrafanaUnavailable, RetryPolicy, redact)
from generator.deploy.prometheus import PrometheusDeploy, PrometheusDeployError
from generator.deploy.revision import git_revision
from generator.errors import EXIT_AUTH, EXIT_REJECTED, EXIT_ROLLED_BACK, EXIT_UNREACHABLE


@click.group()
def deploy() -> None:
    """Deploy generated artifacts: dashboards to Grafana, rule files to Prometheus."""


def _credentials(token_env: str, user: str | None, password_env: str) -> Credentials:
    token = os.environ.get(token_env, "").strip()
    if token:
        return Credentials(token=token)
    if user:
        return Credentials(user=user, password=os.environ.get(password_env, ""))
    raise click.UsageError(f"no Grafana credentials: set ${token_env} to a service-account token, "
                           f"or give --user and set ${password_env}")


@deploy.command("grafana")
@catalog_option
@root_option
@click.option("--url", envvar="GRAFANA_URL", required=True, help="Grafana base URL (env GRAFANA_URL).")
@click.option("--token-env", default="GRAFANA_TOKEN", show_default=True,
              help="Environment variable holding a service-account token (sent as a Bearer token).")
@click.option("--user", envvar="GRAFANA_USER", help="Basic-auth user, when no token is set (env GRAFANA_USER).")
@click.option("--password-env", default="GRAFANA_PASSWORD", show_default=True,
              help="Environment variable holding the basic-auth password.")
@click.option("--org-id", type=int, envvar="GRAFANA_ORG_ID", help="Organisation id (X-Grafana-Org-Id header).")
@click.option("--revision", help="Revision named in the version message. Default: $GITHUB_SHA or git HEAD.")
@click.option("--dry-run", is_flag=True, help="Read only: print the plan (create, update, unchanged) with diffs.")
@click.option("--force", is_flag=True, help="Overwrite (or prune) dashboards changed in Grafana since our deploy.")
@click.option("--prune", is_flag=True,
              help="Delete dashboards obsgen deployed for these services that the catalogs no longer have.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per HTTP request.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries on 5xx, connection errors and timeouts (exponential backoff).")
@click.option("--backoff", type=float, default=0.5, show_default=True, help="Seconds before the first retry.")
@click.option("--diff-lines", type=int, default=60, show_default=True, help="Diff lines shown per dashboard.")
def grafana(catalogs, root, url, token_env, user, password_env, org_id, revision, dry_run, force, prune,
            timeout, retries, backoff, diff_lines) -> None:
    """Push the catalogs' dashboards through the Grafana HTTP API."""
    wanted = wanted_dashboards(load_catalogs(catalogs, root))
    credentials = _credentials(token_env, user, password_env)
    secrets = credentials.secrets

    def say(line: str, err: bool = False) -> None:
        click.echo(redact(line, secrets), err=err)

    client = GrafanaClient(url, credentials, org_id, timeout, RetryPolicy(retries + 1, backoff),
                           log=lambda line: say(line, err=True))
    options = Options(revision or git_revision(root), dry_run, force, prune, diff_lines)
    try:
        report = GrafanaDeploy(client, options, say).run(wanted)
    except GrafanaAuthError as exc:
        say(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_AUTH)
    except GrafanaUnavailable as exc:
        say(f"error: Grafana at {url} is unreachable: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_UNREACHABLE)
    except GrafanaRejected as exc:
        say(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_REJECTED)
    say(report.summary())
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


def rule_files(loaded) -> tuple[dict[str, str], set[str]]:
    """The catalogs' rule files, named by file name alone (one flat rules directory)."""
    rendered = pipeline.render_all(loaded, ["rules"])
    files: dict[str, str] = {}
    for rel, text in sorted(rendered.artifacts.items()):
        name = PurePath(rel).name
        if name in files:
            raise click.UsageError(f"two rule files are named {name}; rename a rule group")
        files[name] = text
    return files, rendered.catalogs


@deploy.command("prometheus")
@catalog_option
@root_option
@click.option("--rules-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory named in Prometheus' rule_files (e.g. /etc/prometheus/rules.d).")
@click.option("--url", envvar="PROMETHEUS_URL", required=True,
              help="Prometheus base URL (env PROMETHEUS_URL); it must run with --web.enable-lifecycle.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per HTTP request.")
def prometheus(catalogs, root, rules_dir, url, timeout) -> None:
    """Write the rule files into RULES_DIR atomically, reload Prometheus, verify, roll back on failure."""
    files, sources = rule_files(load_catalogs(catalogs, root))
    try:
        report = PrometheusDeploy(url, rules_dir, timeout, click.echo).run(files, sources)
    except PrometheusDeployError as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_UNREACHABLE if exc.unreachable else EXIT_ROLLED_BACK)
    click.echo(report.summary())
