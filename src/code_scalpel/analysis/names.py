"""Which module-level names a piece of code reads."""

from __future__ import annotations

import ast

from code_scalpel.analysis.walk import iter_subtree


def loaded_names(node: ast.AST) -> set[str]:
    """Names read anywhere under ``node`` (decorators, defaults and nested scopes included).

    Over-approximate on purpose: a local that shadows a module-level name still
    counts, so the context we add may hold one statement too many but never
    misses one the code needs.
    """
    out: set[str] = set()
    for child in iter_subtree(node):
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Store):
            out.add(child.id)
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
        out.add(node.id)
    return out


def local_names(node: ast.AST) -> set[str]:
    """Names bound anywhere under ``node``: parameters, assignment targets, imports, nested definitions."""
    out: set[str] = set()
    for child in iter_subtree(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            out.add(child.id)
        elif isinstance(child, ast.arg):
            out.add(child.arg)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(child.name)
        elif isinstance(child, ast.alias):
            out.add(child.asname or child.name.split(".")[0])
        elif isinstance(child, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and child.name:
            out.add(child.name)
        elif isinstance(child, ast.MatchMapping) and child.rest:
            out.add(child.rest)
    return out
