"""A thin wrapper around Prometheus' promtool: find it, run it once per batch, parse what it says.

    tool = find_promtool()                   # $PROMTOOL, .obsgen.yaml tools:, PATH; ToolMissing with the install hint
    check_rules(["alerts/a.yaml", ...])      # one `promtool check rules` call -> [Finding]
    test_rules(["tests/rules/x.yaml", ...])  # one `promtool test rules` call  -> [Finding]
    test_batches([[...], [...]], workers=2)  # one call per batch, batches side by side
    check_metrics(exposition_text)           # `promtool check metrics` on stdin -> [Finding]

Written against promtool 2.42 (Debian bookworm): its output is plain text, so it is parsed here
(no --junit there); stdout and stderr are read as one stream so each message stays after the
"Checking <file>" line it belongs to. Rule files are kept valid for 3.x as well (see docs/tool-limits.md).
"""
from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator import tool_lookup
from generator.errors import ToolMissing
from generator.validators.findings import ERROR, WARNING, Finding

ENV_VAR = "PROMTOOL"
INSTALL_HINT = tool_lookup.install_hint("promtool")
TIMEOUT = 120  # seconds per promtool process; `obsgen validate --promtool-timeout` changes it for tests
TIMEOUT_RULE = "promtool-timeout"

_RULE_ERROR_RE = re.compile(
    r'^(?P<file>.+?): (?P<line>\d+):(?P<col>\d+): group "(?P<group>[^"]*)", rule (?P<index>\d+), '
    r'"(?P<rule>[^"]*)": (?P<message>.*)$')
_YAML_LINE_RE = re.compile(r"\bline (\d+):")
_TEST_HEAD_RE = re.compile(r'^(?:alertname: (?P<alert>[^,]+)|expr: "(?P<expr>.*)"), time: (?P<time>[^,]+),')


@dataclass(frozen=True)
class Promtool:
    path: str
    version: str  # "2.42.0"


@lru_cache(maxsize=8)
def _version_of(path: str) -> str:
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise ToolMissing(f"promtool at {path} cannot run ({exc.strerror or exc}); {INSTALL_HINT}") from None
    match = re.search(r"version (\d+\.\d+\.\d+)", result.stdout + result.stderr)
    if result.returncode != 0 or not match:
        raise ToolMissing(f"{path} does not answer like promtool (`--version` said: "
                          f"{(result.stdout + result.stderr).strip()[:200]!r}); {INSTALL_HINT}")
    return match.group(1)


def find_promtool(root: Path | None = None) -> Promtool:
    """promtool from $PROMTOOL, `tools.promtool` in .obsgen.yaml, else PATH (generator/tool_lookup.py);
    ToolMissing (exit code 4) with the install hint."""
    path = tool_lookup.find_tool("promtool", root)
    return Promtool(path, _version_of(path))


class _TimedOut(Exception):
    pass


