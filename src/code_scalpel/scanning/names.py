"""Import resolution inside one module: which qualified name a call refers to."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (much cheaper than ``ast.walk``)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if inner:
                stack.extend(reversed(inner))


def module_aliases(tree: ast.Module, modname: str = "", is_package: bool = False) -> dict[str, str]:
    """Local name -> qualified name, from every import in the module (function-level imports included)."""
    aliases: dict[str, str] = {}
    for node in statements(tree.body):
        kind = type(node)
        if kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".", 1)[0]
                    aliases[root] = root
        elif kind is ast.ImportFrom:
            base = resolve_relative(node.module, node.level, modname, is_package)  # type: ignore[attr-defined]
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name == "*":
                    continue
                aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return aliases


def resolve_relative(module: str | None, level: int, modname: str, is_package: bool) -> str:
    if not level:
        return module or ""
    parts = modname.split(".") if modname else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if module:
        parts = [*parts, module]
    return ".".join(parts)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))
