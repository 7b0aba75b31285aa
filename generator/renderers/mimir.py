"""Catalog -> Mimir/Cortex ruler file (opt-in kind `mimir`): deploy/mimir/<namespace>.yaml.

The format `mimirtool rules load` and `cortextool rules load` read: a `namespace` and the rule
groups, the same groups as alerts/ and recording_rules/. The namespace is the catalog's
`mimir.namespace`, by default the service name.
"""
from __future__ import annotations

from generator.derive import derive
from generator.model import Catalog
from generator.renderers.header import comment_header
from generator.renderers.rules import dump_yaml, rule_dict

FOLDERS = ("deploy/mimir",)


def namespace(catalog: Catalog) -> str:
    return catalog.mimir.namespace or catalog.service.name


def ruler_document(catalog: Catalog) -> dict:
    groups = [{"name": g.name, "rules": [rule_dict(r) for r in g.rules]} for g in derive(catalog).rule_groups]
    return {"namespace": namespace(catalog), "groups": groups}


def render(catalog: Catalog) -> dict[str, str]:
    return {f"deploy/mimir/{namespace(catalog)}.yaml": comment_header(catalog) + dump_yaml(ruler_document(catalog))}
