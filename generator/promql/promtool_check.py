"""Ask promtool which of many PromQL expressions it accepts, in one `promtool check rules` call.

Each expression becomes the only rule of its own group in one temporary rule file; promtool names
the group of every rule it refuses, so one run gives a verdict for each expression. Expressions that
a YAML file cannot carry (lone surrogates, from invalid UTF-8) get no verdict.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

_GROUP_ERROR_RE = re.compile(r'group "e(\d+)", rule \d+, "[^"]*": (.*)')
# Characters a YAML double-quoted scalar must escape (line breaks would be folded into spaces).
_YAML_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class PromtoolUnavailable(RuntimeError):
    pass


def yaml_quoted(text: str) -> str | None:
    """The text as a YAML double-quoted scalar, or None when YAML cannot carry it."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code < 0xE000:
            return None
        if ch in _YAML_ESCAPE:
            out.append(_YAML_ESCAPE[ch])
        elif code < 0x20 or code in (0x7F, 0x85, 0xA0, 0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def promtool_verdicts(exprs: list[str], promtool: str = "", timeout: float = 120) -> list[str | None | bool]:
    """For each expression: None when promtool accepts it, its error text when it refuses it,
    False when it cannot be put in a rule file."""
    promtool = promtool or os.environ.get("PROMTOOL", "promtool")
    lines, carried = ["groups:"], []
    for index, expr in enumerate(exprs):
        quoted = yaml_quoted(expr)
        carried.append(quoted is not None)
        if quoted is not None:
            lines += [f"- name: e{index}", "  rules:", f"  - record: r{index}", f"    expr: {quoted}"]
    with tempfile.TemporaryDirectory(prefix="obsgen-promql-") as tmp:
        path = Path(tmp) / "exprs.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True,
                                    errors="replace", timeout=timeout)  # its messages quote invalid UTF-8
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PromtoolUnavailable(f"{promtool}: {exc}") from None
    output = result.stdout + result.stderr
    errors: dict[int, str] = {}
    for line in output.splitlines():
        match = _GROUP_ERROR_RE.search(line)
        if match:
            errors.setdefault(int(match.group(1)), match.group(2))
    if result.returncode not in (0, 1) or (result.returncode == 1 and not errors):
        raise PromtoolUnavailable(f"promtool check rules failed without naming a rule:\n{output[-2000:]}")
    return [errors.get(i) if ok else False for i, ok in enumerate(carried)]
