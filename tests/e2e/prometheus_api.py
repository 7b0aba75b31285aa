"""The few Prometheus HTTP API calls the closed loop needs."""
from __future__ import annotations

import math

import requests


class PrometheusAPI:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def query(self, expr: str) -> list[dict]:
        response = requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=5)
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"query {expr!r} failed: {body.get('error', response.text)}")
        return body["data"]["result"]

    def finite_values(self, expr: str) -> list[float]:
        return [float(s["value"][1]) for s in self.query(expr) if math.isfinite(float(s["value"][1]))]

    def alerts(self) -> list[dict]:
        return requests.get(f"{self.url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]

    def alert_states(self, name: str) -> set[str]:
        return {a["state"] for a in self.alerts() if a["labels"].get("alertname") == name}

    def rule_health(self) -> dict[str, str]:
        """Rule name -> health ("ok", "err", "unknown") with the error text when there is one."""
        groups = requests.get(f"{self.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
        return {r["name"]: r["health"] + (f": {r['lastError']}" if r.get("lastError") else "")
                for g in groups for r in g["rules"]}

    def scraped_up(self, job: str) -> bool:
        return any(s["value"][1] == "1" for s in self.query(f'up{{job="{job}"}}'))

    def alert_samples(self, name: str, lookback_seconds: int = 300) -> dict[str, list[float]]:
        """Timestamps (unix seconds) of the raw ALERTS samples of an alert, by alertstate."""
        out: dict[str, list[float]] = {"pending": [], "firing": []}
        for series in self.query(f'ALERTS{{alertname="{name}"}}[{lookback_seconds}s]'):
            out.setdefault(series["metric"]["alertstate"], []).extend(float(ts) for ts, _ in series["values"])
        return {state: sorted(stamps) for state, stamps in out.items()}

    def missed_evaluations(self) -> int:
        return int(sum(self.finite_values("prometheus_rule_group_iterations_missed_total")))

    def reload(self) -> None:
        requests.post(f"{self.url}/-/reload", timeout=10).raise_for_status()

    def rule_names(self) -> set[str]:
        groups = requests.get(f"{self.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
        return {r["name"] for g in groups for r in g["rules"]}

    def evaluated_groups(self) -> int:
        """Rule groups evaluated at least once."""
        groups = requests.get(f"{self.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
        return sum(1 for g in groups if not str(g.get("lastEvaluation", "")).startswith("0001"))
