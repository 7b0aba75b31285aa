"""`deploy prometheus`: write rule files into Prometheus' rules directory, reload, verify, roll back.

1. The new files are written atomically (all staged, then renamed; see generator.writers); files
   of the same catalogs that are no longer rendered are removed, other files are never touched.
2. POST /-/reload (Prometheus runs with --web.enable-lifecycle); it answers after the reload.
3. GET /api/v1/rules: every group we wrote must be loaded, from our file, with its rule count.
4. If Prometheus refuses the reload, or a group is missing or short, or the answer of step 3
   cannot be read (no data, HTML, bad JSON, a cut-short body), the previous files are put back
   (changed ones restored with their modes, new ones removed) and Prometheus is reloaded onto them.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Callable

import requests
import yaml

from generator import writers


class PrometheusDeployError(Exception):
    """The new rules are not live; `rolled_back` says whether the previous files were restored."""

    def __init__(self, message: str, rolled_back: bool, unreachable: bool = False):
        self.rolled_back, self.unreachable = rolled_back, unreachable
        super().__init__(message)


@dataclass(frozen=True)
class ExpectedGroup:
    file: str
    name: str
    rules: int


@dataclass
class RulesReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    groups: list[ExpectedGroup] = field(default_factory=list)

    def summary(self) -> str:
        rules = sum(g.rules for g in self.groups)
        return (f"{len(self.written)} file(s) written, {len(self.removed)} removed, {len(self.unchanged)} unchanged; "
                f"Prometheus reloaded and serves {len(self.groups)} group(s) with {rules} rule(s) from them")


def expected_groups(files: dict[str, str]) -> list[ExpectedGroup]:
    """The groups of rule files given as text alone (`run` without the derived groups)."""
    out = []
    for rel, text in sorted(files.items()):
        for group in (yaml.safe_load(text) or {}).get("groups", []):
            out.append(ExpectedGroup(rel, str(group.get("name")), len(group.get("rules") or [])))
    return out


def _file_then_name(group: ExpectedGroup) -> tuple[str, str]:
    return group.file, group.name


@dataclass(frozen=True)
class Previous:
    """A rule file as it was before the deploy: its text and its permission bits."""

    text: str
    mode: int


class PrometheusDeploy:
    def __init__(self, url: str, rules_dir: Path, timeout: float = 30.0, out: Callable[[str], None] = print,
                 auth: tuple[str, str] | None = None, shown: str | None = None):
        self.url, self.rules_dir, self.timeout, self.out = url.rstrip("/"), rules_dir, timeout, out
        self.auth = auth  # basic auth, e.g. from the URL's user-info
        self.shown = (shown or url).rstrip("/")  # the URL as messages show it (no password)

    def run(self, files: dict[str, str], catalogs: set[str], expected: list[ExpectedGroup] | None = None) -> RulesReport:
        """Deploy `files` ({name inside rules_dir: text}); raises PrometheusDeployError when they are not live.
        `expected`: the groups Prometheus must then serve, from the derived rule groups (default: read
        from the files' text)."""
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        plan = writers.plan(self.rules_dir, files, {"."}, catalogs)
        previous = {rel: self._read_previous(rel) for rel in plan.update + plan.remove}
        report = RulesReport(plan.create + plan.update, plan.remove, plan.unchanged,
                             expected_groups(files) if expected is None else sorted(expected, key=_file_then_name))
        writers.write(self.rules_dir, files, plan)
        for rel in report.written:
            self.out(f"wrote     {self.rules_dir / rel}")
        for rel in report.removed:
            self.out(f"removed   {self.rules_dir / rel}")
        try:
            self._reload()
            self._verify(report.groups)
        except PrometheusDeployError as exc:
            note = self._restore(previous, plan.create)
            raise PrometheusDeployError(f"{exc}; the previous rule files were restored{note}",
                                        rolled_back=True, unreachable=exc.unreachable) from None
        return report

    # -- HTTP --------------------------------------------------------------------------------
    def _call(self, method: str, path: str) -> requests.Response:
        try:
            return requests.request(method, self.url + path, timeout=self.timeout, auth=self.auth)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise PrometheusDeployError(f"{method} {self.shown}{path}: the answer was cut short or undecodable "
                                        f"({type(exc).__name__})", rolled_back=False) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise PrometheusDeployError(f"{method} {self.shown}{path}: cannot reach Prometheus "
                                        f"({type(exc).__name__})", rolled_back=False, unreachable=True) from None
        except (requests.RequestException, ValueError) as exc:
            raise PrometheusDeployError(f"{method} {self.shown}{path}: the request could not be sent "
                                        f"({type(exc).__name__})", rolled_back=False) from None

    def _reload(self) -> None:
        response = self._call("POST", "/-/reload")
        if response.status_code == 403 or (response.status_code == 404 and "lifecycle" in response.text):
            raise PrometheusDeployError("Prometheus refuses /-/reload: start it with --web.enable-lifecycle",
                                        rolled_back=False)
        if response.status_code != 200:
            raise PrometheusDeployError(f"Prometheus rejected the new rule files (HTTP {response.status_code}: "
                                        f"{response.text.strip()[:500]}); check them with `promtool check rules`",
                                        rolled_back=False)
        self.out("reloaded  Prometheus")

    def loaded_groups(self) -> list[dict]:
        """The rule groups Prometheus serves: each a dict with a string "file" and "name" and a list "rules"."""
        response = self._call("GET", "/api/v1/rules")
        if response.status_code != 200:
            raise PrometheusDeployError(f"GET /api/v1/rules answered HTTP {response.status_code}", rolled_back=False)
        try:
            body = response.json()
        except (ValueError, RecursionError):
            kind = "HTML" if response.text.lstrip()[:1] == "<" else "a body that is not JSON"
            raise _unreadable(f"HTTP 200 with {kind} ({len(response.content)} byte(s))") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(body, dict) or body.get("status") != "success" or not isinstance(data, dict):
            raise _unreadable("JSON without \"status\": \"success\" and a \"data\" object")
        groups = data.get("groups")
        if not isinstance(groups, list) or not all(
                isinstance(g, dict) and isinstance(g.get("file"), str) and isinstance(g.get("name"), str)
                and isinstance(g.get("rules", []), list) for g in groups):
            raise _unreadable("JSON whose data.groups is not a list of groups with a file, a name and rules")
        return groups

    def _verify(self, expected: list[ExpectedGroup]) -> None:
        loaded = {(PurePath(g["file"]).name, g["name"]): len(g.get("rules", [])) for g in self.loaded_groups()}
        problems = []
        for group in expected:
            count = loaded.get((PurePath(group.file).name, group.name))
            if count is None:
                problems.append(f"group {group.name} from {group.file} is not loaded (is {self.rules_dir} "
                                "in the rule_files of Prometheus' configuration?)")
            elif count != group.rules:
                problems.append(f"group {group.name} from {group.file} has {count} rule(s), expected {group.rules}")
        if problems:
            raise PrometheusDeployError("; ".join(problems), rolled_back=False)
        self.out(f"verified  {len(expected)} group(s) loaded with the expected rule counts")

    # -- rollback ----------------------------------------------------------------------------
    def _read_previous(self, rel: str) -> Previous:
        path = self.rules_dir / rel
        return Previous(path.read_text(encoding="utf-8"), stat.S_IMODE(path.stat().st_mode))

    def _restore(self, previous: dict[str, Previous], created: list[str]) -> str:
        """Put the previous files back (with their modes) and reload onto them; returns a note when
        that reload fails."""
        for rel, old in sorted(previous.items()):
            _write_with_mode(self.rules_dir / rel, old.text, old.mode)
        for rel in created:
            (self.rules_dir / rel).unlink(missing_ok=True)
        self.out(f"restored  {len(previous)} previous file(s), removed {len(created)} new one(s)")
        try:
            self._reload()
        except PrometheusDeployError as exc:
            return f" (reloading onto them failed too: {exc})"
        return ""


def _unreadable(what: str) -> PrometheusDeployError:
    return PrometheusDeployError(f"GET /api/v1/rules answered {what}: the new rules cannot be verified",
                                 rolled_back=False)


def _write_with_mode(path: Path, text: str, mode: int) -> None:
    """Write `path` atomically with permission bits `mode`, set before the rename (Prometheus, which
    may run as another user, never sees the file with other bits)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
