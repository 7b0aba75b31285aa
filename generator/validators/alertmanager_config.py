"""Validation step: the one generated Alertmanager config, checked by the real amtool.

`amtool check-config` must accept it, and `amtool config routes test` must send test alerts where
the catalogs say: for each catalog, one alert per allowed severity, and one per route (at any depth)
whose labels satisfy the matchers of that route and of its parents. The expected receivers come
from the model's own evaluation of the catalog's routes (`Alerting.receivers_for`), so a subtree
shadowed by another catalog's, or a route no alert can reach, is reported at the catalog line.
The config is checked as rendered in memory, so a stale file on disk cannot hide a broken one.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from generator import tool_lookup
from generator.model import Catalog, Matcher, Route
from generator.renderers import alertmanager
from generator.validators.findings import Finding

CHECK = "amtool-check"
TIMEOUT_SECONDS = 30
INSTALL_HINT = tool_lookup.install_hint("amtool")


def find_amtool(root: Path | None = None) -> str:
    """$AMTOOL, `tools.amtool` in .obsgen.yaml, then PATH; ToolMissing with the install hint otherwise."""
    return tool_lookup.find_tool("amtool", root)


def _run(amtool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([amtool, *args], capture_output=True, text=True, timeout=TIMEOUT_SECONDS)


def _candidates(matcher: Matcher) -> list[str]:
    if matcher.op == "=":
        return [matcher.value]
    if matcher.op == "=~":
        inner = re.sub(r"^\^?\(?|\)?\$?$", "", matcher.value)
        return [matcher.value, *inner.split("|"), inner]
    return []


def witness(matchers: tuple[Matcher, ...]) -> dict[str, str] | None:
    """Labels that satisfy every matcher, or None when no simple value is found."""
    labels: dict[str, str] = {}
    for name in dict.fromkeys(m.name for m in matchers):
        on_name = [m for m in matchers if m.name == name]
        values = [v for m in on_name for v in _candidates(m)] + ["", "obsgen-route-test"]
        value = next((v for v in values if all(m.matches({name: v}) for m in on_name)), None)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


def _walk(routes: tuple[Route, ...], parents: tuple[Matcher, ...] = ()):
    for route in routes:
        yield route, parents + route.matchers
        yield from _walk(route.routes, parents + route.matchers)


def route_cases(catalog: Catalog) -> list[tuple[str, dict[str, str], str, Route | None]]:
    """(item, labels, doc_path, route) of every test alert of the catalog; labels None = untestable."""
    alerting = catalog.alerting
    base = dict(alerting.match)
    cases = [(f"severity={s}", {**base, "severity": s}, "alerting", None) for s in catalog.service.severities]
    for route, matchers in _walk(alerting.routes):
        labels = witness(tuple(Matcher(k, "=", v) for k, v in alerting.match) + matchers)
        item = f"route {route.doc_path.removeprefix('alerting.')} -> {route.receiver}"
        cases.append((item, labels, route.doc_path, route))
    return cases


def check_alertmanager_config(ctx) -> list[Finding]:
    rel = alertmanager.CONFIG_PATH
    catalogs = [c for c in ctx.catalogs if c.alerting is not None]
    if rel not in ctx.rendered.artifacts or not catalogs:
        return []
    amtool = find_amtool(ctx.root)
    findings = []
    with tempfile.TemporaryDirectory(prefix="obsgen-amtool-", dir=ctx.workdir) as tmp:
        path = Path(tmp) / Path(rel).name
        path.write_text(ctx.rendered.artifacts[rel], encoding="utf-8")
        checked = _run(amtool, "check-config", str(path))
        if checked.returncode != 0:
            message = (checked.stderr or checked.stdout).strip().splitlines()[-1:] or ["rejected"]
            return [Finding(CHECK, "alertmanager-config-rejected",
                            f"amtool check-config rejects the config: {message[0]}", file=rel)]
        for catalog in catalogs:
            findings += _route_findings(amtool, path, catalog)
    return findings


def _route_findings(amtool: str, path: Path, catalog: Catalog) -> list[Finding]:
    file = catalog.path.as_posix()
    findings = []
    for item, labels, doc_path, route in route_cases(catalog):
        line = catalog.line_of(doc_path)
        if labels is None:
            findings.append(Finding(CHECK, "alertmanager-route-untestable", "no label values satisfy this route's "
                                    "matchers (with its parents'); no alert can reach it", file=file, line=line,
                                    item=item))
            continue
        expected = ",".join(catalog.alerting.receivers_for(labels))
        routed = _run(amtool, "config", "routes", "test", f"--config.file={path}",
                      *(f"{k}={v}" for k, v in sorted(labels.items())))
        got = routed.stdout.strip()
        if routed.returncode != 0 or got != expected:
            findings.append(Finding(CHECK, "alertmanager-route-mismatch",
                                    f"{_text(labels)} is routed to {got or '(nothing)'}, the catalog names {expected} "
                                    f"(another catalog's subtree may match these labels first)",
                                    file=file, line=line, item=item))
        elif route is not None and not route.routes and route.receiver not in expected.split(","):
            findings.append(Finding(CHECK, "alertmanager-route-unreachable",
                                    f"{_text(labels)} goes to {expected}: an earlier route takes every alert "
                                    f"this one matches", file=file, line=line, item=item, severity="warning"))
    return findings


def _text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
