"""`override-field-unknown`: a panel override picks series by name (`fields: [p99]`), and Grafana
matches the series' display name, which is the target's legend. When every legend of the panel is
fixed text, a field name that is none of them matches nothing, and the override (a colour, a
hidden series, a line style) silently does nothing. Legends with `{{label}}` templates, or targets
without a legend, leave the names open: not checked. Tables name columns, not series: not checked.
"""
from __future__ import annotations

from generator.model import Catalog
from generator.validators.findings import WARNING
from generator.validators.silences import Reporter

RULE = "override-field-unknown"
_SERIES_TYPES = ("timeseries", "stat", "gauge", "bargauge", "state-timeline")


def check_override_fields(report: Reporter, catalog: Catalog) -> None:
    for i, dashboard in enumerate(catalog.dashboards):
        for r, row in enumerate(dashboard.rows):
            for p, panel in enumerate(row.panels):
                overrides = panel.features.overrides
                legends = [t.legend for t in panel.targets]
                if (not overrides or panel.type not in _SERIES_TYPES or not legends
                        or any(not legend or "{{" in legend for legend in legends)):
                    continue
                for k, override in enumerate(overrides):
                    for j, name in enumerate(override.fields):
                        if name not in legends:
                            report.add(RULE, f"panel {panel.title!r}: override field {name!r} is none of the panel's "
                                             f"series (its legends: {', '.join(legends)}), so the override does nothing",
                                       f"dashboards[{i}].rows[{r}].panels[{p}].overrides[{k}].fields[{j}]",
                                       item=panel.title, group=dashboard.uid, severity=WARNING)
