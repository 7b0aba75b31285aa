"""Mutation check of the project's own: does the test suite catch realistic bugs?

`make mutate` copies the working tree into a temp dir (never touching the working tree), then for
each mutation of the fixed list below, one at a time:

  1. replaces one exact piece of text in one file of generator/ or exporter/ (it must occur exactly
     once, so a refactoring that moves the code makes the list fail loudly, not silently pass);
  2. regenerates the committed artifacts with the mutated generator (`obsgen generate`), as a
     developer would before committing, so that freshness checks cannot be what kills it;
  3. runs the tests relevant to that code (`pytest -x`); a failing test kills the mutation;
  4. restores the file and the artifacts.

It prints one line per mutation and a killed/survived total, and exits 1 when one survived.
Figures of the last run are in docs/mutation.md. Not part of `make test`: it takes minutes.
Run a subset with `python scripts/mutate.py NAME...` (names as printed); `--tests=PATH[,PATH]` runs
those tests instead of each mutation's own (e.g. `--tests=tests/e2e`: what the closed loop alone kills).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACT_DIRS = ("alerts", "recording_rules", "alertmanager", "dashboards", "k6", "tests/rules")

RULES = ("tests/test_rule_coverage.py", "tests/test_rule_tests_oracle.py", "tests/test_rule_tests.py", "tests/test_rules.py")
ALERTMANAGER = ("tests/test_alertmanager_config.py",)
E2E = ("tests/e2e",)
EXPORTER = ("tests/exporter",)


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str


M = Mutation
MUTATIONS = (
    # --- the six that survived the first mutation check ----------------------------------------
    M("description-0.1-percent", "generator/build/expressions.py", 'return f"{value * 100:g}%"', 'return f"{value * 10:g}%"',
      RULES, "alert description says 0.1% where the catalog says 1%"),
    M("latency-by-instance", "generator/build/rules.py",
      "expr=f\"sum by ({', '.join(by + ('le',))})", "expr=f\"sum by ({', '.join(by + ('instance', 'le'))})",
      RULES, "latency bucket rule sums by (job, instance, le) instead of (job, le)"),
    M("alertmanager-group-by-dropped", "generator/renderers/alertmanager.py",
      '        "group_by": list(alerting.group_by),\n', "", ALERTMANAGER + E2E, "Alertmanager group_by dropped"),
    M("pagerduty-repeat-dropped", "generator/renderers/alertmanager.py", "        if receiver.repeat_interval:\n",
      '        if receiver.repeat_interval and receiver.type == "slack":\n', ALERTMANAGER + E2E,
      "the PagerDuty route's repeat_interval dropped (1h becomes 4h)"),
    M("bucket-rule-dedup-broken", "generator/build/rules.py",
      "        rules[rule.record] = rule\n", "        rules[rule.source + rule.record] = rule\n",
      RULES, "two objectives on one histogram derive the bucket rule twice"),
    M("untested-rule-findings-dropped", "generator/validators/promtool_steps.py",
      "in rule_tests.plan_for(catalog).untested:", "in rule_tests.plan_for(catalog).untested[:0]:",
      ("tests/test_rule_coverage.py",), "validate no longer reports alerts its generated tests cannot cover"),
    # --- caught only by substring checks before ------------------------------------------------
    M("for-from-default", "generator/build/rules.py", "for_=scale_duration(text.for_, scale)",
      'for_=scale_duration("5m", scale)', RULES, "an alert's for taken from a default instead of the catalog"),
    M("rate-window-4m", "generator/build/rules.py", "(rate({ref.metric}{{{_matchers(catalog, ref)}}}[{window}]))",
      "(rate({ref.metric}{{{_matchers(catalog, ref)}}}[4m]))", RULES, "error-ratio rate windows of 4m, not the objective's"),
    # --- rules ---------------------------------------------------------------------------------
    M("severity-default", "generator/build/rules.py", 'labels.setdefault("severity", text.severity)',
      'labels.setdefault("severity", "warning")', RULES, "every alert is a warning"),
    M("team-label-dropped", "generator/build/rules.py", '    labels.setdefault("team", catalog.service.team)\n', "",
      RULES, "alerts lose their team label"),
    M("exclude-inverted", "generator/build/rules.py", "f'{k}!=\"{_string(vs[0])}\"'", "f'{k}=\"{_string(vs[0])}\"'",
      RULES, "the auth exclusion selects only auth errors"),
    M("exclude-ignored", "generator/build/rules.py", "                  for k, vs in ref.exclude]",
      "                  for k, vs in ref.exclude if False]", RULES, "401s count toward the paging error ratio"),
    M("ratio-ignoring-dropped", "generator/build/rules.py",
      "match = f\" ignoring ({', '.join(extra)})\" if extra else \"\"", 'match = ""', RULES,
      "the error ratio divides series that never match"),
    M("threshold-greater-or-equal", "generator/build/rules.py", 'expr = f"{slo_rule} > {format_number(obj.threshold)}"',
      'expr = f"{slo_rule} >= {format_number(obj.threshold)}"', RULES, "alert at the objective, not above it"),
    M("description-unfilled", "generator/build/rules.py", "description=fill_text(text.description, values)",
      "description=text.description", RULES, "${threshold} and ${for} left in the alert text"),
    M("milliseconds-off", "generator/build/expressions.py", 'return f"{value * 1000:g}ms" if value < 1',
      'return f"{value * 100:g}ms" if value < 1', RULES, "a 500ms objective written as 50ms"),
    M("quantile-hardcoded", "generator/build/rules.py", "expr=f\"histogram_quantile({format_number(obj.quantile)}, {bucket})\"",
      "expr=f\"histogram_quantile(0.95, {bucket})\"", RULES, "every latency objective is a p95"),
    M("selector-dropped-from-rates", "generator/build/rules.py", "    parts = [catalog.service.selector_text]\n",
      "    parts = []\n", RULES, "error rates count every service's errors"),
    # --- generated unit tests (the oracle) -----------------------------------------------------
    M("oracle-percent", "generator/build/catalog_oracle.py", 'return _plain(exact * 100) + "%"',
      'return _plain(exact * 10) + "%"', RULES, "generated tests expect a wrong objective text"),
    M("oracle-fires-a-minute-early", "generator/build/rule_test_cases/objective_cases.py", "fire = 1 + minutes(obj.alert.for_)",
      "fire = minutes(obj.alert.for_)", RULES, "generated tests expect firing one evaluation before for"),
    M("oracle-labels-from-everywhere", "generator/build/catalog_oracle.py",
      "    labels = {k: v for k, v in sample.labels if k != NAME}\n",
      "    labels = {k: v for k, v in sample.labels if k not in (NAME, 'job')}\n", RULES,
      "generated tests forget the aggregation label"),
    # --- Alertmanager --------------------------------------------------------------------------
    # (matching only the first of several severities is no bug for Ampel: its default receiver is
    # the one warning and info route to, so that mutant is equivalent and not on the list)
    M("route-matches-wrong-label", "generator/renderers/alertmanager.py",
      "return f'severity=\"{severities[0]}\"'", "return f'level=\"{severities[0]}\"'", ALERTMANAGER + E2E,
      "critical alerts matched on a label they do not carry, so they reach the default receiver"),
    M("group-wait-from-interval", "generator/renderers/alertmanager.py",
      '"group_wait": scale_duration(alerting.group_wait, scale)', '"group_wait": scale_duration(alerting.group_interval, scale)',
      ALERTMANAGER, "first notification waits 5m instead of 30s"),
    M("routes-to-default", "generator/renderers/alertmanager.py",
      'sub: dict = {"receiver": receiver.name,', 'sub: dict = {"receiver": alerting.default_receiver,', ALERTMANAGER + E2E,
      "critical alerts go to Slack"),
    # --- dashboards and k6 ---------------------------------------------------------------------
    M("dashboard-threshold-line", "generator/renderers/dashboards.py",
      'steps.append({"color": "red", "value": objective.threshold})',
      'steps.append({"color": "red", "value": objective.threshold * 100})',
      ("tests/test_dashboards.py", "tests/test_one_number.py"), "the objective's line drawn at 100x"),
    M("k6-critical-from-target", "generator/renderers/k6.py", 'f"{q}<{_ms(tier.critical)}"', 'f"{q}<{_ms(tier.target)}"',
      ("tests/test_k6_scripts.py", "tests/test_one_number.py"), "k6 aborts at the target instead of the critical time"),
    M("k6-error-threshold", "generator/renderers/k6.py", '[f"rate<{errors:g}"]', '[f"rate<{errors * 10:g}"]',
      ("tests/test_k6_scripts.py", "tests/test_one_number.py"), "k6 accepts 10% errors"),
    # --- exporter ------------------------------------------------------------------------------
    M("401-counted-as-other", "exporter/app.py", 'return self._failed(401, "auth", str(exc), started, user)',
      'return self._failed(401, "other", str(exc), started, user)', EXPORTER + E2E, "an expired token pages"),
    M("errors-not-preinitialised", "exporter/metrics.py",
      "        for value in self.contract.error_label.values:\n            self.errors.labels(value)\n", "",
      EXPORTER, "error series appear only after the first error"),
    M("breakdown-counts-requests", "exporter/metrics.py", "self.breakdown.labels(value).inc(counts[value])",
      "self.breakdown.labels(value).inc()", ("tests/exporter/test_counted_metrics.py",) + EXPORTER, "breakdown counts summaries, not pull requests"),
    M("status-label-constant", "exporter/metrics.py", "names.status.name: str(status),", 'names.status.name: "200",',
      EXPORTER, "every request is a 200"),
    M("bearer-case-sensitive", "exporter/auth.py", 'if scheme.lower() != "bearer" or not token:',
      'if scheme != "Bearer" or not token:', ("tests/exporter/test_auth_scheme.py",) + EXPORTER, "'bearer' tokens refused"),
    M("fault-never-fails", "exporter/faults.py", "fail = self._credit >= 1.0 - 1e-9", "fail = self._credit > 1.0 + 1e-9",
      EXPORTER, "error_rate 1.0 never fails a request"),
    M("failed-requests-untimed", "exporter/app.py",
      "                finally:\n                    self.metrics.observe_duration(time.perf_counter() - computing, arm.name)\n",
      "                except BaseException:\n                    raise\n                else:\n"
      "                    self.metrics.observe_duration(time.perf_counter() - computing, arm.name)\n",
      ("tests/exporter/test_counted_metrics.py",) + EXPORTER, "failed summaries are left out of the latency histogram"),
)


def _copy_tree(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _run(argv: list[str], cwd: Path, env: dict, log: Path, timeout: float) -> int:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            return subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(b"\n(timed out)\n")
            return -1


def main(argv: list[str]) -> int:
    override = [a.split("=", 1)[1].split(",") for a in argv if a.startswith("--tests=")]
    argv = [a for a in argv if not a.startswith("--tests=")]
    chosen = [m for m in MUTATIONS if not argv or m.name in argv]
    if override:
        chosen = [Mutation(m.name, m.file, m.old, m.new, tuple(override[-1]), m.why) for m in chosen]
    if argv and len(chosen) != len(argv):
        print(f"unknown mutation(s): {sorted(set(argv) - {m.name for m in MUTATIONS})}", file=sys.stderr)
        return 2
    python = Path(sys.executable)
    obsgen = python.with_name("obsgen")
    with tempfile.TemporaryDirectory(prefix="obsgen-mutate-") as tmp:
        base = Path(tmp)
        tree = base / "tree"
        _copy_tree(tree)
        shared = REPO.parent / "shared"
        if shared.exists():
            (base / "shared").symlink_to(shared)  # ../shared/grafana-schema, as next to the repository
        pristine = base / "pristine"
        for rel in ARTIFACT_DIRS:
            if (tree / rel).exists():
                shutil.copytree(tree / rel, pristine / rel)
        env = {**os.environ, "PYTHONPATH": str(tree), "OBSGEN_E2E_LOGS": str(base / "e2e-logs")}
        env.pop("OBSGEN_E2E_ARTIFACTS", None)
        log = base / "mutate.log"
        print(f"mutate: {len(chosen)} mutations on a copy of {REPO} in {tree}", flush=True)
        survived, started = [], time.monotonic()
        for i, m in enumerate(chosen, 1):
            path = tree / m.file
            original = path.read_text(encoding="utf-8")
            if original.count(m.old) != 1:
                print(f"mutate: {m.name}: the text to mutate occurs {original.count(m.old)} times in {m.file}; "
                      "update the list", file=sys.stderr)
                return 2
            t0 = time.monotonic()
            path.write_text(original.replace(m.old, m.new), encoding="utf-8")
            try:
                _run([str(obsgen), "generate"], tree, env, log, 300)
                code = _run([str(python), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *m.tests],
                            tree, env, log, 900)
            finally:
                path.write_text(original, encoding="utf-8")
                for rel in ARTIFACT_DIRS:
                    if (pristine / rel).exists():
                        shutil.rmtree(tree / rel, ignore_errors=True)
                        shutil.copytree(pristine / rel, tree / rel)
            verdict = "killed" if code != 0 else "SURVIVED"
            if code == 0:
                survived.append(m.name)
            print(f"{i:3d} {verdict:8s} {m.name:34s} {time.monotonic() - t0:6.1f}s  {m.why}", flush=True)
        total = time.monotonic() - started
        print(f"mutate: {len(chosen) - len(survived)} killed, {len(survived)} survived of {len(chosen)} "
              f"in {total:.0f}s" + (f": {', '.join(survived)}" if survived else ""))
        if survived:
            shutil.copy(log, REPO / "mutate.log")
            print(f"mutate: test output in {REPO / 'mutate.log'}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
