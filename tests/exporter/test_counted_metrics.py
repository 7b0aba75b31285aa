"""What the exporter counts: the breakdown counter counts pull requests by traffic-light status, not
summaries; the latency histogram times every computed summary, failed ones too, and no refused token."""
from __future__ import annotations

import re

from exporter import datasets


def _breakdown(text: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r'^ampel_dashboard_breakdown_total\{visibility="(\w+)"\} (\S+)$', text, re.M)}


def test_two_summaries_add_their_pull_request_counts(start_exporter, db_copy):
    exporter = start_exporter(db_copy)
    before = _breakdown(exporter.metrics_text())
    assert before == {"green": 0.0, "yellow": 0.0, "red": 0.0}
    answers = [exporter.get("/api/dashboard/summary", datasets.token_for("small")).json() for _ in range(2)]
    assert answers[0] == answers[1]
    counts = {s: answers[0][f"{s}_count"] for s in ("green", "yellow", "red")}
    assert sum(counts.values()) == 50  # the small tier's 50 pull requests
    assert _breakdown(exporter.metrics_text()) == {s: 2.0 * n for s, n in counts.items()}


def _count(text: str) -> float:
    """Observations of the default strategy, the only one served."""
    return float(re.search(r'^ampel_dashboard_summary_duration_seconds_count\{strategy="aggregate"\} (\S+)$', text, re.M).group(1))


def test_a_failed_summary_is_timed_and_a_refused_token_is_not(start_exporter, db_copy):
    """The histogram times the computation, failed ones included (a slow failure is still slow); a
    401 never reaches the computation."""
    exporter = start_exporter(db_copy, "--enable-fault-injection")
    assert _count(exporter.metrics_text()) == 0
    assert exporter.get("/api/dashboard/summary", "token-nobody").status_code == 401
    assert _count(exporter.metrics_text()) == 0
    exporter.post("/-/faults", json={"latency_seconds": 0, "error_rate": 1.0})
    assert exporter.get("/api/dashboard/summary", datasets.token_for("small")).status_code == 500
    assert _count(exporter.metrics_text()) == 1
    exporter.post("/-/faults", json={"latency_seconds": 0, "error_rate": 0})
    assert exporter.get("/api/dashboard/summary", datasets.token_for("small")).status_code == 200
    assert _count(exporter.metrics_text()) == 2
