"""What the closed loop expects, every figure from the catalog: the alerts and how each is
triggered, the SLO's burn-rate expectation, and the k6 scenario it runs."""
from __future__ import annotations

import time

from generator.catalog import load_catalog
from generator.loadtest.runner import LoadTestResult, run_scenario
from tests.e2e.configs import ALERTMANAGER_SCALE, RULE_SCALE
from tests.e2e.proofs import expectations
from tests.e2e.slo_proofs import slo_expectation
from tests.support.paths import AMPEL, REPO

HEALTHY_SCENARIO = "small_dataset"
FIRE_TIMEOUT = 30
# A repeat is waited for when it is due within this long after the first notification (the critical
# route's 1h, scaled to 6 s); longer repeat intervals (4h -> 24 s) are proven by their absence.
REPEAT_OBSERVED_UP_TO = 10.0

CATALOG = load_catalog(AMPEL)
# Free-form alerts of the rollout, fired on the rollout pair (tests/e2e/stack.py).
HIT_RATE_ALERT, STRATEGY_ALERT = "DashboardCacheHitRateLow", "DashboardSummaryOptimisedSlower"
ROLLOUT_TRIGGERS = {HIT_RATE_ALERT: "rollout", STRATEGY_ALERT: "rollout"}
# Latency injected into the optimised strategy: above the baseline's p95, below the latency objective.
OPTIMISED_LATENCY_SECONDS = 0.3
EXPECTED = {e.name: e for e in expectations(CATALOG, RULE_SCALE, ALERTMANAGER_SCALE, ROLLOUT_TRIGGERS)}
SLO = slo_expectation(CATALOG)
NAMES = sorted(EXPECTED)


def run_k6(loop, name: str, **overrides) -> LoadTestResult:
    summary = loop.logs / f"k6-{name}-{int(time.monotonic() * 1000)}.json"
    loop.progress(f"k6 {name} started against {loop.main.exporter_url}")
    result = run_scenario(REPO / "k6" / f"{name}.js", loop.main.exporter_url, loop.token, summary, capture=True,
                          timeout=60, **overrides)
    (loop.logs / f"{summary.stem}.out").write_text(result.output)
    loop.progress(f"k6 {name} exited {result.returncode} ({result.verdict})")
    return result
