"""``file_context``: a compact outline of a file, far cheaper to read than the file.

The outline reads like a stub: the module's first docstring line, its
imports, its top-level names, then class skeletons and function signatures
with their first docstring line and line ranges.  Bodies are left out, and so
are functions local to other functions (they are still in ``symbols``).
"""

from __future__ import annotations

import ast
from typing import Any

from code_scalpel.analysis.fallback import newer_syntax_fallback
from code_scalpel.analysis.parsing import ParsedModule, parse_module
from code_scalpel.analysis.signatures import class_signature, first_doc_line, function_signature, one_line
from code_scalpel.analysis.symbols import Symbol

DEFAULT_MAX_SYMBOLS = 5000
#: Defaults and assigned values longer than this are shortened with '…' in the outline text.
PREVIEW_CHARS = 40
INDENT = "    "


@newer_syntax_fallback
def file_context(source: str, filename: str = "<code>", max_symbols: int = DEFAULT_MAX_SYMBOLS) -> dict[str, Any]:
    parsed = parse_module(source, filename)
    index = parsed.index
    total = len(index.symbols)
    kept = index.symbols[:max_symbols]
    keep = {id(s) for s in kept}
    lines = [f"# {filename} — {parsed.source.total_lines} lines"]
    doc = first_doc_line(parsed.tree)
    if doc:
        lines.append(f'"""{doc}"""')
    imports = [b for b in index.bindings if b.kind == "import"]
    lines.extend(one_line(parsed.source.segment(b.node)) for b in imports)
    for binding in index.bindings:
        if binding.kind == "assignment":
            lines.append(_assignment(binding.node, parsed))
    for symbol in index.top:
        _render(symbol, parsed, keep, lines)
    if len(kept) < total:
        lines.append(f"# … outline cut at {len(kept)} of {total} definitions (max_symbols)")
    result: dict[str, Any] = {
        "filename": filename,
        "language": "python",
        "parser": parsed.parser,
        "total_lines": parsed.source.total_lines,
        "outline": "\n".join(lines) + "\n",
        "symbols": [
            {
                "name": s.qualified_name,
                "kind": s.kind,
                "line_start": index.start(s.node)[0],
                "line_end": s.node.end_lineno,
            }
            for s in kept
        ],
        "imports": len(imports),
        "truncated": len(kept) < total,
        "symbols_total": total,
    }
    return result


def _assignment(stmt: ast.stmt, parsed: ParsedModule) -> str:
    src = parsed.source
    if isinstance(stmt, ast.Assign):
        head = " = ".join(one_line(src.segment(t)) for t in stmt.targets) + " = "
    elif isinstance(stmt, ast.AnnAssign):
        head = f"{one_line(src.segment(stmt.target))}: {one_line(src.segment(stmt.annotation))}"
        head += " = " if stmt.value is not None else ""
    elif isinstance(stmt, ast.AugAssign):
        return one_line(src.segment(stmt), PREVIEW_CHARS * 2)
    else:  # type alias
        return one_line(src.segment(stmt), PREVIEW_CHARS * 2)
    value = getattr(stmt, "value", None)
    return head + (one_line(src.segment(value), PREVIEW_CHARS) if value is not None else "")


def _render(symbol: Symbol, parsed: ParsedModule, keep: set[int], lines: list[str]) -> None:
    # Explicit stack: nesting depth of definitions is unbounded in principle.
    stack = [symbol]
    while stack:
        sym = stack.pop()
        if id(sym) not in keep:
            continue
        node = sym.node
        pad = INDENT * sym.depth
        src = parsed.source
        for dec in node.decorator_list:
            lines.append(f"{pad}@{one_line(src.segment(dec), PREVIEW_CHARS * 2)}")
        start = parsed.index.start(node)[0]
        where = f"L{start}-{node.end_lineno}"
        if isinstance(node, ast.ClassDef):
            lines.append(f"{pad}{class_signature(node, src)}  # {where}")
        else:
            lines.append(f"{pad}{function_signature(node, src, PREVIEW_CHARS)} ...  # {where}")
        doc = first_doc_line(node)
        if doc:
            lines.append(f'{pad}{INDENT}"""{doc}"""')
        if isinstance(node, ast.ClassDef):
            # Functions local to a function are implementation detail; classes keep their members.
            stack.extend(reversed(sym.children))
