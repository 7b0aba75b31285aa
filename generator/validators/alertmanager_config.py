"""Validation step: the generated Alertmanager config, checked by the real amtool.

`amtool check-config` must accept each rendered config, and `amtool config routes test` must send
every severity the catalog allows to the receiver the catalog's `alerting:` section names for it.
The configs are checked as rendered in memory, so a stale file on disk cannot hide a broken one.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from generator import tool_lookup
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


def check_alertmanager_config(ctx) -> list[Finding]:
    configs = [(c, alertmanager.config_path(c)) for c in ctx.catalogs
               if c.alerting is not None and alertmanager.config_path(c) in ctx.rendered.artifacts]
    if not configs:
        return []
    amtool = find_amtool(ctx.root)
    findings = []
    with tempfile.TemporaryDirectory(prefix="obsgen-amtool-", dir=ctx.workdir) as tmp:
        for catalog, rel in configs:
            path = Path(tmp) / Path(rel).name
            path.write_text(ctx.rendered.artifacts[rel], encoding="utf-8")
            checked = _run(amtool, "check-config", str(path))
            if checked.returncode != 0:
                message = (checked.stderr or checked.stdout).strip().splitlines()[-1:] or ["rejected"]
                findings.append(Finding(CHECK, "alertmanager-config-rejected",
                                        f"amtool check-config rejects the config: {message[0]}", file=rel))
                continue
            for severity in catalog.service.severities:
                expected = catalog.alerting.receiver_for(severity)
                routed = _run(amtool, "config", "routes", "test", f"--config.file={path}", f"severity={severity}")
                got = routed.stdout.strip()
                if routed.returncode != 0 or got != expected:
                    findings.append(Finding(CHECK, "alertmanager-route-mismatch",
                                            f"severity={severity} is routed to {got or '(nothing)'}, the catalog "
                                            f"names {expected}", file=rel, item=severity))
    return findings
