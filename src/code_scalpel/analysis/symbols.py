"""The definitions of a module by dotted path, and the names its top level binds.

Paths follow ``__qualname__`` without the ``<locals>`` parts: ``outer.inner``,
``Class.method``, ``Class.Inner.method``.  Control-flow blocks (``if``,
``try``, ``with``...) do not add to the path, so a function defined under
``if sys.platform == ...`` is still module-level.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from code_scalpel.analysis.source import SourceText
from code_scalpel.analysis.walk import DEFS, FUNCTIONS, iter_statements


@dataclass(eq=False, slots=True)
class Symbol:
    name: str
    qualified_name: str
    #: ``function``, ``method`` (defined directly in a class body) or ``class``.
    kind: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    parent: Symbol | None
    children: list[Symbol] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    def ancestors(self) -> list[Symbol]:
        out, cur = [], self.parent
        while cur is not None:
            out.append(cur)
            cur = cur.parent
        return out


@dataclass(eq=False, slots=True)
class Binding:
    """A top-level statement that binds module-level names."""

    kind: str  # import | assignment | function | class
    node: ast.stmt
    names: tuple[str, ...]


class ModuleIndex:
    def __init__(self, tree: ast.Module, source: SourceText) -> None:
        self.tree = tree
        self.source = source
        self.symbols: list[Symbol] = []
        self.top: list[Symbol] = []
        self.by_path: dict[str, list[Symbol]] = {}
        self._collect()
        self.bindings: list[Binding] = [b for stmt in iter_statements(tree.body) if (b := _binding(stmt)) is not None]
        self.bound: dict[str, list[Binding]] = {}
        for binding in self.bindings:
            for name in binding.names:
                self.bound.setdefault(name, []).append(binding)

    def _collect(self) -> None:
        # (statements, parent symbol); iterative so deep nesting cannot overflow the stack
        work: list[tuple[list[ast.stmt], Symbol | None]] = [(self.tree.body, None)]
        found: list[Symbol] = []
        while work:
            body, parent = work.pop()
            for stmt in iter_statements(body):
                if not isinstance(stmt, DEFS):
                    continue
                if isinstance(stmt, ast.ClassDef):
                    kind = "class"
                else:
                    kind = "method" if parent is not None and parent.kind == "class" else "function"
                path = stmt.name if parent is None else f"{parent.qualified_name}.{stmt.name}"
                symbol = Symbol(stmt.name, path, kind, stmt, parent)
                (parent.children if parent is not None else self.top).append(symbol)
                found.append(symbol)
                work.append((stmt.body, symbol))
        found.sort(key=lambda s: (s.node.lineno, s.node.col_offset))
        for parent_list in [self.top, *(s.children for s in found)]:
            parent_list.sort(key=lambda s: (s.node.lineno, s.node.col_offset))
        self.symbols = found
        for symbol in found:
            self.by_path.setdefault(symbol.qualified_name, []).append(symbol)

    def start(self, node: ast.AST) -> tuple[int, int]:
        """(line, byte column) where a definition starts, its first decorator's ``@`` included."""
        decorators = getattr(node, "decorator_list", None)
        if not decorators:
            return node.lineno, node.col_offset  # type: ignore[attr-defined]
        first = decorators[0]
        # The '@' opens a logical line of its own; the expression may begin later (after
        # '(' or a backslash continuation), so walk up to the line that starts with '@'.
        lineno = first.lineno
        while lineno > 1:
            text = self.source.line(lineno)
            stripped = text.lstrip()
            if stripped.startswith("@"):
                break
            lineno -= 1
        text = self.source.line(lineno)
        indent = text[: len(text) - len(text.lstrip())]
        return lineno, len(indent.encode("utf-8"))

    def code(self, node: ast.AST) -> str:
        line, col = self.start(node)
        return self.source.span(line, col, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _binding(stmt: ast.stmt) -> Binding | None:
    if isinstance(stmt, ast.Import):
        return Binding("import", stmt, tuple((a.asname or a.name.split(".")[0]) for a in stmt.names))
    if isinstance(stmt, ast.ImportFrom):
        return Binding("import", stmt, tuple((a.asname or a.name) for a in stmt.names))
    if isinstance(stmt, FUNCTIONS):
        return Binding("function", stmt, (stmt.name,))
    if isinstance(stmt, ast.ClassDef):
        return Binding("class", stmt, (stmt.name,))
    if isinstance(stmt, ast.Assign):
        names = tuple(n for target in stmt.targets for n in target_names(target))
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        names = tuple(target_names(stmt.target))
    elif type(stmt).__name__ == "TypeAlias":  # ``type X = ...`` (3.12+)
        names = tuple(target_names(stmt.name))  # type: ignore[attr-defined]
    else:
        return None
    return Binding("assignment", stmt, names) if names else None


def target_names(target: ast.AST) -> list[str]:
    """Plain names an assignment target binds (``a, (b, *c) = ...`` → a, b, c)."""
    stack, out = [target], []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            out.append(node.id)
        elif isinstance(node, ast.Tuple | ast.List):
            stack.extend(reversed(node.elts))
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return out
