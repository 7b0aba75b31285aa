"""k6 thresholds from the SLOs, added to each scenario the SLO applies to (`scenarios:`, default all):
an availability SLO keeps `http_req_failed` below its error budget (1 - target), a latency SLO keeps
`p(<target>)` of `http_req_duration` below its threshold."""
from __future__ import annotations

from generator.build.expressions import format_number
from generator.model import Catalog, Scenario
from generator.slo.model import LatencySLI



def slo_thresholds(catalog: Catalog, scenario: Scenario) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for slo in catalog.slos:
        if slo.scenarios is not None and scenario.name not in slo.scenarios:
            continue
        if isinstance(slo.sli, LatencySLI):
            key = f"http_req_duration{{scenario:{scenario.name}}}"
            rule = f"p({format_number(slo.target)})<{format_number(slo.sli.threshold * 1000)}"
        else:
            key = f"http_req_failed{{scenario:{scenario.name}}}"
            rule = f"rate<{format_number(slo.budget)}"
        out.setdefault(key, []).append(rule)
    return out


def merge(thresholds: dict, extra: dict[str, list[str]]) -> dict:
    """The scenario's thresholds with the SLOs' appended (a rule already there is not repeated)."""
    out = {k: list(v) for k, v in thresholds.items()}
    for key, rules in extra.items():
        have = out.setdefault(key, [])
        have.extend(r for r in rules if r not in have)
    return out
