"""Benchmark: `obsgen validate` as a whole process against its tool floor (the same tools run directly
on the same files), for the shipped catalogs and synthetic catalogs of growing size.

Floors, all whole processes (CPU = user + sys, children included, medians of interleaved runs):
  * direct: `promtool check rules` over the rule files and the dashboard-query file, `promtool test
    rules` over the committed test files as they are (every test loading every rule: quadratic, so
    only run up to --whole-max metrics), `k6 archive` per script, `amtool check-config` and one
    `amtool config routes test` per severity;
  * split: the same, with `promtool test rules` over the split test files validate itself runs
    (one process, so the floor has no start-up cost of a second batch).

Run: make bench-validate   (or .venv/bin/python -m benchmarks.bench_validate [--sizes 100,1000,5000])
Targets on 2 cores: shipped <= 1.5x its floor; 1,000 metrics exit 0, <= 1.5x its floor and <= 4x the
shipped validate; 5,000 metrics exit 0, linear from 1,000. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import compileall
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_generate import synthetic_project
from benchmarks.measure import cores, interleaved, run
from generator import pipeline
from generator.loadtest.binary import find_k6
from generator.promtool import find_promtool
from generator.validators.alertmanager_config import find_amtool
from generator.validators.context import build_context
from generator.validators.promtool_steps import dashboard_query_file, rule_files
from generator.validators.rule_test_split import Unsplittable, split_test_file

REPO = Path(__file__).resolve().parents[1]
OBSGEN = str(Path(sys.executable).with_name("obsgen"))


def floors(root: Path, work: Path, whole: bool) -> dict[str, list[list[str]]]:
    """The tool commands validate runs, run directly: {"direct": [...], "split": [...]}."""
    catalogs = pipeline.load_all(pipeline.catalog_paths((), root), base=root)
    ctx = build_context(root, catalogs)
    promtool, k6, amtool = find_promtool().path, str(find_k6()), find_amtool()
    queries, _ = dashboard_query_file(ctx, work)
    check = [promtool, "check", "rules", *map(str, rule_files(ctx)), *([str(queries)] if queries else [])]
    tests = sorted((root / "tests" / "rules").glob("*.y*ml"))
    split = []
    for n, path in enumerate(tests):
        try:
            split += [str(p.path) for p in split_test_file(path.resolve(), work, f"{n}")]
        except Unsplittable:
            split.append(str(path))
    tools = []
    for script in sorted((root / "k6").glob("*.js")):
        tools.append([k6, "archive", "--quiet", "-O", str(work / f"{script.stem}.tar"), str(script)])
    for catalog in catalogs:
        config = root / "alertmanager" / "alertmanager.yml"
        if catalog.alerting is not None and config.exists():
            tools.append([amtool, "check-config", str(config)])
            tools += [[amtool, "config", "routes", "test", f"--config.file={config}", f"severity={s}"]
                      for s in catalog.service.severities]
    out = {"split": [check, [promtool, "test", "rules", *split], *tools]}
    if whole:
        out["direct"] = [check, [promtool, "test", "rules", *map(str, tests)], *tools]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole-max", type=int, default=100,
                        help="largest catalog whose committed test files are also run whole (quadratic)")
    args = parser.parse_args()
    # An installed obsgen has its bytecode compiled (pip does it); with PYTHONDONTWRITEBYTECODE set, a
    # source tree would compile every module of the package again in each measured run.
    compiled = compileall.compile_dir(str(REPO / "generator"), quiet=1)
    print(f"validate benchmark: {cores()} cores; whole processes, medians of interleaved runs; CPU = user + sys")
    print(f"generator/ bytecode compiled before measuring ({'ok' if compiled else 'FAILED'}; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')})")
    print("validate CPU is the median after one unmeasured run; 'first' is one run with an empty pass cache")
    print(f"{'catalog':<18}{'metrics':>8}{'runs':>5}{'validate CPU':>13}{'wall':>7}{'RSS MB':>7}"
          f"{'split floor':>12}{'x':>6}{'direct floor':>13}{'x':>7}{'ms/metric':>10}{'first':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        projects = {"shipped (repo)": (REPO, 4)}
        for size in (int(s) for s in args.sizes.split(",") if s):
            root = synthetic_project(Path(tmp) / f"s{size}", size)
            run([OBSGEN, "generate", "--root", str(root)])
            projects[f"synthetic {size}"] = (root, size)
        shipped_cpu = None
        for label, (root, metrics) in projects.items():
            work = Path(tmp) / f"work-{metrics}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            validate = [OBSGEN, "validate", "--root", str(root), "--promtool-timeout", "3600"]
            first = run(validate, env={"OBSGEN_CACHE_DIR": str(Path(tmp) / f"cache-{metrics}")})
            run(validate)  # the pass cache as a second run finds it
            commands = {"validate": [validate], **floors(root, work, metrics <= args.whole_max)}
            runs = args.runs if metrics <= 1000 else 1
            found = interleaved(commands, runs)
            v, s = found["validate"], found["split"]
            direct = found.get("direct")
            shipped_cpu = shipped_cpu or v.cpu
            direct_text = f"{direct.cpu:>13.2f}{v.cpu / direct.cpu:>7.2f}" if direct else f"{'not run':>13}{'':>7}"
            print(f"{label:<18}{metrics:>8}{runs:>5}{v.cpu:>13.2f}{v.wall:>7.1f}{v.rss_mb:>7.0f}"
                  f"{s.cpu:>12.2f}{v.cpu / s.cpu:>6.2f}{direct_text}{v.cpu * 1000 / metrics:>10.2f}{first.cpu:>7.2f}"
                  + (f"  {v.cpu / shipped_cpu:.1f}x shipped" if metrics == 1000 else ""))


if __name__ == "__main__":
    main()
