"""The SLO part of the closed loop: burn-rate alerts of the availability SLO, on the committed
(time-scaled) rules and Alertmanager config.

  * fast burn (the faults phase: half the summary requests fail, hundreds of times the budget): the
    page tier with the shortest long window fires and its notification reaches the receiver the
    catalog's routes give its severity (PagerDuty for Ampel's critical); meanwhile the ticket tiers
    fire in Prometheus too, and Alertmanager holds them back: inhibited by the page, never notified
    while it fires;
  * slow burn (after its outage, on the second Prometheus and exporter, whose alerts carry
    prometheus="outage"): a share of failures between the ticket factor and the lowest page factor
    fires the ticket, which Alertmanager routes to the ticket receiver, and no page tier is ever
    pending or firing. (While the fast burn's 6h/30m page still fires on the main Prometheus, its
    30 s scaled short window, it inhibits this ticket too: same SLO, job and team. Any
    notification of it goes to the ticket receiver.)
Names, severities and receivers come from the catalog.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from exporter.config import default_config
from generator.model import Catalog
from generator.slo.model import PAGE, TICKET
from tests.e2e.traffic import Traffic
from tests.support.processes import wait_until

SLO_TIMEOUT = 20


@dataclass(frozen=True)
class SLOExpectation:
    slo: str
    budget: float
    page: str  # the page tier with the shortest long window
    pages: tuple[str, ...]
    tickets: tuple[str, ...]
    slow_ticket: str  # the ticket tier of that factor
    page_receiver: str
    ticket_receiver: str
    slow_share: float  # a failure share between the highest ticket factor below the pages' and the lowest page factor


def slo_expectation(catalog: Catalog) -> SLOExpectation:
    slo = next(s for s in catalog.slos if s.sli.__class__.__name__ == "RatioSLI")
    tiers = slo.alerting.tiers
    pages = [t for t in tiers if t.alert == PAGE]
    tickets = [t for t in tiers if t.alert == TICKET]
    name = lambda t: f"{slo.alerting.name}{t.long}"  # noqa: E731
    budget = (100 - slo.target) / 100
    high = min(t.factor for t in pages)
    low = max(t.factor for t in tickets if t.factor < high)  # the ticket a slow burn raises first
    receiver = lambda severity: catalog.alerting.receiver_for(severity, {"slo": slo.name})  # noqa: E731
    return SLOExpectation(slo.name, budget, name(min(pages, key=lambda t: _seconds(t.long))), tuple(map(name, pages)),
                          tuple(map(name, tickets)), name(next(t for t in tickets if t.factor == low)),
                          receiver(slo.alerting.page.severity),
                          receiver(slo.alerting.ticket.severity), budget * (low + high) / 2)


def _seconds(text: str) -> float:
    from generator.model import parse_duration
    return parse_duration(text)


@dataclass
class FastBurn:
    page_notified_to: list[str] = field(default_factory=list)
    tickets_firing: list[str] = field(default_factory=list)  # in Prometheus
    tickets_inhibited: dict[str, list[str]] = field(default_factory=dict)  # ticket -> inhibitedBy fingerprints
    tickets_notified_while_paged: list[str] = field(default_factory=list)
    error: str = ""


def _firing(notifications, alertname: str, prometheus: str | None = None):
    return [n for n in notifications for a in n.payload["alerts"]
            if a["labels"].get("alertname") == alertname and a["status"] == "firing"
            and (prometheus is None or a["labels"].get("prometheus") == prometheus)]


def observe_fast_burn(loop, e: SLOExpectation) -> FastBurn:
    """Called while the faults phase's errors are on: page notified, tickets firing and inhibited."""
    out = FastBurn()
    main = loop.main.api

    def ready() -> bool:
        states = {a["labels"]["alertname"]: a["state"] for a in main.alerts()}
        return (bool(_firing(loop.notifications(), e.page))
                and all(states.get(t) == "firing" for t in e.tickets)
                and all(loop.alertmanager_alerts(t) for t in e.tickets))
    try:
        wait_until(ready, SLO_TIMEOUT, interval=0.2, what=f"{e.page} notified and {e.tickets} firing")
    except TimeoutError as exc:
        out.error = str(exc)
    out.page_notified_to = sorted({n.path for n in _firing(loop.notifications(), e.page)})
    out.tickets_firing = sorted(a["labels"]["alertname"] for a in main.alerts()
                                if a["labels"]["alertname"] in e.tickets and a["state"] == "firing")
    for ticket in e.tickets:
        out.tickets_inhibited[ticket] = sorted(f for a in loop.alertmanager_alerts(ticket)
                                               for f in a["status"].get("inhibitedBy") or [])
    out.tickets_notified_while_paged = sorted({t for t in e.tickets if _firing(loop.notifications(), t)})
    loop.progress(f"fast burn: {e.page} notified to {out.page_notified_to}; tickets firing {out.tickets_firing}, "
                  f"inhibited {out.tickets_inhibited}")
    return out


