"""The SLO part of the closed loop: burn-rate alerts of the availability SLO, on the committed
(time-scaled) rules and Alertmanager config.

  * fast burn (the faults phase: half the summary requests fail, hundreds of times the budget): the
    page tier with the shortest long window fires and its notification reaches the receiver the
    catalog's routes give its severity (PagerDuty for Ampel's critical); meanwhile the ticket tiers
    fire in Prometheus too, and Alertmanager holds them back: inhibited by the page, never notified
    while it fires;
  * slow burn (on the outage pair, whose alerts carry prometheus="outage", from start-up and
    beside the healthy phase, before its outage): a share of failures between the
    ticket factor and the lowest page factor fires the ticket, which Alertmanager routes to the
    ticket receiver and notifies there, and no page tier is ever pending or firing. It is over
    before the fast burn's page could inhibit it: that page carries the same SLO, job and team.
Names, severities and receivers come from the catalog.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from generator.model import Catalog
from generator.slo.model import PAGE, TICKET
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
    """Called while the faults phase's errors are on: page notified, tickets firing and inhibited,
    all of the main Prometheus (the outage pair's own ticket is the slow burn's)."""
    out = FastBurn()
    main = loop.main.api
    source = loop.main.name

    def ready() -> bool:
        states = {a["labels"]["alertname"]: a["state"] for a in main.alerts()}
        return (bool(_firing(loop.notifications(), e.page, source))
                and all(states.get(t) == "firing" for t in e.tickets)
                and all(_in_alertmanager(loop, t, source) for t in e.tickets))
    try:
        wait_until(ready, SLO_TIMEOUT, interval=0.2, what=f"{e.page} notified and {e.tickets} firing")
    except TimeoutError as exc:
        out.error = str(exc)
    out.page_notified_to = sorted({n.path for n in _firing(loop.notifications(), e.page, source)})
    out.tickets_firing = sorted(a["labels"]["alertname"] for a in main.alerts()
                                if a["labels"]["alertname"] in e.tickets and a["state"] == "firing")
    for ticket in e.tickets:
        out.tickets_inhibited[ticket] = sorted(f for a in _in_alertmanager(loop, ticket, source)
                                               for f in a["status"].get("inhibitedBy") or [])
    out.tickets_notified_while_paged = sorted({t for t in e.tickets if _firing(loop.notifications(), t, source)})
    loop.progress(f"fast burn: {e.page} notified to {out.page_notified_to}; tickets firing {out.tickets_firing}, "
                  f"inhibited {out.tickets_inhibited}")
    return out


def _in_alertmanager(loop, alertname: str, prometheus: str) -> list[dict]:
    return [a for a in loop.alertmanager_alerts(alertname) if a["labels"].get("prometheus") == prometheus]


@dataclass
class SlowBurn:
    ticket_routed_to: list[str] = field(default_factory=list)  # Alertmanager's receivers of the ticket
    ticket_inhibited_by: list[str] = field(default_factory=list)  # inhibiting fingerprints when first routed
    ticket_notified_to: list[str] = field(default_factory=list)
    pages_seen: set = field(default_factory=set)  # (alertname, state) on the outage Prometheus, ever
    tickets_firing: list[str] = field(default_factory=list)
    share: float = 0.0  # the failure share the exporter saw
    states: dict = field(default_factory=dict)  # "alert state" -> seconds into the burn it was first seen
    requests_per_second: float = 0.0
    error: str = ""


class SlowBurnWatch:
    """Watches the slow burn that the loop runs on its outage pair from start-up (`ClosedLoop(...,
    slow_burn_error_rate=...)`), in a thread beside the other phases: until the ticket fires in
    Prometheus, is routed by Alertmanager and reaches the ticket receiver's webhook, or SLO_TIMEOUT
    after the rules loaded. Then the burn stops, and every page tier's ALERTS history on the outage
    Prometheus is read back, so that a page pending for one evaluation between two polls counts."""

    def __init__(self, loop, e: SLOExpectation):
        self.loop, self.e = loop, e
        self.out = SlowBurn()
        self._thread = threading.Thread(target=self._run, name="slow-burn", daemon=True)

    def __enter__(self) -> "SlowBurnWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join(SLO_TIMEOUT + 15)

    def result(self) -> SlowBurn:
        self.__exit__()
        return self.out

    def _run(self) -> None:
        try:
            self._watch()
        except Exception as exc:
            self.out.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.loop.stop_slow_burn()

    def _watch(self) -> None:
        loop, e, out = self.loop, self.e, self.out
        pair, ticket = loop.outage, e.slow_ticket
        began, started = time.time(), loop.slow_burn_started

        def notified() -> list[str]:
            return sorted({n.path for n in _firing(loop.notifications(), ticket, prometheus=pair.name)})

        def done() -> bool:
            alerts = pair.api.alerts()
            for a in alerts:
                out.states.setdefault(f"{a['labels']['alertname']} {a['state']}", round(time.monotonic() - started, 1))
            out.pages_seen |= {(a["labels"]["alertname"], a["state"]) for a in alerts if a["labels"]["alertname"] in e.pages}
            out.tickets_firing = sorted(a["labels"]["alertname"] for a in alerts
                                        if a["labels"]["alertname"] in e.tickets and a["state"] == "firing")
            received = _in_alertmanager(loop, ticket, pair.name)
            if received and not out.ticket_routed_to:
                out.ticket_routed_to = sorted({r["name"] for a in received for r in a.get("receivers", [])})
                out.ticket_inhibited_by = sorted({f for a in received for f in a["status"].get("inhibitedBy") or []})
            out.ticket_notified_to = notified()
            return ticket in out.tickets_firing and bool(out.ticket_routed_to) and bool(out.ticket_notified_to)

        try:
            wait_until(done, SLO_TIMEOUT, interval=0.2,
                       what=f"{ticket} from the slow burn firing, routed and notified")
        except TimeoutError as exc:
            out.error = str(exc)
        traffic = loop.slow_burn
        loop.stop_slow_burn()
        lookback = int(time.time() - began) + 30
        for page in e.pages:
            out.pages_seen |= {(page, state) for state, stamps in pair.api.alert_samples(page, lookback).items() if stamps}
        failed = sum(n for status, n in traffic.statuses.items() if status >= 500)
        out.share = failed / max(traffic.sent, 1)
        out.requests_per_second = traffic.sent / max(time.monotonic() - started, 0.001)
        loop.progress(f"slow burn at {e.slow_share:.4%}: {ticket} routed to {out.ticket_routed_to} (inhibited by "
                      f"{out.ticket_inhibited_by or 'nothing'}), notified to {out.ticket_notified_to}, pages seen "
                      f"{sorted(out.pages_seen)}, failure share {out.share:.4%} at {out.requests_per_second:.0f} "
                      f"requests/s; first seen {out.states}")
