"""Rule groups before and after -> alerts, recording rules and groups added, removed or changed.

A rule is identified by its file, its group, whether it is an alert or a recording rule, and its
name. Rules sharing a name in one group (a warning and a critical variant, or one recording rule
written per label set) are paired as a reviewer would pair them (`pairing`): equal rules first,
then same labels, then same expression, then by position for what remains. So inserting one more
`record: r:x` before two others is one rule added, not two changed and one added. When a name is
used more than once on a side, the rules are told apart as `Name #n` (n = position among the
rules of that name: on the after side, on the before side for removed ones). Compared field by
field:
- the thresholds pulled out of the expression (`> 0.5` -> `> 0.75`; `0.50` is `0.5`);
- the expression, when it differs in more than its thresholds and its layout (comments and
  redundant parentheses do not count); a long one as excerpts of the tokens that changed;
- `for` and `keep_firing_for` (as durations: 5m equals 300s, absent equals 0s);
- every label and annotation, one field each (`labels.severity`); a change of whitespace alone
  is its own field, `annotations.summary (whitespace)`, with the values quoted.
An expression the PromQL parser refuses on either side gets no threshold field (a tokenizer's
guess could read as a threshold change): the item carries a problem saying so, and the
expression is compared as tokens.
"""
from __future__ import annotations

import json

from generator.diff.changes import ADDED, CHANGED, REMOVED, FieldChange, ItemChange, field_changes
from generator.diff.documents import RuleGroupDoc
from generator.diff.pairing import Rule, pair_rules
from generator.diff.thresholds import normalized, parse_error, thresholds, without_thresholds
from generator.diff.token_diff import excerpts
from generator.diff.token_fallback import one_line as expr_line
from generator.model import format_duration, parse_duration

_DURATION_FIELDS = ("for", "keep_firing_for")
_SECTIONS = ("labels", "annotations")


def one_line(text) -> str:
    """A value as one line of text: multi-line annotations folded."""
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


def _expr(rule: dict) -> str:
    return str(rule.get("expr", ""))


def rule_fields(rule: dict, with_thresholds: bool = True) -> dict[str, str]:
    """The reviewable fields of one rule, as one-line strings, in a stable order."""
    expr = _expr(rule)
    out: dict[str, str] = {}
    found = thresholds(expr) if with_thresholds else ()
    if found:
        out["threshold"] = ", ".join(str(t) for t in found)
    out["expr"] = expr_line(expr)
    for key in _DURATION_FIELDS:
        if key in rule and _duration(rule[key]) is not None:
            out[key] = _duration(rule[key])
    for section in _SECTIONS:
        values = rule.get(section) or {}
        if isinstance(values, dict):
            for name in sorted(values):
                out[f"{section}.{name}"] = one_line(values[name])
    return out


def _whitespace_changes(before: dict, after: dict) -> list[FieldChange]:
    """Labels and annotations whose values differ only in whitespace (folded, they look equal)."""
    out = []
    for section in _SECTIONS:
        old, new = before.get(section), after.get(section)
        if not (isinstance(old, dict) and isinstance(new, dict)):
            continue
        for name in sorted(set(old) & set(new)):
            a, b = str(old[name]), str(new[name])
            if a != b and one_line(a) == one_line(b):
                out.append(FieldChange(f"{section}.{name} (whitespace)", json.dumps(a), json.dumps(b)))
    return out


def _same_thresholds(before: str, after: str) -> bool:
    """The same comparisons with the same numbers, however the numbers are spelled."""
    try:
        return ([(t.op, float(t.value)) for t in thresholds(before)]
                == [(t.op, float(t.value)) for t in thresholds(after)])
    except ValueError:  # a hexadecimal number: compare as written
        return False


def _with_excerpt(change: FieldChange) -> FieldChange:
    if change.field != "expr" or change.before is None or change.after is None:
        return change
    found = excerpts(change.before, change.after)
    return change if found is None else FieldChange(change.field, change.before, change.after, found)


def _parse_problem(before: dict | None, after: dict | None) -> str:
    sides = [(label, parse_error(_expr(rule))) for label, rule in (("before", before), ("after", after))
             if rule is not None]
    refused = [(label, error) for label, error in sides if error]
    if not refused:
        return ""
    where = "either side" if len(refused) == 2 else f"the {refused[0][0]} side"
    return (f"the expression does not parse on {where} ({refused[-1][1]}); "
            "compared as text, thresholds not read")


def _rule_change(kind: str, name: str, group: str, file: str, old: dict | None, new: dict | None) -> ItemChange | None:
    if new is None:
        return ItemChange(kind, name, REMOVED, file, group)
    if old == new:  # equal dicts: nothing to compare, nothing to parse
        return None
    problem = _parse_problem(old, new)
    problems = (problem,) if problem else ()
    if old is None:
        fields = field_changes({}, rule_fields(new, with_thresholds=not problem))
        return ItemChange(kind, name, ADDED, file, group, fields, problems)
    a, b = rule_fields(old, not problem), rule_fields(new, not problem)
    same_expr = (without_thresholds(_expr(old)) == without_thresholds(_expr(new)) if not problem
                 else normalized(_expr(old)) == normalized(_expr(new)))
    if same_expr:
        a.pop("expr", None)
        b.pop("expr", None)
    if not problem and _same_thresholds(_expr(old), _expr(new)):  # `> 0.50` is `> 0.5`
        a.pop("threshold", None)
        b.pop("threshold", None)
    fields = [_with_excerpt(f) for f in field_changes(a, b)] + _whitespace_changes(old, new)
    if not fields:
        return None
    return ItemChange(kind, name, CHANGED, file, group, tuple(fields), problems)


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


def _rules(group: RuleGroupDoc | None) -> list[Rule]:
    if group is None:
        return []
    return [Rule(rule_kind(r), str(r.get("alert") or r.get("record") or ""), r) for r in group.rules]


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
        for kind, label, old_rule, new_rule in pair_rules(_rules(old), _rules(new)):
            change = _rule_change(kind, label, name, file, old_rule, new_rule)
            if change is not None:
                changes.append(change)
    return changes
