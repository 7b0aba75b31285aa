"""`deploy prometheus`: write rule files into Prometheus' rules directory, reload, verify, roll back.

1. The new files are written atomically (all staged, then renamed; see generator.writers); files
   of the same catalogs that are no longer rendered are removed, other files are never touched.
2. POST /-/reload (Prometheus runs with --web.enable-lifecycle); it answers after the reload.
3. GET /api/v1/rules: every group we wrote must be loaded, from our file, with its rule count.
4. If Prometheus refuses the reload, or a group is missing or short, the previous files are put
   back (changed ones restored, new ones removed) and Prometheus is reloaded onto them.
"""
from __future__ import annotations

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
    out = []
    for rel, text in sorted(files.items()):
        for group in (yaml.safe_load(text) or {}).get("groups", []):
            out.append(ExpectedGroup(rel, str(group.get("name")), len(group.get("rules") or [])))
    return out


class PrometheusDeploy:
    def __init__(self, url: str, rules_dir: Path, timeout: float = 30.0, out: Callable[[str], None] = print):
        self.url, self.rules_dir, self.timeout, self.out = url.rstrip("/"), rules_dir, timeout, out

    def run(self, files: dict[str, str], catalogs: set[str]) -> RulesReport:
        """Deploy `files` ({name inside rules_dir: text}); raises PrometheusDeployError when they are not live."""
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        plan = writers.plan(self.rules_dir, files, {"."}, catalogs)
        previous = {rel: (self.rules_dir / rel).read_text(encoding="utf-8") for rel in plan.update + plan.remove}
        report = RulesReport(plan.create + plan.update, plan.remove, plan.unchanged, expected_groups(files))
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
            return requests.request(method, self.url + path, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PrometheusDeployError(f"{method} {self.url}{path}: cannot reach Prometheus "
                                        f"({type(exc).__name__})", rolled_back=False, unreachable=True) from None

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
        response = self._call("GET", "/api/v1/rules")
        if response.status_code != 200:
            raise PrometheusDeployError(f"GET /api/v1/rules answered HTTP {response.status_code}", rolled_back=False)
        return response.json()["data"]["groups"]

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
    def _restore(self, previous: dict[str, str], created: list[str]) -> str:
        """Put the previous files back and reload onto them; returns a note when that reload fails."""
        for rel, text in sorted(previous.items()):
            writers.write_text_atomic(self.rules_dir / rel, text)
        for rel in created:
            (self.rules_dir / rel).unlink(missing_ok=True)
        self.out(f"restored  {len(previous)} previous file(s), removed {len(created)} new one(s)")
        try:
            self._reload()
        except PrometheusDeployError as exc:
            return f" (reloading onto them failed too: {exc})"
        return ""
