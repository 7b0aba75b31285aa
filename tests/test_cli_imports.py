"""Start-up cost: each subcommand imports only what it uses.

The module set is read from `sys.modules` of a fresh interpreter that runs the real CLI entry point,
so an import added at the top of any module on the path of `generate dashboards` shows up here.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.catalog_builder import every_artifact

_PROBE = """
import json, sys
sys.argv = ["obsgen", *json.loads(sys.argv[1])]
from generator.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# What `generate dashboards` must never load: the HTTP client (deploy), the exporter and what only it
# needs (sqlite3, prometheus_client, the HTTP server), the diff, deploy, validators, the other renderers
# and the promtool test derivation.
FORBIDDEN_TOP = {"requests", "urllib3", "exporter", "sqlite3", "prometheus_client", "http", "socketserver",
                 "subprocess", "difflib", "xml", "email"}
FORBIDDEN_PREFIXES = ("generator.diff", "generator.deploy", "generator.validators", "generator.loadtest",
                      "generator.promtool", "generator.build.rule_test_cases", "generator.build.steady_state",
                      "generator.renderers.k6", "generator.renderers.rules", "generator.renderers.rule_tests",
                      "generator.renderers.alertmanager", "generator.renderers.kubernetes",
                      "generator.renderers.mimir", "generator.cli.deploy", "generator.cli.diff",
                      "generator.cli.validate",
                      "generator.cli.loadtest", "generator.cli.check_metrics")


def _modules(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], cwd=cwd, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def test_generate_dashboards_loads_only_what_it_needs(tmp_path):
    every_artifact("shop").write(tmp_path)
    code, modules = _modules(["generate", "dashboards"], tmp_path)
    assert code == 0
    assert (tmp_path / "dashboards" / "shop.json").is_file()
    assert not (tmp_path / "alerts").exists()  # only the dashboards were rendered
    tops = {m.split(".")[0] for m in modules}
    assert FORBIDDEN_TOP & tops == set()
    assert sorted(m for m in modules if m.startswith(FORBIDDEN_PREFIXES)) == []
    # what it does need is there: the probe really ran the command
    assert {"grafanalib.core", "yaml", "click", "generator.renderers.dashboards", "generator.catalog.loader"} <= modules


def test_every_subcommand_is_still_registered():
    code, modules = _modules(["--help"], Path.cwd())
    assert code == 0
    # listing the commands for --help imports each subcommand module; every one of them is reachable
    for module in ("generate", "deploy", "diff", "loadtest", "validate", "check_metrics", "lint", "import_cmd", "init",
                   "schema"):
        assert f"generator.cli.{module}" in modules
    # every command of obsgen is listed, yet the reference exporter is not loaded: it has its own script
    assert sorted(m for m in modules if m == "exporter" or m.startswith("exporter.")) == []


def test_help_lists_every_subcommand():
    out = subprocess.run([str(Path(sys.executable).with_name("obsgen")), "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {"check-metrics", "deploy", "diff", "generate", "import", "init", "lint", "loadtest", "schema", "validate"}
