"""Where the k6 binary is: $K6, `tools.k6` in .obsgen.yaml, PATH, or next to the running Python (the
venv's `k6` package); see generator/tool_lookup.py."""
from __future__ import annotations

from pathlib import Path

from generator import tool_lookup

K6_EXIT_THRESHOLDS = 99  # k6's own exit code when thresholds are crossed (or abortOnFail stopped it)
INSTALL_HINT = tool_lookup.install_hint("k6")


def find_k6(root: Path | None = None) -> Path:
    """The k6 executable, or ToolMissing naming where it was looked for."""
    return Path(tool_lookup.find_tool("k6", root))
