"""Fields earlier catalogs carried that now belong to the service under test, not to the catalog.

A catalog that still has one gets a located problem per field saying where it went, instead of the
schema's bare "unknown field". They described the reference exporter (its summary route, its log
line, its dataset sizes), which now reads them from its own configuration.
"""
from __future__ import annotations

from typing import Any

EXPORTER_CONFIG = ("the reference exporter's own configuration (exporter/exporter.yaml, or yours with "
                   "`obsgen-exporter seed|serve --config PATH`; see docs/exporter.md)")

ENDPOINT = ("service.endpoint is no longer a catalog field: move the route to `summary_path` in "
            f"{EXPORTER_CONFIG}; load tests already name theirs in load_tests.scenarios[].requests[].path")
LOG_FIELDS = ("log_fields is no longer a catalog field: move the list to `log_fields` in "
              f"{EXPORTER_CONFIG}; to keep validate refusing metric labels named like unbounded fields "
              "(user_id), list those under `log_only_fields`")
SIZES = ("tiers[].{field} is no longer a catalog field (a tier is a name, a target and a critical "
         "threshold): move the dataset sizes to `datasets` ({{name, repos, prs, token}}) in " + EXPORTER_CONFIG)


def removed_fields(data: Any) -> list[tuple[str, str]]:
    """(document path, how to migrate) for every removed field the document still has."""
    if not isinstance(data, dict):
        return []
    out = []
    service = data.get("service")
    if isinstance(service, dict) and "endpoint" in service:
        out.append(("service.endpoint", ENDPOINT))
    if "log_fields" in data:
        out.append(("log_fields", LOG_FIELDS))
    tiers = data.get("tiers")
    for i, tier in enumerate(tiers if isinstance(tiers, list) else ()):
        if isinstance(tier, dict):
            out += [(f"tiers[{i}].{key}", SIZES.format(field=key)) for key in ("repos", "prs") if key in tier]
    return out
