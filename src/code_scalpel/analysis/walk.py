"""Iterative tree walks and a tiny visitor base.

The walks use an explicit stack rather than recursion, so a pathologically
deep expression (``1+1+...`` thousands of times) cannot exhaust Python's
recursion limit in the server.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def iter_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` in source order, not entering nested functions or classes.

    A nested definition itself is yielded (with its decorators, defaults and
    annotations, which belong to the enclosing scope), but not its body.
    """
    stack = list(reversed(list(ast.iter_child_nodes(node))))
    while stack:
        child = stack.pop()
        yield child
        if isinstance(child, DEFS):
            outer: list[ast.AST] = list(child.decorator_list)
            if isinstance(child, ast.ClassDef):
                outer += child.bases + [k.value for k in child.keywords]
            else:
                outer += _signature_parts(child)
            stack.extend(reversed(outer))
        else:
            stack.extend(reversed(list(ast.iter_child_nodes(child))))


def iter_subtree(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` including nested scopes, in source order."""
    stack = list(reversed(list(ast.iter_child_nodes(node))))
    while stack:
        child = stack.pop()
        yield child
        stack.extend(reversed(list(ast.iter_child_nodes(child))))


def iter_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a block, descending into if/try/with/for/while/match but not into definitions."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, DEFS):
            continue
        inner: list[ast.stmt] = []
        for field in ("body", "orelse", "finalbody"):
            inner.extend(getattr(stmt, field, ()) or ())
        for handler in getattr(stmt, "handlers", ()) or ():
            inner.extend(handler.body)
        for case in getattr(stmt, "cases", ()) or ():
            inner.extend(case.body)
        stack.extend(reversed(inner))


def _signature_parts(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    a = func.args
    parts: list[ast.AST] = [d for d in a.defaults] + [d for d in a.kw_defaults if d is not None]
    for arg in [*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg]:
        if arg is not None and arg.annotation is not None:
            parts.append(arg.annotation)
    if func.returns is not None:
        parts.append(func.returns)
    return parts


class ScopeVisitor:
    """Calls ``visit_<NodeType>`` for each node of one scope (see :func:`iter_scope`)."""

    _dispatch: ClassVar[dict[type, str | None]]

    def __init_subclass__(cls) -> None:
        cls._dispatch = {}

    def run(self, node: ast.AST) -> ScopeVisitor:
        dispatch = self._dispatch
        for child in iter_scope(node):
            kind = type(child)
            name = dispatch.get(kind, "")
            if name == "":
                name = f"visit_{kind.__name__}"
                name = dispatch[kind] = name if hasattr(self, name) else None
            if name is not None:
                getattr(self, name)(child)
        return self
