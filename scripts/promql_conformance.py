#!/usr/bin/env python3
"""Compare obsgen's PromQL parser with promtool on Prometheus' own parser test inputs.

    .venv/bin/python scripts/promql_conformance.py PATH [--promtool BIN] [--quiet]

PATH is a Prometheus checkout (or its promql/parser/parse_test.go). The script reads the inputs of
the `testExpr` table, checks them all in one `promtool check rules` run and with
`generator.promql.parse`, and prints the agreement counts and every disagreement. Inputs a rule file
cannot carry (invalid UTF-8) are compared with the test table's own `fail:` verdict instead. Nothing
of the Prometheus file is stored. Exit 0 when the only disagreements are the documented ones
(KNOWN below and docs/reliability.md), 1 otherwise, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.promql import ParseError, parse  # noqa: E402
from generator.promql.promtool_check import PromtoolUnavailable, promtool_verdicts  # noqa: E402

# Differences accepted on purpose (docs/reliability.md, "PromQL parser conformance").
KNOWN = {
    "depth": "nested deeper than the parser's bound (MAX_NESTING / MAX_DEPTH): refused by obsgen",
}
_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
               '"': '"', "'": "'"}


def _go_string(src: str, i: int) -> tuple[str, int]:
    """A Go string literal starting at src[i]; bytes from \\x and octal escapes kept as surrogates."""
    quote = src[i]
    if quote == "`":
        end = src.index("`", i + 1)
        return src[i + 1:end], end + 1
    out, raw, j = [], bytearray(), i + 1
    while src[j] != quote:
        if src[j] == "\\":
            kind = src[j + 1]
            if kind in "x01234567":
                width, base, start = (2, 16, j + 2) if kind == "x" else (3, 8, j + 1)
                raw.append(int(src[start:start + width], base))
                j = start + width
                continue
            out.append(raw.decode("utf-8", "surrogateescape"))
            raw.clear()
            if kind in "uU":
                width = 4 if kind == "u" else 8
                out.append(chr(int(src[j + 2:j + 2 + width], 16)))
                j += 2 + width
            else:
                out.append(_GO_ESCAPES[kind])
                j += 2
            continue
        out.append(raw.decode("utf-8", "surrogateescape"))
        raw.clear()
        out.append(src[j])
        j += 1
    out.append(raw.decode("utf-8", "surrogateescape"))
    return "".join(out), j + 1


def _go_value(expr: str) -> str | None:
    """Evaluate the few Go expressions the table uses for inputs; None when not understood."""
    expr = expr.strip()
    if expr.startswith("fmt.Sprintf(`foo @ %f`, float64(math.MaxInt64)+1)"):
        return "foo @ %f" % (float(2 ** 63 - 1) + 1)
    if expr.startswith("fmt.Sprintf(`foo @ %f`, float64(math.MinInt64)-1)"):
        return "foo @ %f" % (float(-2 ** 63) - 1)
    parts, i = [], 0
    while i < len(expr):
        if expr[i] in "\"`":
            value, i = _go_string(expr, i)
            parts.append(value)
        elif expr.startswith("strings.Repeat(", i):
            value, i = _go_string(expr, i + len("strings.Repeat("))
            close = expr.index(")", i)
            parts.append(value * int(expr[i:close].strip(" ,")))
            i = close + 1
        elif expr[i] in " +\t":
            i += 1
        else:
            return None
    return "".join(parts)


def _entries(src: str) -> list[str]:
    """The source text of each top-level `{...}` entry of the testExpr table."""
    start = src.index("var testExpr = []struct")
    start = src.index("}{", start) + 2
    entries, depth, i, begin = [], 0, start, None
    while True:
        ch = src[i]
        if ch in "\"`":
            i = _go_string(src, i)[1]
            continue
        if ch == "/" and src.startswith("//", i):
            i = src.index("\n", i)
            continue
        if ch == "{":
            depth += 1
            begin = i if depth == 1 else begin
        elif ch == "}":
            if depth == 0:
                return entries
            depth -= 1
            if depth == 0:
                entries.append(src[begin:i + 1])
        i += 1


def extract(src: str) -> tuple[list[tuple[str, bool]], int]:
    """(input, expected to fail) of every case, and the number of cases whose input is not understood."""
    cases, unknown = [], 0
    for entry in _entries(src):
        at = entry.find("input:")
        if at < 0:
            unknown += 1
            continue
        end = entry.find("\n", at)
        value = _go_value(entry[at + len("input:"):end].rstrip().rstrip(","))
        if value is None:
            unknown += 1
            continue
        cases.append((value, re.search(r"\bfail:\s*true\b", entry) is not None))
    return cases, unknown


def ours(expr: str) -> str | None:
    try:
        parse(expr)
    except ParseError as exc:
        return exc.message
    except Exception as exc:  # noqa: BLE001 - the parser's contract is ParseError only: report a crash
        return f"CRASH {type(exc).__name__}: {exc}"
    return None


def lexer_inputs(src: str) -> list[tuple[str, bool | None]]:
    """Every string-literal `input:` of lex_test.go (token tests: no verdict of their own)."""
    out = []
    for match in re.finditer(r"\binput:\s*", src):
        if src[match.end()] in "\"`":
            out.append((_go_string(src, match.end())[0], None))
    return out


def compare(cases: list[tuple[str, bool | None]], promtool: str) -> tuple[dict[str, int], list[str], int]:
    """Agreement counts, the disagreements, and how many inputs only the table could judge."""
    verdicts = promtool_verdicts([expr for expr, _ in cases], promtool)
    counts = {"agree": 0, "false reject": 0, "false accept": 0, "crash": 0, "known": 0, "unjudged": 0}
    lines = []
    for (expr, fails), verdict in zip(cases, verdicts):
        if verdict is False and fails is None:
            counts["unjudged"] += 1
            continue
        theirs_ok = (not fails) if verdict is False else verdict is None
        theirs = ("the table: fails" if fails else "the table: valid") if verdict is False else \
            f"promtool: {verdict or 'accepted'}"
        mine = ours(expr)
        shown = expr if len(expr) <= 120 else f"{expr[:100]}... ({len(expr)} characters)"
        if mine is not None and mine.startswith("CRASH"):
            counts["crash"] += 1
            lines.append(f"crash: {shown!r}: {mine}")
        elif (mine is None) == theirs_ok:
            counts["agree"] += 1
        elif mine is not None and "nested too deeply" in mine:
            counts["known"] += 1
            lines.append(f"known ({KNOWN['depth']}): {shown!r}")
        else:
            kind = "false reject" if mine is not None else "false accept"
            counts[kind] += 1
            lines.append(f"{kind}: {shown!r}: ours: {mine or 'accepted'}; {theirs}")
    return counts, lines, sum(v is False for v in verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("path", type=Path)
    parser.add_argument("--promtool", default="")
    parser.add_argument("--quiet", action="store_true", help="print counts only")
    args = parser.parse_args(argv)
    parser_dir = args.path / "promql" / "parser" if args.path.is_dir() else args.path.parent
    path = parser_dir / "parse_test.go" if args.path.is_dir() else args.path
    tables = []
    try:
        cases, unknown = extract(path.read_text(encoding="utf-8"))
        tables.append((path, cases, f"{unknown} entries not understood"))
        lex = parser_dir / "lex_test.go"
        if args.path.is_dir() and lex.is_file():
            tables.append((lex, lexer_inputs(lex.read_text(encoding="utf-8")), "token tests"))
    except (OSError, ValueError, IndexError) as exc:
        print(f"promql_conformance: cannot read the test inputs of {path}: {exc}", file=sys.stderr)
        return 2
    failed = False
    for table, cases, note in tables:
        try:
            counts, lines, by_table = compare(cases, args.promtool)
        except PromtoolUnavailable as exc:
            print(f"promql_conformance: {exc}", file=sys.stderr)
            return 2
        print(f"{table}: {len(cases)} inputs ({note}; {by_table} that no rule file can carry)")
        print("  " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        if not args.quiet:
            print("".join(f"  {line}\n" for line in lines), end="")
        failed = failed or any(counts[k] for k in ("false reject", "false accept", "crash"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
