"""`obsgen deploy grafana|prometheus`: push dashboards to the Grafana API, rule files to Prometheus.

Exit codes (README): 0 done, 2 usage (no credentials, a URL or secret that cannot be used),
3 catalog invalid, 5 writing failed, 6 drift refused, 7 credentials refused (401/403), 8 change
refused (400/404/409/412) or an answer that is not the server's API, 9 unreachable after retries,
10 Prometheus rejected (or did not verifiably load) the rules and the previous files are back.
`deploy grafana` carries on past a failed dashboard and exits with the worst code (grafana.SEVERITY).
Every line printed passes through `redact`: no token or password is ever shown.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePath

import click

from generator import pipeline
from generator.cli.common import catalog_option, load_catalogs, root_option
from generator.deploy.endpoint import Endpoint, EndpointError, check_secret, parse_endpoint, redact
from generator.deploy.grafana import GrafanaDeploy, Options, exit_code_of, wanted_dashboards
from generator.deploy.grafana_client import Credentials, GrafanaClient, GrafanaError, GrafanaUnavailable, RetryPolicy
from generator.deploy.prometheus import ExpectedGroup, PrometheusDeploy, PrometheusDeployError
from generator.derive import derive
from generator.renderers.rules import group_path
from generator.deploy.revision import git_revision
from generator.errors import EXIT_ROLLED_BACK, EXIT_UNREACHABLE


@click.group()
def deploy() -> None:
    """Deploy generated artifacts: dashboards to Grafana, rule files to Prometheus."""


def _endpoint(url: str, what: str) -> Endpoint:
    try:
        return parse_endpoint(url, what)
    except EndpointError as exc:
        raise click.UsageError(str(exc)) from None


def _credentials(token_env: str, user: str | None, password_env: str, endpoint: Endpoint) -> Credentials:
    """A token, else --user with its password, else the URL's user-info; each checked before use."""
    unused = endpoint.secrets
    try:
        token = os.environ.get(token_env, "").strip()
        if token:
            check_secret(token, f"${token_env}")
            return Credentials(token=token, extra_secrets=unused)
        if user:
            password = os.environ.get(password_env, "")
            check_secret(password, f"${password_env}")
            check_secret(user, "--user")
            return Credentials(user=user, password=password, extra_secrets=unused)
    except EndpointError as exc:
        raise click.UsageError(str(exc)) from None
    if endpoint.user is not None:
        return Credentials(user=endpoint.user, password=endpoint.password or "")
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
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=10.0, show_default=True,
              help="Seconds per HTTP request.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries on 429, 5xx, connection errors, timeouts and cut-short answers (exponential backoff).")
@click.option("--backoff", type=click.FloatRange(0, 60), default=0.5, show_default=True,
              help="Seconds before the first retry (doubled each time, at most 8 s).")
@click.option("--max-retry-after", type=click.FloatRange(0, 3600), default=30.0, show_default=True,
              help="Longest Retry-After (429, 503) waited before a retry; a longer one ends the retries.")
@click.option("--diff-lines", type=int, default=60, show_default=True, help="Diff lines shown per dashboard.")
def grafana(catalogs, root, url, token_env, user, password_env, org_id, revision, dry_run, force, prune,
            timeout, retries, backoff, max_retry_after, diff_lines) -> None:
    """Push the catalogs' dashboards through the Grafana HTTP API."""
    endpoint = _endpoint(url, "--url (or $GRAFANA_URL)")
    credentials = _credentials(token_env, user, password_env, endpoint)
    secrets = credentials.secrets
    wanted = wanted_dashboards(load_catalogs(catalogs, root))

    def say(line: str, err: bool = False) -> None:
        click.echo(redact(line, secrets), err=err)

    retry = RetryPolicy(retries + 1, backoff, max_retry_after=max_retry_after)
    client = GrafanaClient(endpoint.url, credentials, org_id, timeout, retry, log=lambda line: say(line, err=True))
    options = Options(revision or git_revision(root), dry_run, force, prune, diff_lines)
    try:
        report = GrafanaDeploy(client, options, say, lambda line: say(line, err=True)).run(wanted)
    except GrafanaError as exc:  # the health check: nothing was tried
        where = f"Grafana at {endpoint.shown} is unreachable: " if isinstance(exc, GrafanaUnavailable) else ""
        say(f"error: {where}{exc}", err=True)
        raise click.exceptions.Exit(exit_code_of(exc))
    say("per dashboard:")
    for line in report.table():
        say(line)
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


def expected_groups(loaded) -> list[ExpectedGroup]:
    """The groups the rule files hold (file name, group, rule count), from the derived rule groups."""
    return sorted((ExpectedGroup(PurePath(group_path(g)).name, g.name, len(g.rules))
                   for catalog in loaded for g in derive(catalog).rule_groups), key=lambda e: (e.file, e.name))


@deploy.command("prometheus")
@catalog_option
@root_option
@click.option("--rules-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory named in Prometheus' rule_files (e.g. /etc/prometheus/rules.d).")
@click.option("--url", envvar="PROMETHEUS_URL", required=True,
              help="Prometheus base URL (env PROMETHEUS_URL); it must run with --web.enable-lifecycle.")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=30.0, show_default=True,
              help="Seconds per HTTP request.")
def prometheus(catalogs, root, rules_dir, url, timeout) -> None:
    """Write the rule files into RULES_DIR atomically, reload Prometheus, verify, roll back on failure."""
    endpoint = _endpoint(url, "--url (or $PROMETHEUS_URL)")
    auth = (endpoint.user, endpoint.password or "") if endpoint.user is not None else None

    def say(line: str, err: bool = False) -> None:
        click.echo(redact(line, endpoint.secrets), err=err)

    loaded = load_catalogs(catalogs, root)
    files, sources = rule_files(loaded)
    try:
        report = PrometheusDeploy(endpoint.url, rules_dir, timeout, say, auth, endpoint.shown).run(
            files, sources, expected_groups(loaded))
    except PrometheusDeployError as exc:
        say(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_UNREACHABLE if exc.unreachable else EXIT_ROLLED_BACK)
    say(report.summary())
