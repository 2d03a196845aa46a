"""``extract_code``: the exact source of one definition, and optionally what it needs."""

from __future__ import annotations

import builtins
import difflib
from typing import Any

from code_scalpel.analysis.fallback import newer_syntax_fallback
from code_scalpel.analysis.names import loaded_names, local_names
from code_scalpel.analysis.parsing import ParsedModule, parse_module
from code_scalpel.analysis.symbols import Binding, ModuleIndex, Symbol
from code_scalpel.errors import InvalidArgument, SymbolNotFound

TARGET_TYPES = ("function", "class", "method")
_BUILTINS = frozenset(dir(builtins))


@newer_syntax_fallback
def extract_code(
    source: str,
    target_type: str,
    target_name: str,
    include_context: bool = False,
    filename: str = "<code>",
) -> dict[str, Any]:
    if target_type not in TARGET_TYPES:
        raise InvalidArgument(
            f"target_type must be one of {', '.join(TARGET_TYPES)}, not {target_type!r}", allowed=list(TARGET_TYPES)
        )
    parsed = parse_module(source, filename)
    index = parsed.index
    symbol, others = find_symbol(index, target_type, target_name, filename)
    code = index.code(symbol.node)
    start, _ = index.start(symbol.node)
    result: dict[str, Any] = {
        "target_type": target_type,
        "target_name": target_name,
        "qualified_name": symbol.qualified_name,
        "kind": symbol.kind,
        "filename": filename,
        "parser": parsed.parser,
        "target_code": code,
        "line_start": start,
        "line_end": symbol.node.end_lineno,
        "total_lines": parsed.source.total_lines,
    }
    if others:
        # Same path defined more than once (property setters, per-platform variants): say where.
        result["other_definitions"] = [
            {"line_start": index.start(o.node)[0], "line_end": o.node.end_lineno} for o in others
        ]
    full = code
    if include_context:
        items = context_bindings(parsed, symbol)
        context_code = _join(parsed, items)
        result["context_items"] = [
            {
                "names": list(b.names),
                "kind": b.kind,
                "line_start": index.start(b.node)[0],
                "line_end": b.node.end_lineno,
            }
            for b in items
        ]
        result["context_code"] = context_code
        if context_code:
            full = f"{context_code}\n\n\n{code}"
    result["full_code"] = full
    result["token_estimate"] = (len(full) + 3) // 4
    return result


def find_symbol(index: ModuleIndex, target_type: str, target_name: str, filename: str) -> tuple[Symbol, list[Symbol]]:
    path = ".".join(part.strip() for part in target_name.split("."))
    wanted = "class" if target_type == "class" else None
    matches = [s for s in index.by_path.get(path, []) if _fits(s, target_type)]
    if matches:
        return matches[0], matches[1:]
    existing = index.by_path.get(path)
    if existing:
        kind = existing[0].kind
        raise SymbolNotFound(
            f"{path!r} in {filename} is a {kind}, not a {target_type}; call again with target_type={kind!r}",
            target_name=target_name,
            target_type=target_type,
            actual_type=kind,
            suggestions=[path],
        )
    hint = " (a method is named 'Class.method')" if target_type == "method" and "." not in path else ""
    suggestions = suggest(index, path, wanted)
    listed = ", ".join(suggestions) if suggestions else "none; list the file's symbols with get_file_context"
    raise SymbolNotFound(
        f"no {target_type} named {target_name!r} in {filename}{hint}; closest names: {listed}",
        target_name=target_name,
        target_type=target_type,
        suggestions=suggestions,
    )


def _fits(symbol: Symbol, target_type: str) -> bool:
    if target_type == "class":
        return symbol.kind == "class"
    if target_type == "method":
        return symbol.kind == "method"
    return symbol.kind in ("function", "method")


def suggest(index: ModuleIndex, path: str, kind: str | None = None, n: int = 5) -> list[str]:
    """Closest dotted paths: same last part first (``parse`` → ``Parser.parse``), then by similarity."""
    paths = list(dict.fromkeys(s.qualified_name for s in index.symbols if kind is None or s.kind == kind))
    tail = path.rsplit(".", 1)[-1].lower()
    same_tail = [p for p in paths if p.rsplit(".", 1)[-1].lower() == tail]
    close = difflib.get_close_matches(path, paths, n=n, cutoff=0.6)
    if len(close) < n:
        by_tail = {p.rsplit(".", 1)[-1]: p for p in reversed(paths)}
        close += [by_tail[t] for t in difflib.get_close_matches(tail, list(by_tail), n=n, cutoff=0.6)]
    return list(dict.fromkeys([*same_tail, *close]))[:n]


def context_bindings(parsed: ParsedModule, symbol: Symbol) -> list[Binding]:
    """Top-level statements that bind names the symbol reads.

    Imports and assignments are followed transitively (a constant built from
    another constant brings both); functions and classes the symbol uses are
    included, but not what *they* use.  The symbol's own definition and the
    classes or functions that enclose it are left out.
    """
    index = parsed.index
    excluded = {id(symbol.node), *(id(a.node) for a in symbol.ancestors())}
    chosen: dict[int, Binding] = {}
    pending = sorted(loaded_names(symbol.node))
    seen: set[str] = set()
    unplaced: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        bindings = index.bound.get(name)
        if not bindings:
            unplaced.add(name)
            continue
        for binding in bindings:
            if id(binding.node) in excluded or id(binding.node) in chosen:
                continue
            chosen[id(binding.node)] = binding
            if binding.kind == "assignment":
                pending.extend(loaded_names(binding.node))
    if unplaced - _BUILTINS - local_names(symbol.node):
        # A name we cannot place may come from ``from x import *``.
        for binding in index.bound.get("*", []):
            chosen.setdefault(id(binding.node), binding)
    return sorted(chosen.values(), key=lambda b: (b.node.lineno, b.node.col_offset))


def _join(parsed: ParsedModule, items: list[Binding]) -> str:
    parts: list[str] = []
    prev: Binding | None = None
    for binding in items:
        text = parsed.index.code(binding.node)
        if prev is not None:
            parts.append("\n" if prev.kind == binding.kind == "import" else "\n\n")
        parts.append(text)
        prev = binding
    return "".join(parts)
