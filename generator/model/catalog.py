"""The catalog: everything one YAML file declares, indexed by name."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator.model.alerting import Alerting
from generator.model.alerts import AlertDef, RecordingDef
from generator.model.common import _first_by_name
from generator.model.dashboards import Dashboard
from generator.model.load_tests import LoadTestSettings, RequestTemplate, Scenario
from generator.model.metrics import Metric
from generator.model.objectives import Objective
from generator.model.service import Service, Tier


@dataclass(frozen=True)
class KubernetesOutput:
    """Settings of the opt-in `kubernetes` output (catalog `kubernetes:`)."""
    namespace: str = "monitoring"
    dashboard_labels: tuple[tuple[str, str], ...] = (("grafana_dashboard", "1"),)  # the sidecar's selector
    folder_annotation: str = "k8s-sidecar-target-directory"  # the sidecar's default folder annotation
    rule_labels: tuple[tuple[str, str], ...] = ()  # what the Prometheus ruleSelector matches


@dataclass(frozen=True)
class MimirOutput:
    """Settings of the opt-in `mimir` output (catalog `mimir:`); namespace "" means the service name."""
    namespace: str = ""


@dataclass(frozen=True)
class Catalog:
    path: Path
    service: Service
    metrics: tuple[Metric, ...]
    tiers: tuple[Tier, ...] = ()
    objectives: tuple[Objective, ...] = ()
    alerts: tuple[AlertDef, ...] = ()
    recording_rules: tuple[RecordingDef, ...] = ()
    dashboards: tuple[Dashboard, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    log_only_fields: tuple[str, ...] = ()  # unbounded field names that must never be metric labels
    alerting: Alerting | None = None
    kubernetes: KubernetesOutput = KubernetesOutput()
    mimir: MimirOutput = MimirOutput()
    # load_tests.requests: the named requests scenarios use, in catalog order.
    request_templates: tuple[RequestTemplate, ...] = ()
    load_test_settings: LoadTestSettings = LoadTestSettings()  # load_tests.base_url
    slos: tuple = ()  # generator.slo.model.SLO, from the catalog's `slos:` section
    # YAML positions of document paths ("metrics[2].buckets" -> line), for located findings.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def metric(self, name: str) -> Metric | None:
        return self._metrics_by_name.get(name)

    def tier(self, name: str) -> Tier | None:
        return self._tiers_by_name.get(name)

    def objective(self, name: str) -> Objective | None:
        return self._objectives_by_name.get(name)

    def alert(self, name: str) -> AlertDef | None:
        """A free-form alert (`alerts:`) by name."""
        return self._alerts_by_name.get(name)

    def recording_rule(self, record: str) -> RecordingDef | None:
        return self._recording_by_record.get(record)

    def dashboard(self, uid: str) -> Dashboard | None:
        return self._dashboards_by_uid.get(uid)

    def scenario(self, name: str) -> Scenario | None:
        return self._scenarios_by_name.get(name)

    def series_owner(self, series: str) -> Metric | None:
        """The metric exposing a series name (`x_bucket` -> the histogram `x`)."""
        return self._metrics_by_series.get(series)

    # Indexes by name, built on first use (a frozen instance never changes, so they never go stale).
    @cached_property
    def _metrics_by_name(self) -> dict[str, Metric]:
        return _first_by_name(self.metrics)

    @cached_property
    def _tiers_by_name(self) -> dict[str, Tier]:
        return _first_by_name(self.tiers)

    @cached_property
    def _objectives_by_name(self) -> dict[str, Objective]:
        return _first_by_name(self.objectives)

    @cached_property
    def _alerts_by_name(self) -> dict[str, AlertDef]:
        out: dict[str, AlertDef] = {}
        for alert in self.alerts:
            out.setdefault(alert.text.name, alert)
        return out

    @cached_property
    def _recording_by_record(self) -> dict[str, RecordingDef]:
        out: dict[str, RecordingDef] = {}
        for rule in self.recording_rules:
            out.setdefault(rule.record, rule)
        return out

    @cached_property
    def _dashboards_by_uid(self) -> dict[str, Dashboard]:
        out: dict[str, Dashboard] = {}
        for dashboard in self.dashboards:
            out.setdefault(dashboard.uid, dashboard)
        return out

    @cached_property
    def _scenarios_by_name(self) -> dict[str, Scenario]:
        return _first_by_name(self.scenarios)

    @cached_property
    def _metrics_by_series(self) -> dict[str, Metric]:
        return {name: m for m in self.metrics for name in m.series_names()}

    def line_of(self, path: str) -> int | None:
        """Line of a document path, or of its nearest located parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None
