"""The Alertmanager inhibition that SLOs add: while a page of an SLO fires, the tickets of the same
SLO (same service labels) are held back, since the page already says more."""
from __future__ import annotations

from generator.model import Catalog, InhibitRule, Matcher
from generator.slo.model import PAGE, TICKET


def slo_inhibit_rules(catalog: Catalog) -> tuple[InhibitRule, ...]:
    if not catalog.slos or catalog.alerting is None:
        return ()
    equal = tuple(dict.fromkeys(("slo", *(k for k, _ in catalog.alerting.match),
                                 *catalog.service.aggregation_labels)))
    return (InhibitRule((Matcher("slo_alert", "=", PAGE),), (Matcher("slo_alert", "=", TICKET),), equal),)