def _run(tool: Promtool, args: list[str], stdin: str | None = None, cwd: Path | None = None,
         timeout: float | None = None, raise_timeout: bool = False,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    timeout = TIMEOUT if timeout is None else timeout
    try:
        return subprocess.run([tool.path, *args], input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired:
        if raise_timeout:
            raise _TimedOut() from None
        raise ToolMissing(f"promtool {' '.join(args[:2])} did not finish within {timeout:g} s") from None


def _blocks(output: str, marker: str) -> list[tuple[str, list[str]]]:
    """Split output into (file, lines after it) at each line starting with `marker`."""
    out: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        if line.startswith(marker):
            out.append((line[len(marker):].strip(), []))
        elif out:
            out[-1][1].append(line)
    return out


def check_rules(files: list[str | Path], tool: Promtool | None = None, check: str = "promtool-check") -> list[Finding]:
    """`promtool check rules` over every file in one call; one finding per problem."""
    files = [str(f) for f in files]
    if not files:
        return []
    tool = tool or find_promtool()
    result = _run(tool, ["check", "rules", *files])
    findings: list[Finding] = []
    for file, lines in _blocks(result.stdout, "Checking "):
        rest: list[str] = []
        for line in lines:
            match = _RULE_ERROR_RE.match(line)
            if match:
                findings.append(Finding(check, "invalid-promql" if "parse" in match["message"] else "invalid-rule",
                                        match["message"], match["file"], int(match["line"]), ERROR,
                                        match["group"], match["rule"]))
            elif line.strip() and not line.strip().startswith(("SUCCESS", "FAILED:")):
                rest.append(line.strip())
        if rest:
            text = " ".join(rest)
            duplicate = text.startswith("lint error")
            line_match = _YAML_LINE_RE.search(text)
            findings.append(Finding(check, "duplicate-rule" if duplicate else "invalid-rule-file", text, file,
                                    int(line_match.group(1)) if line_match else None, ERROR))
    if result.returncode != 0 and not findings:
        findings.append(Finding(check, "promtool-failed", result.stdout.strip()[-2000:] or f"exit {result.returncode}"))
    return findings


def _test_line(file: str, name: str) -> int | None:
    """Line of `- name: <name>` in a test file, so a failure points at its test."""
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if stripped.startswith("- name:") and stripped[len("- name:"):].strip().strip("'\"") == name:
            return number
    return None


def _test_failures(file: str, lines: list[str], check: str) -> list[Finding]:
    """Findings of one FAILED block; `file` is the test file they name (and whose lines they cite)."""
    findings, chunk = [], []
    for line in lines + [""]:
        if line.strip() and line.strip() not in ("FAILED:", "SUCCESS"):
            chunk.append(line.strip())
            continue
        if not chunk:
            continue
        name = ""
        if chunk[0].startswith("name: "):
            name = chunk.pop(0)[len("name: "):].rstrip(",")
        head = _TEST_HEAD_RE.match(chunk[0]) if chunk else None
        if head and head["alert"]:
            rule, item = "alert-test-failed", head["alert"]
        elif head:
            rule, item = "expr-test-failed", head["expr"]
        else:
            rule, item = "rule-test-error", ""
        message = " ".join(chunk)
        if name:
            message = f"test {name!r}: {message}"
        findings.append(Finding(check, rule, message, file, _test_line(file, name) if name else None, ERROR, "", item))
        chunk = []
    return findings


def test_rules(files: list[str | Path], tool: Promtool | None = None, check: str = "promtool-test",
               timeout: float | None = None, origins: dict[str, str] | None = None,
               cores: int | None = None) -> list[Finding]:
    """`promtool test rules` over every test file in one call; one finding per failing evaluation.

    `origins` maps a file given here to the file its findings name (a split test file to the test
    file it was cut from). A timeout is a finding of its own, naming the files that did not finish.
    `cores`: how many cores this process may use (GOMAXPROCS, unless the environment sets it)."""
    files = [str(f) for f in files]
    if not files:
        return []
    origins = origins or {}
    tool = tool or find_promtool()
    try:
        result = _run(tool, ["test", "rules", *files], timeout=timeout, raise_timeout=True, env=_go_env(cores))
    except _TimedOut:
        named = sorted({origins.get(f, f) for f in files})
        limit = TIMEOUT if timeout is None else timeout
        return [Finding(check, TIMEOUT_RULE, f"promtool test rules did not finish within {limit:g} s: the tests "
                        f"of this file in that batch ({len(files)} file(s) run together) have no verdict; raise the "
                        "limit with --promtool-timeout", name) for name in named]
    findings: list[Finding] = []
    for file, lines in _blocks(result.stdout, "Unit Testing:"):
        if any(line.strip() == "FAILED:" for line in lines):
            start = next(i for i, line in enumerate(lines) if line.strip() == "FAILED:")
            findings += _test_failures(origins.get(file, file), lines[start + 1:], check)
    if result.returncode != 0 and not findings:
        findings.append(Finding(check, "promtool-failed", result.stdout.strip()[-2000:] or f"exit {result.returncode}"))
    return findings


def test_batches(batches: list[list[str]], tool: Promtool | None = None, check: str = "promtool-test",
                 timeout: float | None = None, origins: dict[str, str] | None = None,
                 workers: int = 1) -> list[Finding]:
    """One `promtool test rules` process per batch, up to `workers` at a time; findings in batch order.
    A batch that times out is reported as such, and the others keep their findings."""
    batches = [b for b in batches if b]
    if not batches:
        return []
    tool = tool or find_promtool()

    # Batches side by side share the cores: each Go process is told its share (GOMAXPROCS), so that its
    # garbage collector does not run idle-time workers on the core the other batch is using.
    share = max(1, workers // min(workers, len(batches))) if workers > 1 else None

    def one(batch: list[str]) -> list[Finding]:
        return test_rules(batch, tool, check, timeout, origins, cores=share)

    if workers <= 1 or len(batches) == 1:
        results = [one(b) for b in batches]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(batches))) as pool:
            results = list(pool.map(one, batches))
    return [f for found in results for f in found]


def _go_env(cores: int | None) -> dict[str, str] | None:
    """The environment of a promtool process limited to `cores` (None: inherited as it is)."""
    if cores is None or "GOMAXPROCS" in os.environ:
        return None
    return {**os.environ, "GOMAXPROCS": str(cores)}


def check_metrics(text: str, tool: Promtool | None = None, source: str = "", check: str = "promtool-metrics") -> list[Finding]:
    """`promtool check metrics` on an exposition: its lint problems as warnings, parse errors as errors."""
    tool = tool or find_promtool()
    result = _run(tool, ["check", "metrics"], stdin=text)
    findings = []
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("error while linting"):
            findings.append(Finding(check, "exposition-unparsable", line, source, None, ERROR))
        else:
            metric, _, problem = line.partition(" ")
            findings.append(Finding(check, "promtool-lint", problem, source, None, WARNING, "", metric))
    if result.returncode not in (0, 3) and not findings:
        findings.append(Finding(check, "promtool-failed", f"promtool check metrics exited {result.returncode}", source))
    return findings
