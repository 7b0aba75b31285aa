"""A seeded mutation engine for YAML catalogs: line edits, value swaps, type changes, odd scalars,
unicode, huge numbers, truncation, aliases, bad bytes. Same seed, same catalog, same mutant.

Mutations work on the text, mostly line by line: they do not need the catalog to stay valid YAML,
and many of them deliberately make it invalid.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

# `key: value` on one line (block mapping entry, possibly a list item "- key: value")
_ENTRY_RE = re.compile(r"^(?P<head>\s*(?:- )?(?P<key>[A-Za-z_][\w.-]*):[ ]+)(?P<value>\S.*?)\s*$")
_NUMBER_RE = re.compile(r"(?<![\w.$])-?\d+(?:\.\d+)?(?![\w.])")
_DURATION_RE = re.compile(r"^\d+(?:ms|s|m|h|d|w|y)+$")

TYPE_CHANGES = ["[]", "{}", "null", "~", "true", "false", "42", "-1", "0", "'42'", "[a, b]", "{a: 1}",
                "''", "[[]]", "[{}]", "{name: x}", "- x"]
ODD_SCALARS = [
    ".inf", "-.inf", ".nan", ".NaN", "0x1F", "0o17", "0b101", "1e999", "1_000", "-0.0", "+1", "''", "'{{'",
    "'{{ define \"x\" }}y{{ end }}'", "'{{ $value | nope }}'", "'{{ .Labels }}'", "\"a\\nb\"", "\"x\\n\"",
    "!!binary aGVsbG8=", "!!python/object/apply:os.system [true]", "!!str 1", "!!int x", "!!set {a, b}",
    "!!timestamp 2001-12-14", "2001-12-14", "12:30:00", "yes", "off", "Null", "'0lab'", "\"\\t\"",
    "'$selector'", "'${threshold}'", "'\"'", "'\\'", "'}'", "'{'", "'['", "'*'", "'&a'", "'#'",
    "'a: b'", "'- x'", "'%'", "'@'", "'`'", "'|'", "'>'", "'!'", "'?'", "'!='", "'=~'", "'up{'", "'sum('",
    "' '", "'  leading'", "'trailing  '", "'ALLCAPS'", "'__name__'", "'le'", "'job'", "'Inf'", "'+Inf'",
    "'-1'", "'0'", "'1e-300'", "'1.0'", "'0.0'", "'http://'", "'/'", "'..'", "'a/../b'",
]
UNICODE = ["é", "日本語", "🙂", "\u202e", "\u200b", "\u2028", "e\u0301", "\ufeff", "Ω", "\u00a0", "ß", "İ",
           "\U0001f4a9" * 3, "\u0000", "\x7f", "\x1b[31m", "\ud7ff", "\ufffd"]
HUGE = ["99999999999999999999999", "1e308", "-1e308", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1" * 400, "0." + "0" * 400 + "1", "4.9e-324", "1.7976931348623157e308"]
DURATIONS = ["99999999999999999999y", "293y", "292y", "5m1h", "1m1m", "0s", "0ms", "00m", "-5m", "1.5m",
             "5", "5M", "1y2w3d4h5m6s7ms", "9223372036854ms", "9223372036855ms", "1d", "1w"]
LAUGHS = ("lol:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
          + "".join(f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")))


@dataclass(frozen=True)
class Mutant:
    content: bytes
    steps: tuple[str, ...]  # what was done, for the failure report

    def describe(self) -> str:
        return "; ".join(self.steps)


class Mutator:
    """`Mutator(text).mutant(seed)`: 1 to 3 mutations of `text`, chosen by `seed` alone."""

    def __init__(self, text: str):
        self.text = text

    def mutant(self, seed: int) -> Mutant:
        rng = random.Random(seed)
        text, steps = self.text, []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            name, fn = rng.choice(_TEXT_MUTATIONS)
            try:
                text, note = fn(rng, text)
            except (IndexError, ValueError, AttributeError, TypeError):  # nothing left to mutate that way
                name, (text, note) = "delete line", delete_line(rng, text + "\n")
            steps.append(f"{name}: {note}")
        content = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.04:
            name, fn = rng.choice(_BYTE_MUTATIONS)
            content, note = fn(rng, content)
            steps.append(f"{name}: {note}")
        return Mutant(content, tuple(steps))


# -- helpers -----------------------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _entries(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if _ENTRY_RE.match(line.rstrip("\n"))]


def _set_value(lines: list[str], i: int, value: str) -> str:
    match = _ENTRY_RE.match(lines[i].rstrip("\n"))
    old = match.group("value")
    lines[i] = f"{match.group('head')}{value}\n"
    return f"line {i + 1} {match.group('key')}: {old[:40]!r} -> {value[:60]!r}"


def _pick_entry(rng: random.Random, lines: list[str]) -> int | None:
    entries = _entries(lines)
    return rng.choice(entries) if entries else None


# -- text mutations: (rng, text) -> (text, note) -------------------------------------------------------

def delete_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    removed = lines.pop(i)
    return "".join(lines), f"line {i + 1} {removed.strip()[:50]!r}"


def delete_block(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    n = rng.randint(2, 12)
    del lines[i:i + n]
    return "".join(lines), f"lines {i + 1}-{i + n}"


def duplicate_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "".join(lines), f"line {i + 1} {lines[i].strip()[:50]!r}"


def move_line(rng, text):
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    line = lines.pop(i)
    lines.insert(j, line)
    return "".join(lines), f"line {i + 1} to {j + 1}"


def swap_values(rng, text):
    lines = _lines(text)
    entries = _entries(lines)
    i, j = rng.choice(entries), rng.choice(entries)
    a = _ENTRY_RE.match(lines[i].rstrip("\n")).group("value")
    b = _ENTRY_RE.match(lines[j].rstrip("\n")).group("value")
    _set_value(lines, i, b)
    _set_value(lines, j, a)
    return "".join(lines), f"lines {i + 1} and {j + 1}"


def change_type(rng, text):
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    note = _set_value(lines, i, rng.choice(TYPE_CHANGES))
    return "".join(lines), note


def odd_scalar(rng, text):
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    note = _set_value(lines, i, rng.choice(ODD_SCALARS))
    return "".join(lines), note


def unicode_in_value(rng, text):
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    match = _ENTRY_RE.match(lines[i].rstrip("\n"))
    old = match.group("value")
    char = rng.choice(UNICODE)
    at = rng.randint(0, len(old))
    new = old[:at] + char + old[at:]
    if rng.random() < 0.5:  # quoted, so that YAML takes it as a string whatever it holds
        new = '"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"'
    note = _set_value(lines, i, new)
    return "".join(lines), note


def huge_number(rng, text):
    lines = _lines(text)
    numbered = [i for i, line in enumerate(lines) if _NUMBER_RE.search(line) and not line.lstrip().startswith("#")]
    i = rng.choice(numbered)
    spots = list(_NUMBER_RE.finditer(lines[i]))
    spot = rng.choice(spots)
    value = rng.choice(HUGE)
    lines[i] = lines[i][:spot.start()] + value + lines[i][spot.end():]
    return "".join(lines), f"line {i + 1} {spot.group()!r} -> {value[:30]!r}"


def odd_duration(rng, text):
    lines = _lines(text)
    durations = [i for i in _entries(lines) if _DURATION_RE.match(_ENTRY_RE.match(lines[i].rstrip("\n")).group("value"))]
    i = rng.choice(durations)
    note = _set_value(lines, i, rng.choice(DURATIONS))
    return "".join(lines), note


def truncate(rng, text):
    at = rng.randrange(len(text))
    return text[:at], f"at character {at} of {len(text)}"


def indent(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    change = rng.choice(("  ", "\t", " ", "-1", "-2"))
    if change.startswith("-"):
        lines[i] = lines[i][int(change[1:]):] if lines[i].startswith(" " * int(change[1:])) else lines[i]
    else:
        lines[i] = change + lines[i]
    return "".join(lines), f"line {i + 1} by {change!r}"


def rename_key(rng, text):
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    match = _ENTRY_RE.match(lines[i].rstrip("\n"))
    key = match.group("key")
    new = rng.choice([key.upper(), key + "s", key[:-1] or "x", "0" + key, key + "-x", "'" + key + "\\n'",
                      '"' + key + '\\n"', "__" + key, key.replace("_", "-"), "<<", "? " + key, "!!str " + key])
    head = match.group("head")
    lines[i] = head[: head.rindex(key)] + new + head[head.rindex(key) + len(key):] + match.group("value") + "\n"
    return "".join(lines), f"line {i + 1} {key!r} -> {new!r}"


def sibling_duplicate(rng, text):
    """Repeat a key on the next line with another value: a duplicate key, usually deep."""
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    match = _ENTRY_RE.match(lines[i].rstrip("\n"))
    head = match.group("head").replace("- ", "  ")
    lines.insert(i + 1, f"{head}{rng.choice(ODD_SCALARS + TYPE_CHANGES)}\n")
    return "".join(lines), f"after line {i + 1} key {match.group('key')!r}"


def alias(rng, text):
    lines = _lines(text)
    entries = _entries(lines)
    i, j = rng.choice(entries), rng.choice(entries)
    value = _ENTRY_RE.match(lines[i].rstrip("\n")).group("value")
    _set_value(lines, i, f"&anchor {value}")
    note = _set_value(lines, j, "*anchor" if rng.random() < 0.8 else "*missing")
    return "".join(lines), f"anchor at line {i + 1}, {note}"


def alias_bomb(rng, text):
    return text + "\n" + LAUGHS, "billion laughs appended"


def deep_nesting(rng, text):
    lines = _lines(text)
    i = _pick_entry(rng, lines)
    depth = rng.choice((70, 300, 2000))
    if rng.random() < 0.5:
        value = "[" * depth + "]" * depth
    else:
        value = "'" + "(" * depth + "up" + ")" * depth + "'"
    note = _set_value(lines, i, value)
    return "".join(lines), note


def edit_expression(rng, text):
    lines = _lines(text)
    exprs = [i for i in _entries(lines) if _ENTRY_RE.match(lines[i].rstrip("\n")).group("key") in ("expr", "series")]
    i = rng.choice(exprs)
    match = _ENTRY_RE.match(lines[i].rstrip("\n"))
    value = match.group("value")
    at = rng.randrange(len(value))
    how = rng.choice(("delete", "insert", "double"))
    if how == "delete":
        new = value[:at] + value[at + 1:]
    elif how == "insert":
        new = value[:at] + rng.choice("(){}[]\"',=!~+-*/^%@:$ 0a") + value[at:]
    else:
        new = value[:at] + value[at:] * 2
    note = _set_value(lines, i, new)
    return "".join(lines), note


def label_map(rng, text):
    """Give an alert or a recording rule a labels or annotations map with an odd key."""
    lines = _lines(text)
    spots = [i for i in _entries(lines) if _ENTRY_RE.match(lines[i].rstrip("\n")).group("key") in ("summary", "expr")]
    i = rng.choice(spots)
    head = _ENTRY_RE.match(lines[i].rstrip("\n")).group("head").replace("- ", "  ")
    key = rng.choice(["0lab", "a-b", "'a b'", "__x", "le", "alertname", "severity", "é", "'x\\n'", "ok_name", "1"])
    value = rng.choice(["x", "'{{ $labels.job }}'", "'{{'", "''", "'{{ $value }}'", "'\\u00e9'"])
    section = rng.choice(("labels", "annotations"))
    lines.insert(i, f"{head[: len(head) - len(head.lstrip())]}{section}: {{{key}: {value}}}\n")
    return "".join(lines), f"before line {i + 1} {section}: {{{key}: {value}}}"


def comment_out(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines[i] = "#" + lines[i]
    return "".join(lines), f"line {i + 1}"


def control_character(rng, text):
    at = rng.randrange(len(text))
    char = rng.choice(("\x00", "\x01", "\x07", "\x1f", "\r", "\t", "\x85", "\ufffe"))
    return text[:at] + char + text[at:], f"{char!r} at character {at}"


_TEXT_MUTATIONS = [
    ("delete line", delete_line), ("delete line", delete_line), ("delete block", delete_block),
    ("duplicate line", duplicate_line), ("duplicate line", duplicate_line), ("move line", move_line),
    ("swap values", swap_values), ("swap values", swap_values), ("change type", change_type),
    ("change type", change_type), ("odd scalar", odd_scalar), ("odd scalar", odd_scalar),
    ("unicode", unicode_in_value), ("huge number", huge_number), ("odd duration", odd_duration),
    ("truncate", truncate), ("indent", indent), ("rename key", rename_key),
    ("duplicate key", sibling_duplicate), ("alias", alias), ("alias bomb", alias_bomb),
    ("deep nesting", deep_nesting), ("edit expression", edit_expression), ("edit expression", edit_expression),
    ("label map", label_map), ("comment out", comment_out), ("control character", control_character),
]


# -- byte mutations: (rng, bytes) -> (bytes, note) -------------------------------------------------------

def bad_byte(rng, data):
    at = rng.randrange(len(data) + 1)
    byte = rng.choice((b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"))
    return data[:at] + byte + data[at:], f"{byte!r} at byte {at}"


def utf16(rng, data):
    return data.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass"), "re-encoded as UTF-16 with BOM"


def utf8_bom(rng, data):
    return b"\xef\xbb\xbf" + data, "UTF-8 byte-order mark"


_BYTE_MUTATIONS = [("bad byte", bad_byte), ("bad byte", bad_byte), ("utf-16", utf16), ("utf-8 bom", utf8_bom)]
