"""Run `obsgen generate` on mutated catalogs, in-process, and judge every outcome.

Each case gets its own project directory: the mutated catalog next to the artifacts generated from
the original (hard links, so a case costs next to nothing to set up; obsgen writes by rename, so
the originals are never touched). A case passes when it either
  - exits 3 with every problem located as `catalog/<name>.yaml:<line>:`, no traceback, a short
    message, and every artifact byte for byte as it was; or
  - exits 0, leaves no temporary file behind, and its rule files pass `promtool check rules`
    (one batched promtool call per batch of cases, not one per case).
Anything else (another exit code, an exception escaping the CLI, a rule file promtool refuses) is
a failure, reported with the seed and the mutations that produced it.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tests.fuzz.mutations import Mutant, Mutator

BATCH = 100  # cases whose rule files go to one promtool call
MAX_ERROR_OUTPUT = 64 * 1024  # an error report must never echo megabytes of the input
RULE_FOLDERS = ("alerts", "recording_rules")


@dataclass
class Report:
    cases: int = 0
    generated: int = 0
    refused: int = 0
    rule_files: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.cases} cases: {self.generated} generated ({self.rule_files} rule files promtool-checked), "
                f"{self.refused} refused with a located error, {len(self.failures)} failure(s)")


def run_cli(*args: str) -> tuple[int | None, str, str, str | None]:
    """The real entry point (`run_guarded`, which maps errors to exit codes), in-process:
    (exit code, stdout, stderr, traceback of an exception that escaped it)."""
    from generator.cli import cli
    from generator.cli.common import run_guarded

    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["obsgen", *args]
    code, crash = None, None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            run_guarded(cli)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - that is what the fuzzer looks for
        crash = traceback.format_exc()
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue(), crash


def _snapshot(root: Path, catalog_rel: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).as_posix() != catalog_rel}


def make_template(catalog: Path, workdir: Path) -> Path:
    """A project holding `catalog` and everything generated from it."""
    template = workdir / "template"
    (template / "catalog").mkdir(parents=True)
    shutil.copy(catalog, template / "catalog" / catalog.name)
    code, out, err, crash = run_cli("generate", "--root", str(template))
    if code != 0:
        raise RuntimeError(f"the unmutated catalog does not generate: {code} {err} {crash}")
    return template


class Fuzzer:
    def __init__(self, catalog: Path, workdir: Path):
        self.catalog, self.workdir = catalog, workdir
        self.rel = f"catalog/{catalog.name}"
        self.mutator = Mutator(catalog.read_text(encoding="utf-8"))
        self.template = make_template(catalog, workdir)
        self.before = _snapshot(self.template, self.rel)
        self.located = re.compile(rf"^  {re.escape(self.rel)}:\d+: ", re.M)

    def case(self, seed: int, report: Report, generated: dict[Path, str]) -> None:
        mutant = self.mutator.mutant(seed)
        root = self.workdir / f"case-{seed}"
        shutil.copytree(self.template, root, copy_function=os.link)
        (root / self.rel).unlink()
        (root / self.rel).write_bytes(mutant.content)
        code, out, err, crash = run_cli("generate", "--root", str(root))
        report.cases += 1
        problem = self.judge(root, mutant, code, err, crash)
        if problem:
            report.failures.append(f"seed {seed} ({mutant.describe()}): {problem}")
        elif code == 0:
            report.generated += 1
            for folder in RULE_FOLDERS:
                for path in sorted((root / folder).glob("*.yaml")):
                    generated[path] = f"seed {seed} ({mutant.describe()})"
            return  # kept until its rule files are checked
        else:
            report.refused += 1
        shutil.rmtree(root)

    def judge(self, root: Path, mutant: Mutant, code, err: str, crash: str | None) -> str | None:
        if crash:
            return "an exception escaped the CLI:\n" + crash[-3000:]
        if "Traceback" in err:
            return "a traceback was printed:\n" + err[-3000:]
        if len(err) > MAX_ERROR_OUTPUT:
            return f"{len(err):,} characters of error output"
        if code == 3:
            problems = [line for line in err.splitlines()[1:] if line.startswith("  ")]
            if not problems or len(self.located.findall(err)) != len(problems):
                return f"exit 3 without a file:line location for every problem:\n{err[-2000:]}"
            after = _snapshot(root, self.rel)
            if after != self.before:
                changed = sorted(set(after) ^ set(self.before) | {k for k in after if after[k] != self.before.get(k)})
                return f"exit 3 but files changed: {changed[:10]}"
            return None
        if code == 0:
            leftovers = [p.name for p in root.rglob("*.tmp")]
            return f"temporary files left: {leftovers}" if leftovers else None
        return f"exit {code} (only 0 or 3 are right for a catalog):\n{err[-2000:]}"

    def run(self, seeds: Iterable[int], report: Report | None = None) -> Report:
        report = report or Report()
        generated: dict[Path, str] = {}
        for n, seed in enumerate(seeds, 1):
            self.case(seed, report, generated)
            if n % BATCH == 0:
                self.check_rules(generated, report)
        self.check_rules(generated, report)
        return report

    def check_rules(self, generated: dict[Path, str], report: Report) -> None:
        if generated:
            for path, message in promtool_check(sorted(generated)).items():
                report.failures.append(f"{generated[path]}: promtool refused {path.name}: {message}")
            report.rule_files += len(generated)
        for root in {p.parent.parent for p in generated}:
            shutil.rmtree(root, ignore_errors=True)
        generated.clear()


def promtool_check(files: list[Path]) -> dict[Path, str]:
    """One `promtool check rules` over all files -> {file: what promtool said} for the refused ones."""
    result = subprocess.run(["promtool", "check", "rules", "--lint=none", *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    output = result.stdout  # one stream: a FAILED line follows the "Checking" line of its file
    refused: dict[Path, str] = {}
    by_name = {str(f): f for f in files}
    current = None
    for line in output.splitlines():
        if line.startswith("Checking "):
            current = by_name.get(line[len("Checking "):].strip())
        elif current is not None and line.strip() and "SUCCESS" not in line:
            refused[current] = (refused.get(current, "") + " " + line.strip()).strip()[:1000]
    if result.returncode != 0 and not refused:
        refused[files[0]] = f"promtool exited {result.returncode}: {output[-1000:]}"
    return refused
