"""Load YAML and remember the line of every node, keyed by its document path.

The document is composed once by libyaml (PyYAML's CSafeLoader when it has it: ten times faster);
the node tree then gives the line numbers, and is checked for what PyYAML itself lets through:
duplicate keys at any depth (the last one would silently win), aliases that expand without bound
("billion laughs"), nesting too deep to handle, and numbers that are not finite (`.inf`, `.nan`,
`1e999`). Each is a `YAMLProblem` with the line it is on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Nodes reached through aliases, in total, before the document is refused: sharing a few blocks
# stays far below this, an alias bomb (each level repeating the one before) crosses it at once.
ALIAS_EXPANSION_LIMIT = 10_000
# Deeper than any catalog needs, shallow enough for every recursive step after loading.
MAX_DEPTH = 64

_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"
# Integers must fit an int64 (what Go-side tools, JSON consumers and float conversions handle).
MAX_INT = 2**63 - 1
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YAMLProblem:
    line: int
    message: str
    path: str = ""


class YAMLProblems(Exception):
    """The YAML parses but cannot be used as it is; every problem carries its line."""

    def __init__(self, problems: list[YAMLProblem]):
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))


def _key_text(key: yaml.Node) -> str:
    return str(key.value) if isinstance(key, yaml.ScalarNode) else f"<{key.id} key>"


def _alias_line(text: str) -> int:
    """The line of the first alias (`*name`) in the document."""
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1
    return 1


class _Walker:
    def __init__(self, text: str, numbers: bool = True):
        # Its own constructor: one that failed on a node keeps it as "recursive" and would then
        # refuse the whole document.
        self.text, self.constructor = text, yaml.constructor.SafeConstructor()
        self.lines: dict[str, int] = {}
        self.problems: list[YAMLProblem] = []
        self.seen: set[int] = set()
        self.expanded = 0
        self.numbers = numbers

    def key_value(self, key: yaml.Node):
        """A key as the built mapping will hold it, or None: `yes` and `true` are the same key, and
        so are `1`, `1.0` and `true`, as in any Python dict."""
        if not isinstance(key, yaml.ScalarNode):
            return None
        if key.tag == _STR_TAG:  # nearly every key: no need to construct it
            return key.value
        try:
            value = self.constructor.construct_object(key)
        except Exception:  # noqa: BLE001 - reported, with its mark, when the document is built
            self.constructor = yaml.constructor.SafeConstructor()
            return None
        try:
            hash(value)
        except TypeError:
            return None
        return value

    def walk(self, root: yaml.Node, path: str = "") -> None:
        # Iterative, so that neither depth nor size can reach Python's recursion limit.
        stack: list[tuple[yaml.Node, str, int, bool]] = [(root, path, 0, False)]
        while stack:
            node, path, depth, aliased = stack.pop()
            if id(node) in self.seen:
                aliased = True
            self.seen.add(id(node))
            if aliased:
                self.expanded += 1
                if self.expanded > ALIAS_EXPANSION_LIMIT:
                    raise YAMLProblems([YAMLProblem(_alias_line(self.text), (
                        f"YAML aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} nodes; "
                        "write the shared parts out instead of nesting aliases"))])
            line = node.start_mark.line + 1
            self.lines.setdefault(path, line)
            if depth > MAX_DEPTH:
                raise YAMLProblems([YAMLProblem(line, f"nested more than {MAX_DEPTH} levels deep")])
            if isinstance(node, yaml.MappingNode):
                self.mapping(node, path, depth, aliased, stack)
            elif isinstance(node, yaml.SequenceNode):
                for index in range(len(node.value) - 1, -1, -1):
                    stack.append((node.value[index], f"{path}[{index}]", depth + 1, aliased))
            elif self.numbers and node.tag in (_FLOAT_TAG, _INT_TAG) and not aliased:
                self.number(node, line, path)

    def mapping(self, node: yaml.MappingNode, path: str, depth: int, aliased: bool, stack: list) -> None:
        first: dict[Any, int] = {}
        children = []
        for key, value in node.value:
            key_line = key.start_mark.line + 1
            child = f"{path}.{_key_text(key)}" if path else _key_text(key)
            if key.tag != _MERGE_TAG and not aliased:
                identity = self.key_value(key)
                if identity is not None and identity in first:
                    self.problems.append(YAMLProblem(key_line, (
                        f"duplicate key {_shorten(_key_text(key))!r}: already given at line {first[identity]}"),
                        _shorten(child, 200)))
                    continue  # the line recorded for the path stays the first one's
                if identity is not None:
                    first[identity] = key_line
            self.lines[child] = key_line
            children.append((value, child, depth + 1, aliased))
        stack.extend(reversed(children))

    def number(self, node: yaml.ScalarNode, line: int, path: str) -> None:
        try:
            value = self.constructor.construct_object(node)
        except Exception:  # noqa: BLE001 - `!!int x`: reported when the document is built
            self.constructor = yaml.constructor.SafeConstructor()
            return
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            self.problems.append(YAMLProblem(
                line, f"{_shorten(node.value)!r} is out of range (at most 2^63-1 in magnitude)", path))
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(YAMLProblem(line, f"{_shorten(node.value)!r} is not a finite number", path))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def load_with_lines(text: str) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document; returns (data, {"metrics[2].buckets": line}).

    Raises yaml.YAMLError (with problem_mark, or a position for a ReaderError) on syntax errors and
    YAMLProblems for duplicate keys, alias bombs, too deep nesting and non-finite numbers.
    """
    node = yaml.compose(text, Loader=_LOADER)
    if node is None:
        return None, {}
    walker = _Walker(text)
    walker.walk(node)
    constructor = yaml.constructor.SafeConstructor()
    if walker.problems:
        raise YAMLProblems(sorted(walker.problems, key=lambda p: p.line))
    try:
        return constructor.construct_document(node), walker.lines
    except yaml.YAMLError:
        raise
    except Exception:  # noqa: BLE001 - PyYAML lets a bad explicit tag (`!!int x`) raise ValueError
        raise YAMLProblems([_unreadable_scalar(node)]) from None


