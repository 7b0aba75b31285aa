"""The project's own settings: `.obsgen.yaml` at the project root (optional).

    grafana_schema_dir: vendor/grafana-schema   # where `validate` finds Grafana's dashboard schemas
    tools:                                      # where promtool, amtool and k6 are, when not on PATH
      promtool: /opt/prometheus/promtool
      amtool: /opt/alertmanager/amtool
      k6: ~/bin/k6

Relative paths are taken from the project root, `~` is expanded. Only the keys read here are
checked here (other keys of the file, `lint:` for one, belong to their own readers). A malformed
file is a CatalogError naming the file, line and key (exit 3), never a traceback.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.errors import CatalogError, Location, Problem

FILE_NAME = ".obsgen.yaml"
TOOLS = ("promtool", "amtool", "k6")


@dataclass(frozen=True)
class ProjectConfig:
    file: Path | None = None  # None: the project has no .obsgen.yaml
    grafana_schema_dir: Path | None = None
    tools: dict[str, Path] = field(default_factory=dict)


def _line_of(node: yaml.Node | None, key: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node.start_mark.line + 1
    return None


def _path(value, root: Path) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else root / path


def load(root: Path | None = None) -> ProjectConfig:
    """The settings of the project at `root` (default: the working directory)."""
    root = Path(root) if root is not None else Path.cwd()
    file = root / FILE_NAME
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ProjectConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([Problem(Location(str(file)), f"cannot read the project config: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError([Problem(Location(str(file), mark.line + 1 if mark else None),
                                    f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]) from None
    if data is None:
        return ProjectConfig(file)
    if not isinstance(data, dict):
        raise CatalogError([Problem(Location(str(file), 1), "the project config must be a mapping")])
    problems: list[Problem] = []
    schema_dir = None
    if "grafana_schema_dir" in data:
        schema_dir = _path(data["grafana_schema_dir"], root)
        if schema_dir is None:
            problems.append(Problem(Location(str(file), _line_of(node, "grafana_schema_dir"), "grafana_schema_dir"),
                                    "must be a folder path (a non-empty string)"))
    tools: dict[str, Path] = {}
    raw_tools = data.get("tools", {}) or {}
    tools_node = next((v for k, v in node.value if getattr(k, "value", None) == "tools"), None)
    if not isinstance(raw_tools, dict):
        problems.append(Problem(Location(str(file), _line_of(node, "tools"), "tools"),
                                f"must be a mapping of {', '.join(TOOLS)} to paths"))
        raw_tools = {}
    for name, value in raw_tools.items():
        where = Location(str(file), _line_of(tools_node, str(name)), f"tools.{name}")
        if name not in TOOLS:
            problems.append(Problem(where, f"unknown tool {name!r} (known: {', '.join(TOOLS)})"))
            continue
        path = _path(value, root)
        if path is None:
            problems.append(Problem(where, "must be a path to the executable (a non-empty string)"))
            continue
        tools[name] = path
    if problems:
        raise CatalogError(problems)
    return ProjectConfig(file, schema_dir, tools)


def tool_path(name: str, root: Path | None = None) -> Path | None:
    """The configured location of a tool (`tools:` in .obsgen.yaml), or None."""
    return load(root).tools.get(name)
