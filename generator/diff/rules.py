"""Rule groups before and after -> alerts, recording rules and groups added, removed or changed.

A rule is identified by its file, its group, whether it is an alert or a recording rule, and its
name; a name used twice in one group (a warning and a critical variant, say) is told apart by its
position among the rules of that name ("#2"). Compared field by field:
- the thresholds pulled out of the expression (`> 0.5` -> `> 0.75`);
- the expression, when it differs in more than its thresholds and its layout;
- `for` and `keep_firing_for` (as durations: 5m equals 300s, absent equals 0s);
- every label and annotation, one field each (`labels.severity`).
"""
from __future__ import annotations

from generator.diff.changes import ADDED, CHANGED, REMOVED, FieldChange, ItemChange, field_changes
from generator.diff.documents import RuleGroupDoc
from generator.diff.thresholds import thresholds, without_thresholds
from generator.model import format_duration, parse_duration

_DURATION_FIELDS = ("for", "keep_firing_for")


def one_line(text) -> str:
    """A value as one line of text: multi-line expressions and annotations folded."""
    return " ".join(str(text).split())


def _duration(value) -> str | None:
    text = str(value).strip()
    try:
        seconds = parse_duration(text)
    except ValueError:
        return text
    return format_duration(seconds) if seconds > 0 else None


def rule_kind(rule: dict) -> str:
    return "alert" if "alert" in rule else "record"


def rule_fields(rule: dict) -> dict[str, str]:
    """The reviewable fields of one rule, as one-line strings, in a stable order."""
    expr = str(rule.get("expr", ""))
    out: dict[str, str] = {}
    found = thresholds(expr)
    if found:
        out["threshold"] = ", ".join(str(t) for t in found)
    out["expr"] = one_line(expr)
    for key in _DURATION_FIELDS:
        if key in rule and _duration(rule[key]) is not None:
            out[key] = _duration(rule[key])
    for section in ("labels", "annotations"):
        values = rule.get(section) or {}
        if isinstance(values, dict):
            for name in sorted(values):
                out[f"{section}.{name}"] = one_line(values[name])
    return out


def _rule_changes(before: dict, after: dict) -> tuple[FieldChange, ...]:
    old, new = rule_fields(before), rule_fields(after)
    if without_thresholds(str(before.get("expr", ""))) == without_thresholds(str(after.get("expr", ""))):
        old.pop("expr", None)
        new.pop("expr", None)
    return field_changes(old, new)


def _keyed_rules(group: RuleGroupDoc) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    seen: dict[tuple[str, str], int] = {}
    for rule in group.rules:
        kind = rule_kind(rule)
        name = str(rule.get("alert") or rule.get("record") or "")
        seen[(kind, name)] = seen.get((kind, name), 0) + 1
        label = name if seen[(kind, name)] == 1 else f"{name} #{seen[(kind, name)]}"
        out[(kind, label)] = rule
    return out


def _keyed_groups(groups: list[RuleGroupDoc]) -> dict[tuple[str, str], RuleGroupDoc]:
    """(file, group name) -> group; a name repeated in one file (Prometheus rejects that) gets "#2"."""
    out: dict[tuple[str, str], RuleGroupDoc] = {}
    seen: dict[tuple[str, str], int] = {}
    for group in groups:
        seen[(group.file, group.name)] = n = seen.get((group.file, group.name), 0) + 1
        out[(group.file, group.name if n == 1 else f"{group.name} #{n}")] = group
    return out


def _settings(group: RuleGroupDoc) -> dict[str, str]:
    return {k: (_duration(v) or "0s") if k in ("interval", "query_offset") else one_line(v)
            for k, v in sorted(group.settings.items())}


def diff_rules(before: list[RuleGroupDoc], after: list[RuleGroupDoc]) -> list[ItemChange]:
    old_groups, new_groups = _keyed_groups(before), _keyed_groups(after)
    changes: list[ItemChange] = []
    for key in sorted(set(old_groups) | set(new_groups)):
        file, name = key
        old, new = old_groups.get(key), new_groups.get(key)
        if old is None:
            changes.append(ItemChange("group", name, ADDED, file, name, field_changes({}, _settings(new))))
        elif new is None:
            changes.append(ItemChange("group", name, REMOVED, file, name))
        else:
            settings = field_changes(_settings(old), _settings(new))
            if settings:
                changes.append(ItemChange("group", name, CHANGED, file, name, settings))
        old_rules = _keyed_rules(old) if old else {}
        new_rules = _keyed_rules(new) if new else {}
        for rule_key in sorted(set(old_rules) | set(new_rules)):
            kind, rule_name = rule_key
            if rule_key not in old_rules:
                changes.append(ItemChange(kind, rule_name, ADDED, file, name,
                                          field_changes({}, rule_fields(new_rules[rule_key]))))
            elif rule_key not in new_rules:
                changes.append(ItemChange(kind, rule_name, REMOVED, file, name))
            elif old_rules[rule_key] != new_rules[rule_key]:  # equal dicts: nothing to compare
                fields = _rule_changes(old_rules[rule_key], new_rules[rule_key])
                if fields:
                    changes.append(ItemChange(kind, rule_name, CHANGED, file, name, fields))
    return changes
