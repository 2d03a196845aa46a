"""PEP 758 (Python 3.14): ``except A, B:`` without parentheses, on older interpreters.

Older parsers reject the unparenthesized form, so we insert ``(`` and ``)``
around the exception list and parse again.  The insertion moves the columns of
everything after it on that line; :func:`restore_positions` moves them back,
so every node points at the original text and extraction stays byte-exact.
The rewrite is tried only after a plain parse failed, and only ever adds
parentheses to a clause no older parser accepts, so it cannot change the
meaning of code that parsed before.
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections import defaultdict

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_OPEN = {"(", "[", "{"}
_CLOSE = {")", "]", "}"}


def parenthesize_except_lists(source: str) -> tuple[str, dict[int, list[int]]] | None:
    """``source`` with parenthesized except lists, and where bytes were inserted.

    Returns ``None`` when there is nothing to rewrite (or the text does not
    tokenize).  The mapping is line → sorted byte columns *in the rewritten
    text* at which one character was inserted.
    """
    # Split exactly as ``ast`` counts lines, so token rows and node line numbers agree.
    lines = _LINES.findall(source)
    try:
        tokens = list(tokenize.generate_tokens(iter(lines).__next__))
    except (tokenize.TokenError, SyntaxError, StopIteration):
        return None
    inserts: list[tuple[tuple[int, int], str]] = []  # ((row, char col) in the original, text)
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        i += 1
        if tok.type != tokenize.NAME or tok.string != "except":
            continue
        if i < n and tokens[i].type == tokenize.OP and tokens[i].string == "*":
            i += 1
        depth, first, last, comma, named = 0, None, None, False, False
        while i < n:
            t = tokens[i]
            if t.type == tokenize.OP:
                if t.string in _OPEN:
                    depth += 1
                elif t.string in _CLOSE:
                    depth -= 1
                elif depth == 0 and t.string == ":":
                    break
                elif depth == 0 and t.string == ",":
                    comma = True
            elif depth == 0 and t.type == tokenize.NAME and t.string == "as":
                named = True
            if t.type not in (tokenize.NL, tokenize.COMMENT):
                first = first or t
                last = t
            i += 1
        # PEP 758 keeps the parentheses mandatory with ``as``; leave that an error.
        if comma and not named and first is not None and last is not None:
            inserts.append((first.start, "("))
            inserts.append((last.end, ")"))
    if not inserts:
        return None
    by_line: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for (row, col), text in inserts:
        by_line[row].append((col, text))
    moved: dict[int, list[int]] = {}
    for row, edits in by_line.items():
        line = lines[row - 1]
        edits.sort()
        pieces, cols, prev, added = [], [], 0, 0
        for col, text in edits:
            pieces.append(line[prev:col])
            cols.append(len(line[:col].encode("utf-8", "surrogatepass")) + added)
            pieces.append(text)
            added += len(text)
            prev = col
        pieces.append(line[prev:])
        lines[row - 1] = "".join(pieces)
        moved[row] = cols
    return "".join(lines), moved


def restore_positions(tree: ast.AST, moved: dict[int, list[int]]) -> None:
    """Shift columns on rewritten lines back to the original text (in place)."""
    for node in ast.walk(tree):
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            continue
        if lineno in moved:
            node.col_offset -= sum(1 for c in moved[lineno] if c < node.col_offset)  # type: ignore[attr-defined]
        end = getattr(node, "end_lineno", None)
        if end in moved and node.end_col_offset is not None:  # type: ignore[attr-defined]
            node.end_col_offset -= sum(1 for c in moved[end] if c < node.end_col_offset)  # type: ignore[attr-defined]
