"""Which tokens of a long expression changed: two short excerpts instead of two long lines.

`excerpts(before, after)` compares the two as tokens (`token_fallback.tokens`: strings, numbers,
names, operators, brackets; whitespace and comments do not count) and keeps each change with a
few tokens of context on either side; runs of unchanged tokens in between read `…`. Removed
tokens are marked `[-…-]` in the before excerpt, added ones `{+…+}` in the after excerpt (the
`wdiff` notation), so `… [$__rate_interval[-5m-]]) …` -> `… [{+10m+}]) …` reads at a glance.
One long token replaced by another (a regex in a string, say) is compared by characters, and
any other token longer than `LONG_TOKEN` shows as its head and tail.
"""
from __future__ import annotations

from difflib import SequenceMatcher

from generator.diff.token_fallback import Token, joined, tokens

LONG = 200  # characters: a value at least this long on either side gets excerpts
CONTEXT = 4  # unchanged tokens kept on each side of a change
LONG_TOKEN = 80  # characters: a longer token shows as its head and tail
CHAR_CONTEXT = 12  # characters kept on each side of a change inside one long token
ELLIPSIS = "\u2026"


def _short(tok: Token) -> Token:
    if len(tok.text) <= LONG_TOKEN:
        return tok
    return Token(tok.kind, f"{tok.text[:LONG_TOKEN // 2]}{ELLIPSIS}{tok.text[-LONG_TOKEN // 4:]}", tok.spaced)


def _inside(old: Token, new: Token) -> tuple[str, str]:
    """One long token replaced by another: the characters that changed, marked, with context."""
    a, b = old.text, new.text
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(head - CHAR_CONTEXT, 0)
    lead = ELLIPSIS if start else ""

    def side(text: str, opening: str, closing: str) -> str:
        middle = text[head:len(text) - tail]
        end = len(text) - tail
        stop = min(end + CHAR_CONTEXT, len(text))
        marked = f"{opening}{_cut(middle)}{closing}" if middle else ""
        return f"{lead}{text[start:head]}{marked}{text[end:stop]}{ELLIPSIS if stop < len(text) else ''}"

    return side(a, "[-", "-]"), side(b, "{+", "+}")


def _cut(text: str) -> str:
    return text if len(text) <= LONG_TOKEN else f"{text[:LONG_TOKEN // 2]}{ELLIPSIS}{text[-LONG_TOKEN // 4:]}"


def _text(toks: list[Token], first: bool) -> str:
    """Tokens as written; the first of a segment keeps its leading space unless it starts the text."""
    out = joined([_short(t) for t in toks])
    return (" " + out) if toks and toks[0].spaced and not first else out


def _marked(toks: list[Token], opening: str, closing: str, first: bool) -> str:
    if not toks:
        return ""
    lead = " " if toks[0].spaced and not first else ""
    return f"{lead}{opening}{joined([_short(t) for t in toks])}{closing}"


def excerpts(before: str, after: str, context: int = CONTEXT) -> tuple[str, str] | None:
    """(before excerpt, after excerpt) when either side is long and the two differ as tokens."""
    if max(len(before), len(after)) < LONG:
        return None
    old, new = tokens(before), tokens(after)
    matcher = SequenceMatcher(None, [t.text for t in old], [t.text for t in new], autojunk=False)
    codes = matcher.get_opcodes()
    if all(tag == "equal" for tag, *_ in codes):
        return None
    left: list[str] = []
    right: list[str] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            keep_head = index > 0  # context after the previous change
            keep_tail = index < len(codes) - 1  # context before the next change
            size = i2 - i1
            if (keep_head and keep_tail and size <= 2 * context) or size <= context:
                spans = [(i1, i2, j1, j2)]
            else:
                spans = []
                if keep_head:
                    spans.append((i1, i1 + context, j1, j1 + context))
                spans.append(None)
                if keep_tail:
                    spans.append((i2 - context, i2, j2 - context, j2))
            for span in spans:
                if span is None:
                    left.append(f" {ELLIPSIS} " if left else f"{ELLIPSIS} ")
                    right.append(f" {ELLIPSIS} " if right else f"{ELLIPSIS} ")
                    continue
                a1, a2, b1, b2 = span
                left.append(_text(old[a1:a2], a1 == 0 or _after_ellipsis(left)))
                right.append(_text(new[b1:b2], b1 == 0 or _after_ellipsis(right)))
        elif tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and min(len(old[i1].text), len(new[j1].text)) > LONG_TOKEN:
            a, b = _inside(old[i1], new[j1])
            left.append((" " if old[i1].spaced and not (i1 == 0 or _after_ellipsis(left)) else "") + a)
            right.append((" " if new[j1].spaced and not (j1 == 0 or _after_ellipsis(right)) else "") + b)
        else:
            left.append(_marked(old[i1:i2], "[-", "-]", i1 == 0 or _after_ellipsis(left)))
            right.append(_marked(new[j1:j2], "{+", "+}", j1 == 0 or _after_ellipsis(right)))
    return "".join(left).strip(), "".join(right).strip()


def _after_ellipsis(parts: list[str]) -> bool:
    return not parts or parts[-1].endswith(ELLIPSIS + " ")
