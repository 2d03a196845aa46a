"""Rules that need no taint: weak password hashing, weak random for tokens, insecure cookies.

A single walk with a small context (the enclosing function's name and the
assignment target), run only when the module mentions a relevant word.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import Any

from code_scalpel.scanning.consts import fold
from code_scalpel.scanning.findings import make_finding
from code_scalpel.scanning.names import dotted, module_aliases
from code_scalpel.scanning.rules import FAST_HASHES, PASSWORD_WORDS, RULES, SECURITY_WORDS, WEAK_RANDOM
from code_scalpel.scanning.values import Step

HINT = re.compile(
    r"hashlib|md5|MD5|sha\d|SHA\d|random|set_cookie|SESSION_COOKIE|REMEMBER_COOKIE|CSRF_COOKIE|Crypto\.Hash"
)
_COOKIE_SETTINGS = frozenset(
    {
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "REMEMBER_COOKIE_SECURE",
        "REMEMBER_COOKIE_HTTPONLY",
    }
)
_WEAK_ALGOS = frozenset(
    {
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "md4",
        "ripemd160",
        "blake2b",
        "blake2s",
        "sha3_256",
        "sha3_512",
    }
)


_BROKEN_ALGOS = frozenset({"md5", "sha1", "md4"})


def _words(node: ast.AST, strings: bool = False) -> str:
    parts = []
    for sub in ast.walk(node):
        if type(sub) is ast.Name:
            parts.append(sub.id)  # type: ignore[attr-defined]
        elif type(sub) is ast.Attribute:
            parts.append(sub.attr)  # type: ignore[attr-defined]
        elif type(sub) is ast.Constant and isinstance(sub.value, str) and len(sub.value) < 40:  # type: ignore
            if strings or type(node) is ast.Subscript:
                parts.append(sub.value)  # type: ignore[attr-defined]
        elif type(sub) is ast.arg:
            parts.append(sub.arg)  # type: ignore[attr-defined]
    return " ".join(parts).lower()


def _hint_lines(text: str) -> list[int]:
    lines: list[int] = []
    line, last = 1, 0
    for match in HINT.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


class PatternRules(ast.NodeVisitor):
    def __init__(self, tree: ast.Module, path: str, aliases: dict[str, str] | None = None) -> None:
        self.path = path
        self.aliases = aliases if aliases is not None else module_aliases(tree)
        self.findings: list[dict[str, Any]] = []
        self.function = ""
        self.target = ""
        self.function_node: ast.AST | None = None
        #: Names assigned a string constant in the current function (``algorithm = "MD5"``).
        self.strings: dict[str, Any] = {}
        self.tree = tree
        self.hint_lines: list[int] = []

    def run(self, text: str | None = None) -> list[dict[str, Any]]:
        """Findings; with the module ``text``, only statements on lines that mention a hint are visited."""
        if text is None:
            self.visit(self.tree)
            return self.findings
        self.hint_lines = _hint_lines(text)
        self._block(self.tree.body)
        return self.findings

    def _has_hint(self, node: ast.stmt) -> bool:
        i = bisect.bisect_left(self.hint_lines, node.lineno)
        return i < len(self.hint_lines) and self.hint_lines[i] <= (node.end_lineno or node.lineno)

    def _block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if not self._has_hint(stmt):
                continue
            kind = type(stmt)
            if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
                saved = self.function, self.function_node, self.strings
                self.function, self.function_node, self.strings = stmt.name.lower(), stmt, {}  # type: ignore
                self._block(stmt.body)  # type: ignore[attr-defined]
                self.function, self.function_node, self.strings = saved
            elif kind is ast.ClassDef:
                self._block(stmt.body)  # type: ignore[attr-defined]
            elif kind in (ast.Assign, ast.AnnAssign):
                self.visit_Assign(stmt)  # type: ignore[arg-type]
            elif hasattr(stmt, "body"):
                for field in ("test", "iter", "subject"):
                    expr = getattr(stmt, field, None)
                    if expr is not None:
                        self.visit(expr)
                for item in getattr(stmt, "items", ()):
                    self.visit(item.context_expr)
                self._block(stmt.body)  # type: ignore[attr-defined]
                self._block(getattr(stmt, "orelse", []))
                self._block(getattr(stmt, "finalbody", []))
                for handler in getattr(stmt, "handlers", ()):
                    self._block(handler.body)
                for case in getattr(stmt, "cases", ()):
                    self._block(case.body)
            else:
                self.visit(stmt)

    def qualify(self, node: ast.expr) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def add(self, rule: str, node: ast.AST, call: str, detail: str, weight: float = 1.0) -> None:
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        confidence = RULES[rule].confidence * weight
        self.findings.append(
            make_finding(rule, self.path, line, col, call, None, None, (Step(line, "pattern", detail),), confidence)
        )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        saved = self.function, self.function_node, self.strings
        self.function, self.function_node, self.strings = node.name.lower(), node, {}
        self.generic_visit(node)
        self.function, self.function_node, self.strings = saved

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if type(node) is ast.Assign else [node.target]  # type: ignore[union-attr]
        if node.value is not None and type(node.value) is ast.Constant and isinstance(node.value.value, str):
            for target in targets:
                if type(target) is ast.Name:
                    self.strings[target.id] = node.value.value
        saved = self.target
        self.target = " ".join(_words(t) for t in targets)
        for target in targets:
            name = dotted(target) or ""
            key = fold(target.slice, {}) if type(target) is ast.Subscript else name.rsplit(".", 1)[-1]
            if key in _COOKIE_SETTINGS and node.value is not None and fold(node.value, {}) is False:
                self.add("insecure-cookie", node, str(key), f"{key} = False")
        if node.value is not None:
            self.visit(node.value)
        self.target = saved

    visit_AnnAssign = visit_Assign  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        q = self.qualify(node.func)
        if q in FAST_HASHES:
            self._hash(node, q)
        elif q in WEAK_RANDOM:
            context = f"{self.target} {self.function}"
            if _mentions(context, SECURITY_WORDS):
                self.add("weak-random", node, q, f"{q}() generates a security value ({context.strip()})")
        elif type(node.func) is ast.Attribute and node.func.attr == "set_cookie":
            self._cookie(node)
        elif (
            type(node.func) is ast.Attribute
            and node.func.attr == "update"
            and dotted(node.func.value) in ("app.config", "config", "settings")
        ):
            for kw in node.keywords:
                if kw.arg in _COOKIE_SETTINGS and fold(kw.value, {}) is False:
                    self.add("insecure-cookie", node, kw.arg, f"{kw.arg}=False")
        self.generic_visit(node)

    def _hash(self, node: ast.Call, q: str) -> None:
        args = list(node.args)
        parts = q.lower().split(".")
        algo = parts[-2] if parts[-1] == "new" and len(parts) > 1 else parts[-1]
        algo = {"sha": "sha1"}.get(algo, algo)
        if q == "hashlib.new":
            algo = fold(args[0], self.strings) if args else None
            if not (isinstance(algo, str) and algo.lower() in _WEAK_ALGOS):
                return
            algo = algo.lower()
            args = args[1:]
        data = (
            " ".join(_words(a) for a in args)
            + " "
            + " ".join(_words(k.value) for k in node.keywords if k.arg in ("data", "string"))
        )
        context = f"{self.target} {self.function}"
        if _mentions(data, PASSWORD_WORDS) or (args and _mentions(context, PASSWORD_WORDS)):
            self.add("weak-password-hash", node, q, f"{q}() hashes a password")
        elif (
            algo in _BROKEN_ALGOS
            and self.function_node is not None
            and _mentions(_words(self.function_node, strings=True), PASSWORD_WORDS)
        ):
            # md5/sha1 in a function that handles passwords (a password file, a password field).
            self.add("weak-password-hash", node, q, f"{q}() in a function that handles passwords", 0.85)

    def _cookie(self, node: ast.Call) -> None:
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        # A response's set_cookie(key, value, ...); CookieJar.set_cookie(cookie) is a client-side store.
        if len(node.args) + sum(k in keywords for k in ("key", "value")) < 2:
            return
        missing = [
            flag
            for flag in ("secure", "httponly")
            if flag not in keywords or fold(keywords[flag], {}) in (False, None, 0)
        ]
        if missing:
            self.add(
                "insecure-cookie",
                node,
                f"{dotted(node.func) or 'set_cookie'}",
                f"set_cookie without {' and '.join(missing)}",
            )
