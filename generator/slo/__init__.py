"""Service level objectives: error budgets and multiwindow, multi-burn-rate alerting.

The catalog's `slos:` section (`generator.slo.loader`) becomes typed SLOs (`generator.slo.model`);
from them come recording rules and burn-rate alerts (`rules`), promtool tests per tier (`tests`), an
SLO dashboard per service (`dashboard`), the Alertmanager inhibition of tickets by pages
(`alerting`) and k6 thresholds (`k6`). docs/slo.md explains the scheme.
"""
