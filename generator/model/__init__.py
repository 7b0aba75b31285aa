"""Typed model of a catalog: plain frozen dataclasses, no behaviour beyond small derived facts.

The loader (`generator.catalog.loader`) builds a `Catalog` from YAML; `generator.build` derives
the rules, dashboards and load tests from it. Renderers only ever see these types.

One module per section; every public name is re-exported here, so `from generator.model import X` works.
"""

from generator.model.common import (  # noqa: F401
    parse_duration, format_duration, Silence,
)
from generator.model.metrics import (  # noqa: F401
    Label, Metric,
)
from generator.model.service import (  # noqa: F401
    Tier, Service,
)
from generator.model.alerts import (  # noqa: F401
    AlertText, AlertTest, AlertDef, RecordingDef,
)
from generator.model.objectives import (  # noqa: F401
    MetricRef, filter_selects, Objective, LatencyObjective, ErrorRatioObjective,
)
from generator.model.dashboards import (  # noqa: F401
    Target, TimeseriesKind, StatKind, GaugeKind, BarGaugeKind, TableKind, HeatmapKind, TextKind,
    StateTimelineKind, PanelKind, Panel, Row, DatasourceVariable, QueryVariable, CustomVariable,
    IntervalVariable, ConstantVariable, Variable, Dashboard,
)
from generator.model.load_tests import (  # noqa: F401
    Stage, ConstantVUs, RampingVUs, ConstantArrivalRate, RampingArrivalRate, SharedIterations,
    PerVUIterations, Executor, Check, Request, Auth, LatencyThreshold, Scenario, TemplateUse, RequestTemplate,
    DEFAULT_BASE_URL, LoadTestSettings,
)
from generator.model.alerting import (  # noqa: F401
    Matcher, PagerDutyReceiver, SlackReceiver, WebhookReceiver, EmailReceiver, OpsgenieReceiver,
    VictorOpsReceiver, WebexReceiver, SnsReceiver, Receiver, Route, InhibitRule, TimeRange,
    TimeInterval, Alerting,
)
from generator.model.catalog import (  # noqa: F401
    KubernetesOutput, MimirOutput, Catalog,
)

# Private helpers, importable from here as before the split.
from generator.model.alerting import _route_receivers  # noqa: F401,E402
from generator.model.common import _DURATION_RE, _UNIT_SECONDS, _first_by_name  # noqa: F401,E402

__all__ = [
    "parse_duration", "format_duration", "Silence", "Label", "Metric", "Tier", "Service",
    "AlertText", "AlertTest", "AlertDef", "RecordingDef", "MetricRef", "filter_selects",
    "Objective", "LatencyObjective", "ErrorRatioObjective", "Target", "TimeseriesKind", "StatKind",
    "GaugeKind", "BarGaugeKind", "TableKind",
    "HeatmapKind", "TextKind", "StateTimelineKind", "PanelKind", "Panel", "Row",
    "DatasourceVariable", "QueryVariable", "CustomVariable", "IntervalVariable",
    "ConstantVariable", "Variable", "Dashboard", "Stage", "ConstantVUs", "RampingVUs",
    "ConstantArrivalRate", "RampingArrivalRate", "SharedIterations", "PerVUIterations", "Executor",
    "Check", "Request", "Auth", "LatencyThreshold", "Scenario", "DEFAULT_BASE_URL", "LoadTestSettings",
    "Matcher", "PagerDutyReceiver",
    "SlackReceiver", "WebhookReceiver", "EmailReceiver", "OpsgenieReceiver", "VictorOpsReceiver",
    "WebexReceiver", "SnsReceiver", "Receiver", "Route", "InhibitRule", "TimeRange",
    "TimeInterval", "Alerting", "KubernetesOutput", "MimirOutput", "Catalog",
]
