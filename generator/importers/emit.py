"""Imported catalog data -> readable YAML: sections in the catalog's order, block style, no aliases.

Lists keep the order the importer chose (sorted where the source has no meaningful order); keys
of a mapping follow `_KEY_ORDER` first, the rest alphabetically, so two imports of the same input
give the same bytes.
"""
from __future__ import annotations

import yaml

_BASE = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_KEY_ORDER = ("service", "metrics", "alerts", "recording_rules", "dashboards", "slos",
              "name", "record", "alert", "uid", "title", "type", "help", "unit", "team", "runbook_base_url",
              "grafana", "folder", "selector", "expr", "legend", "instant", "for", "severity", "summary",
              "description", "runbook_url", "labels", "annotations", "group", "values", "pattern", "buckets",
              "tags", "refresh", "time_from", "time_to", "timezone", "links", "annotations", "variables", "rows",
              "collapsed", "panels", "stack", "width", "height", "content", "min", "max", "targets", "overrides",
              "mappings", "legend", "transformations", "repeat", "repeat_direction", "max_per_row")
_RANK = {key: i for i, key in enumerate(_KEY_ORDER)}


class _Dumper(_BASE):
    def ignore_aliases(self, data):
        return True


def _str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _ordered(value):
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_RANK.get(k, len(_RANK)), str(k)))
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, (list, tuple)):
        return [_ordered(v) for v in value]
    return value


def _list(dumper, value: list):
    flat = all(isinstance(v, (str, int, float, bool)) and not (isinstance(v, str) and "\n" in v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat and bool(value))


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def dump_catalog(data: dict, comment: str = "") -> str:
    header = "".join(f"# {line}\n".replace("# \n", "#\n") for line in comment.splitlines()) if comment else ""
    body = yaml.dump(_ordered(data), Dumper=_Dumper, sort_keys=False, width=10_000, default_flow_style=False,
                     allow_unicode=True)
    return header + body
