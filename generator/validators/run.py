"""The validation runner behind `obsgen validate`: load the catalogs (step "catalog-schema"), build
the context once, then run STEPS in order. Each step is `fn(ctx) -> list[Finding]`.

An invalid catalog stops the run after "catalog-schema" (nothing else can be checked without it).
A missing tool raises ToolMissing (exit code 4) with its install hint.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator import pipeline
from generator.errors import CatalogError
from generator.promql.functions import TARGET
from generator.validators.context import build_context
from generator.validators.crosscheck import crosscheck
from generator.validators.dashboard_schema import check_dashboard_schema
from generator.validators.findings import ERROR, WARNING, Finding
from generator.validators.freshness import check_fresh
from generator.validators.alertmanager_config import check_alertmanager_config
from generator.validators.k6_archive import check_k6_archive
from generator.validators.lint import lint
from generator.validators.promtool_steps import check_promtool_rules, check_promtool_tests
from generator.validators.report import failing

LOAD_STEP = "catalog-schema"
SHARED_UNCHECKED = "shared-file-unchecked"  # --catalog, and another catalog of the project does not load
STEPS = [
    ("fresh", check_fresh),
    ("dashboard-schema", check_dashboard_schema),
    ("promtool-check", check_promtool_rules),
    ("promtool-test", check_promtool_tests),
    ("crosscheck", crosscheck),
    ("lint", lint),
    ("k6-archive", check_k6_archive),
    ("amtool-check", check_alertmanager_config),
]
STEP_NAMES = [LOAD_STEP] + [name for name, _ in STEPS]


@dataclass
class StepResult:
    name: str
    findings: list[Finding]
    seconds: float
    skipped: bool = False


@dataclass
class Result:
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.steps for f in s.findings]

    def failed(self, fail_on: str = ERROR) -> bool:
        return any(failing(f, fail_on) for f in self.findings)


def _catalog_findings(exc: CatalogError) -> list[Finding]:
    return [Finding(LOAD_STEP, "catalog-invalid", p.message, p.location.file, p.location.line, ERROR, "",
                    p.location.path) for p in exc.problems]


def validate(root: Path, catalogs: tuple[str, ...] | list[str] = (), skip: tuple[str, ...] = (),
             promtool_timeout: float | None = None, target: str = TARGET,
             grafana_schema_dir: Path | None = None) -> Result:
    started = time.perf_counter()
    result = Result()
    t0 = time.perf_counter()
    try:
        scope = pipeline.load_scope(catalogs, root)
    except CatalogError as exc:
        result.steps.append(StepResult(LOAD_STEP, _catalog_findings(exc), time.perf_counter() - t0))
        result.steps += [StepResult(name, [], 0.0, skipped=True) for name, _ in STEPS]
        result.seconds = time.perf_counter() - started
        return result
    ctx = build_context(root, scope)
    unchecked = [Finding(LOAD_STEP, SHARED_UNCHECKED, scope.note, rel, severity=WARNING) for rel in scope.untouched]
    result.steps.append(StepResult(LOAD_STEP, unchecked, time.perf_counter() - t0))
    with tempfile.TemporaryDirectory(prefix="obsgen-validate-") as workdir:
        ctx.workdir = Path(workdir)
        ctx.promtool_timeout = promtool_timeout
        ctx.target = target
        ctx.grafana_schema_dir = grafana_schema_dir
        blocked: list[Path] = []
        for name, step in STEPS:
            if name in skip:
                result.steps.append(StepResult(name, [], 0.0, skipped=True))
                continue
            if blocked:
                result.steps.append(StepResult(name, [], 0.0, skipped=True))  # the tools would block on a FIFO
                continue
            t0 = time.perf_counter()
            findings = step(ctx)
            result.steps.append(StepResult(name, list(findings), time.perf_counter() - t0))
            if not blocked:
                blocked = _unreadable_outputs(ctx)
                reported = {f.file for f in findings}
                result.steps[-1].findings.extend(
                    Finding(name, "not-a-regular-file", "is not a regular file, and promtool or k6 would block reading "
                            "it; the steps after `fresh` are skipped: remove it (`obsgen generate` replaces a generated "
                            "file)", rel) for rel in (p.relative_to(ctx.root).as_posix() for p in blocked)
                    if rel not in reported)
    result.seconds = time.perf_counter() - started
    return result


def _unreadable_outputs(ctx) -> list[Path]:
    """Paths in the generated folders that exist but are no regular file (a FIFO, a socket, a folder
    where a file belongs): promtool and k6 would read them and block. `fresh` reports them; the steps
    after it are skipped until `generate` repairs the tree."""
    artifacts = ctx.rendered.artifacts
    out = [ctx.root / rel for rel in sorted(artifacts) if (ctx.root / rel).exists() and not (ctx.root / rel).is_file()]
    for folder in sorted({Path(rel).parent for rel in artifacts}):
        if (ctx.root / folder).is_dir():
            out += [p for p in sorted((ctx.root / folder).iterdir())
                    if p.suffix in (".yaml", ".yml", ".json", ".js") and p.exists() and not p.is_file() and p not in out]
    return out
