"""Validation step "fresh": every generated file on disk is exactly what the catalogs render now.

A stale file is reported at its first differing line, with the command that fixes it. A temporary
file of obsgen's own naming (`.<name>.<random>.tmp`, left by a killed `generate`) is an orphan too,
and so is a mix of old and new files left by a kill between two renames: every old one is stale.
`obsgen generate` repairs both.
"""
from __future__ import annotations

from generator import writers
from generator.validators.findings import Finding

CHECK = "fresh"
FIX = "run `make generate` (obsgen generate) and commit the result"


def _first_difference(old: str, new: str) -> int:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines), 1):
        if a != b:
            return number
    return min(len(old_lines), len(new_lines)) + 1


def _orphan_reason(rel: str) -> str:
    if writers.is_temporary(rel.rsplit("/", 1)[-1]):
        return "temporary file left by an interrupted `obsgen generate` (generate removes it)"
    return "generated from a catalog item that no longer exists"


def check_fresh(ctx) -> list[Finding]:
    rendered = ctx.rendered
    plan = writers.plan(ctx.root, rendered.artifacts, rendered.folders, rendered.catalogs)
    findings = [Finding(CHECK, "missing-file", f"not generated yet; {FIX}", rel) for rel in plan.create]
    for rel in plan.update:
        if not (ctx.root / rel).is_file():
            findings.append(Finding(CHECK, "stale-file", f"is not a regular file; {FIX}", rel))
            continue
        on_disk = (ctx.root / rel).read_bytes().decode("utf-8", errors="replace")
        line = _first_difference(on_disk, rendered.artifacts[rel])
        findings.append(Finding(CHECK, "stale-file", f"differs from what the catalog generates (first at line {line}); "
                                                     f"edit the catalog, not the file, then {FIX}", rel, line))
    findings += [Finding(CHECK, "orphan-file", f"{_orphan_reason(rel)}; {FIX}", rel) for rel in plan.remove]
    return findings