def load_all_checked(text: str, loader_class=_LOADER) -> list[Any]:
    """Every document of a YAML stream, each checked for duplicate keys, alias bombs and nesting
    as `load_with_lines` checks a catalog (numbers are left alone: other tools' files may hold
    `.inf`). Raises yaml.YAMLError on syntax errors and YAMLProblems for the rest; the alias cap
    counts over the whole stream."""
    loader = loader_class(text)
    walker = _Walker(text, numbers=False)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            walker.walk(node)
            if walker.problems:
                raise YAMLProblems(sorted(walker.problems, key=lambda p: p.line))
            documents.append(loader.construct_document(node))
    finally:
        loader.dispose()
    return documents


def _unreadable_scalar(root: yaml.Node) -> YAMLProblem:
    """The first scalar the constructor cannot turn into its tag's type (`!!int x`, `!!float []`)."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.constructor.SafeConstructor().construct_object(node)
            except Exception as exc:  # noqa: BLE001
                return YAMLProblem(node.start_mark.line + 1, (
                    f"{_shorten(node.value)!r} cannot be read as {node.tag.rsplit(':', 1)[-1]} "
                    f"({_shorten(str(exc), 120)})"))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return YAMLProblem(root.start_mark.line + 1, "the document cannot be read")


def json_path(parts) -> str:
    """jsonschema's absolute_path deque -> "metrics[2].buckets"."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def node_lines(node: yaml.Node, path: str = "") -> dict[str, int]:
    """{document path: line} of a composed node and everything below it (paths start with `path`)."""
    walker = _Walker("")
    walker.walk(node, path)
    return walker.lines
