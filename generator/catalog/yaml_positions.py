"""Load YAML and remember the line of every node, keyed by its document path."""
from __future__ import annotations

from typing import Any

import yaml

# libyaml's parser when PyYAML has it (ten times faster); the document is parsed once, its nodes
# give both the line numbers and the data.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _walk(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, f"{path}[{index}]", lines)


def load_with_lines(text: str) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document; returns (data, {"metrics[2].buckets": line}).

    Raises yaml.YAMLError (with problem_mark) on syntax errors.
    """
    node = yaml.compose(text, Loader=_LOADER)
    if node is None:
        return None, {}
    lines: dict[str, int] = {}
    _walk(node, "", lines)
    return yaml.constructor.SafeConstructor().construct_document(node), lines


def json_path(parts) -> str:
    """jsonschema's absolute_path deque -> "metrics[2].buckets"."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def node_lines(node: yaml.Node, path: str = "") -> dict[str, int]:
    """{document path: line} of a composed node and everything below it (paths start with `path`)."""
    lines: dict[str, int] = {}
    _walk(node, path, lines)
    return lines
