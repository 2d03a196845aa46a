"""``analyze_code``: the structure of one Python file as a plain dict."""

from __future__ import annotations

import ast
from typing import Any

from code_scalpel.analysis.complexity import cyclomatic_complexity
from code_scalpel.analysis.fallback import newer_syntax_fallback
from code_scalpel.analysis.parsing import ParsedModule, parse_module
from code_scalpel.analysis.signatures import first_doc_line, one_line, parameters
from code_scalpel.analysis.symbols import Symbol

#: Default cap on functions + classes listed; the tools pass the limit in force.
DEFAULT_MAX_SYMBOLS = 5000


@newer_syntax_fallback
def analyze_code(source: str, filename: str = "<code>", max_symbols: int = DEFAULT_MAX_SYMBOLS) -> dict[str, Any]:
    parsed = parse_module(source, filename)
    index = parsed.index
    symbols = index.symbols
    kept = symbols[:max_symbols]
    complexity = {id(s): cyclomatic_complexity(s.node) for s in symbols if s.kind != "class"}
    functions = [_function(s, parsed, complexity[id(s)]) for s in kept if s.kind != "class"]
    classes = [_class(s, parsed) for s in kept if s.kind == "class"]
    result: dict[str, Any] = {
        "language": "python",
        "filename": filename,
        "parser": parsed.parser,
        "total_lines": parsed.source.total_lines,
        "docstring": first_doc_line(parsed.tree),
        "functions": functions,
        "classes": classes,
        "imports": _imports(parsed),
        "assignments": _assignments(parsed),
        # branch points of module-level code plus every function's own figure
        "complexity": cyclomatic_complexity(parsed.tree) - 1 + sum(complexity.values()),
        "truncated": len(kept) < len(symbols),
        "totals": {
            "functions": sum(1 for s in symbols if s.kind != "class"),
            "classes": sum(1 for s in symbols if s.kind == "class"),
        },
    }
    if result["truncated"]:
        result["limit"] = {"max_symbols": max_symbols}
    return result


def _line_range(symbol: Symbol, parsed: ParsedModule) -> tuple[int, int]:
    start, _ = parsed.index.start(symbol.node)
    return start, symbol.node.end_lineno or symbol.node.lineno


def _function(symbol: Symbol, parsed: ParsedModule, complexity: int) -> dict[str, Any]:
    node = symbol.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    src = parsed.source
    start, end = _line_range(symbol, parsed)
    return {
        "name": symbol.name,
        "qualified_name": symbol.qualified_name,
        "kind": symbol.kind,
        "line_start": start,
        "line_end": end,
        "def_line": node.lineno,
        "parameters": parameters(node.args, src),
        "returns": one_line(src.segment(node.returns)) if node.returns is not None else None,
        "decorators": [one_line(src.segment(d)) for d in node.decorator_list],
        "is_async": isinstance(node, ast.AsyncFunctionDef),
        "complexity": complexity,
        "docstring": first_doc_line(node),
    }


def _class(symbol: Symbol, parsed: ParsedModule) -> dict[str, Any]:
    node = symbol.node
    assert isinstance(node, ast.ClassDef)
    src = parsed.source
    start, end = _line_range(symbol, parsed)
    return {
        "name": symbol.name,
        "qualified_name": symbol.qualified_name,
        "line_start": start,
        "line_end": end,
        "def_line": node.lineno,
        "bases": [one_line(src.segment(b)) for b in node.bases],
        "keywords": {k.arg or "**": one_line(src.segment(k.value)) for k in node.keywords},
        "decorators": [one_line(src.segment(d)) for d in node.decorator_list],
        "methods": [c.name for c in symbol.children if c.kind == "method"],
        "docstring": first_doc_line(node),
    }


def _imports(parsed: ParsedModule) -> list[dict[str, Any]]:
    out = []
    for binding in parsed.index.bindings:
        if binding.kind != "import":
            continue
        node = binding.node
        assert isinstance(node, ast.Import | ast.ImportFrom)
        module = node.module if isinstance(node, ast.ImportFrom) else None
        out.append(
            {
                "statement": one_line(parsed.source.segment(node)),
                "module": ("." * node.level + (module or "")) if isinstance(node, ast.ImportFrom) else None,
                "names": [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in node.names],
                "line": node.lineno,
            }
        )
    return out


def _assignments(parsed: ParsedModule) -> list[dict[str, Any]]:
    out = []
    src = parsed.source
    for binding in parsed.index.bindings:
        if binding.kind != "assignment":
            continue
        stmt = binding.node
        annotation = getattr(stmt, "annotation", None)
        value = getattr(stmt, "value", None)
        out.append(
            {
                "names": list(binding.names),
                "line": stmt.lineno,
                "kind": type(stmt).__name__,
                "annotation": one_line(src.segment(annotation)) if annotation is not None else None,
                "value_preview": one_line(src.segment(value), 120) if value is not None else None,
            }
        )
    return out


def headline(result: dict[str, Any]) -> str:
    """One line about an ``analyze_code`` result (the tool's summary and the CLI's first line)."""
    totals = result["totals"]
    return (
        f"{result['filename']}: {_count(result['total_lines'], 'line')}, {_count(totals['functions'], 'function')}, "
        f"{_count(totals['classes'], 'class')}, {_count(len(result['imports']), 'import')}, "
        f"complexity {result['complexity']}"
    )


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun}es" if noun.endswith("s") else f"{n} {noun}s"
