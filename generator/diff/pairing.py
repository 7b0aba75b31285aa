"""Pairing the rules of one group before and after, when a name is used more than once.

Rules of one kind and name are paired in rounds, each round only among the rules still unpaired,
in the order written:
1. equal rules (same expression as parsed, `for`, labels and annotations): unchanged;
2. same labels (a warning and a critical twin keep their severity when their threshold moves);
3. same expression as parsed (labels or annotations edited);
4. by position, for what remains.
A rule left over on one side is added or removed. Pairing by position alone would turn one rule
inserted before two others into two changed and one added.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from generator.diff.thresholds import normalized


@dataclass(frozen=True)
class Rule:
    kind: str  # alert | record
    name: str
    data: dict


def _labels(rule: dict):
    labels = rule.get("labels")
    return sorted((str(k), str(v)) for k, v in labels.items()) if isinstance(labels, dict) else labels


def _expr(rule: dict) -> str:
    return normalized(str(rule.get("expr", "")))


def _whole(rule: dict):
    rest = {k: v for k, v in rule.items() if k not in ("expr", "labels")}
    return (_expr(rule), _labels(rule), repr(sorted((str(k), repr(v)) for k, v in rest.items())))


_ROUNDS: tuple[Callable[[dict], object], ...] = (_whole, _labels, _expr)


def _pair(old: list[dict], new: list[dict]) -> list[tuple[int | None, int | None]]:
    """(before index, after index) pairs; None on the side where the rule is missing."""
    if len(old) == 1 and len(new) == 1:
        return [(0, 0)]
    free_old = list(range(len(old)))
    pairs: dict[int, int] = {}  # after index -> before index
    for signature in _ROUNDS:
        if not free_old:
            break
        wanted: dict[object, list[int]] = {}
        for i in free_old:
            wanted.setdefault(repr(signature(old[i])), []).append(i)
        for j in range(len(new)):
            if j in pairs:
                continue
            candidates = wanted.get(repr(signature(new[j])))
            if candidates:
                i = candidates.pop(0)
                pairs[j] = i
                free_old.remove(i)
    remaining_new = [j for j in range(len(new)) if j not in pairs]
    for i, j in zip(list(free_old), remaining_new):
        pairs[j] = i
        free_old.remove(i)
    out: list[tuple[int | None, int | None]] = [(pairs.get(j), j) for j in range(len(new))]
    out += [(i, None) for i in free_old]
    return out


def pair_rules(before: list[Rule], after: list[Rule]) -> Iterator[tuple[str, str, dict | None, dict | None]]:
    """(kind, label, before rule, after rule) for every rule on either side, sorted by label.

    The label is the name, or `name #n` when the name is used more than once on a side (n is the
    position among the rules of that name after the change, or before it for removed rules)."""
    old: dict[tuple[str, str], list[dict]] = {}
    new: dict[tuple[str, str], list[dict]] = {}
    for rules, into in ((before, old), (after, new)):
        for rule in rules:
            into.setdefault((rule.kind, rule.name), []).append(rule.data)
    out = []
    for key in set(old) | set(new):
        kind, name = key
        a, b = old.get(key, []), new.get(key, [])
        numbered = max(len(a), len(b)) > 1
        for i, j in _pair(a, b):
            position = (j if j is not None else i) + 1
            label = f"{name} #{position}" if numbered and position > 1 else name
            out.append((kind, label, a[i] if i is not None else None, b[j] if j is not None else None))
    # removed rules sort after the others of their label, so that "#2" before and after stay apart
    out.sort(key=lambda item: (item[0], item[1], item[3] is None))
    yield from out