def _in_alertmanager(loop, alertname: str, prometheus: str) -> list[dict]:
    return [a for a in loop.alertmanager_alerts(alertname) if a["labels"].get("prometheus") == prometheus]


@dataclass
class SlowBurn:
    ticket_routed_to: list[str] = field(default_factory=list)  # Alertmanager's receivers of the ticket
    ticket_inhibited_by: list[str] = field(default_factory=list)  # a fast-burn page still firing on main, if any
    ticket_notified_to: list[str] = field(default_factory=list)
    pages_seen: set = field(default_factory=set)  # (alertname, state) on the outage Prometheus
    tickets_firing: list[str] = field(default_factory=list)
    share: float = 0.0  # the failure share the exporter saw
    states: dict = field(default_factory=dict)  # "alert state" -> seconds into the burn it was first seen
    requests_per_second: float = 0.0
    error: str = ""


def slow_burn(loop, e: SLOExpectation) -> SlowBurn:
    out = SlowBurn()
    pair, api = loop.outage, loop.outage.api
    ticket = e.slow_ticket
    url = f"{pair.exporter_url}{default_config().summary_path}"
    try:
        started = time.monotonic()
        loop.set_faults(error_rate=round(e.slow_share, 6), pair=pair)
        with Traffic(url, loop.token, clients=6, pause=0.0) as traffic:
            def fired() -> bool:
                alerts = api.alerts()
                for a in alerts:
                    out.states.setdefault(f"{a['labels']['alertname']} {a['state']}", round(time.monotonic() - started, 1))
                out.pages_seen |= {(a["labels"]["alertname"], a["state"]) for a in alerts if a["labels"]["alertname"] in e.pages}
                firing = any(a["labels"]["alertname"] == ticket and a["state"] == "firing" for a in alerts)
                return firing and bool(_in_alertmanager(loop, ticket, pair.name))
            try:
                wait_until(fired, SLO_TIMEOUT, interval=0.2, what=f"{ticket} from the slow burn in Alertmanager")
            except TimeoutError as exc:
                out.error = str(exc)
            out.tickets_firing = sorted(a["labels"]["alertname"] for a in api.alerts()
                                        if a["labels"]["alertname"] in e.tickets and a["state"] == "firing")
            time.sleep(1)
            received = _in_alertmanager(loop, ticket, pair.name)
            out.ticket_routed_to = sorted({r["name"] for a in received for r in a.get("receivers", [])})
            out.ticket_inhibited_by = sorted({f for a in received for f in a["status"].get("inhibitedBy") or []})
            out.pages_seen |= {(a["labels"]["alertname"], a["state"]) for a in api.alerts() if a["labels"]["alertname"] in e.pages}
        failed = sum(n for status, n in traffic.statuses.items() if status >= 500)
        out.share = failed / max(traffic.sent, 1)
        out.requests_per_second = traffic.sent / max(time.monotonic() - started, 0.001)
    finally:
        loop.set_faults(pair=pair)
    out.ticket_notified_to = sorted({n.path for n in _firing(loop.notifications(), ticket, prometheus=pair.name)})
    loop.progress(f"slow burn at {e.slow_share:.4%}: {ticket} routed to {out.ticket_routed_to} (inhibited by "
                  f"{out.ticket_inhibited_by or 'nothing'}), notified to {out.ticket_notified_to}, pages seen "
                  f"{sorted(out.pages_seen)}, failure share {out.share:.4%} at {out.requests_per_second:.0f} requests/s; first seen {out.states}")
    return out
