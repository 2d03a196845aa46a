"""Expected extraction results computed independently of code_scalpel, from ``ast`` and ``tokenize``.

Recursive, straightforward, slow: the reference the analysis is checked against.
Run as a script (``python ground_truth.py FILE``) under another interpreter, it
prints the same data as JSON, so files only a newer Python parses get a ground
truth from that Python.
"""

from __future__ import annotations

import ast
import io
import json
import sys
import tokenize
from types import SimpleNamespace

_original_split = ast._splitlines_no_ff  # type: ignore[attr-defined]
_split_cache: dict[str, list[str]] = {}


def _cached_split(source: str, maxlines: int | None = None) -> list[str]:
    # ast.get_source_segment splits the whole file on every call; same result, split once.
    if source not in _split_cache:
        _split_cache.clear()
        _split_cache[source] = _original_split(source)
    lines = _split_cache[source]
    return lines if maxlines is None else lines[:maxlines]


ast._splitlines_no_ff = _cached_split  # type: ignore[attr-defined]

_LINE_START = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENCODING}


def _decorator_ats(source: str) -> list[tuple[int, int]]:
    """(row, byte column) of every '@' that opens a decorator line."""
    out, prev = [], None
    lines = source.splitlines(keepends=True)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.OP and tok.string == "@" and (prev is None or prev.type in _LINE_START):
            row, col = tok.start
            out.append((row, len(lines[row - 1][:col].encode("utf-8"))))
        if tok.type not in (tokenize.NL, tokenize.COMMENT) or prev is None or prev.type in _LINE_START:
            prev = tok
    return out


def definitions(source: str) -> list[dict]:
    tree = ast.parse(source)
    ats = _decorator_ats(source) if "@" in source else []
    found: list[dict] = []

    def visit(node: ast.AST, prefix: str, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                path = f"{prefix}{child.name}"
                kind = "class" if isinstance(child, ast.ClassDef) else ("method" if in_class else "function")
                start = (child.lineno, child.col_offset)
                if child.decorator_list:
                    first = child.decorator_list[0]
                    start = max(a for a in ats if a < (first.lineno, first.col_offset))
                span = SimpleNamespace(
                    lineno=start[0],
                    col_offset=start[1],
                    end_lineno=child.end_lineno,
                    end_col_offset=child.end_col_offset,
                )
                found.append(
                    {
                        "qualified_name": path,
                        "kind": kind,
                        "code": ast.get_source_segment(source, span),
                        "line_start": start[0],
                        "line_end": child.end_lineno,
                    }
                )
                visit(child, path + ".", isinstance(child, ast.ClassDef))
            elif isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
                visit(child, prefix, in_class)

    visit(tree, "", False)
    return found


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as handle:
        data = handle.read()
    text = data.decode(tokenize.detect_encoding(io.BytesIO(data).readline)[0])
    json.dump(definitions(text), sys.stdout)
