"""One module's scan: runs the flow visitor over the module body and every
function once, computes summaries on demand, and collects findings."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from code_scalpel.scanning.findings import make_finding
from code_scalpel.scanning.flow import FunctionFlow
from code_scalpel.scanning.names import module_aliases, statements
from code_scalpel.scanning.rules import OPTIONAL_SOURCE_METHODS, ROUTE_DECORATORS, RULES, SAFE_PARAM_TYPES
from code_scalpel.scanning.summaries import Summary
from code_scalpel.scanning.values import Flow, Param, Source, Step, Value

if TYPE_CHECKING:
    from code_scalpel.scanning.project import Project

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: A module with none of these words cannot read untrusted data; its functions are only summarized on demand.
SOURCE_HINT = re.compile(
    r"request|argv|environ|getenv|\binput\(|raw_input|stdin|\.recv|@\w+(?:\.\w+)*\.(?:route|get|post|put|delete|"
    r"patch|api_route|websocket)\("
)
#: With ``extra_sources`` (file or network reads), reads count as sources too.
EXTRA_HINT = re.compile(SOURCE_HINT.pattern + r"|\.read\w*\(|\.json\(|\.text\b|\.content\b")
_FLASK_PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")
_TYPED_CONVERTERS = frozenset({"int", "float", "uuid"})


class ModuleScan:
    def __init__(
        self,
        tree: ast.Module,
        path: str,
        *,
        modname: str = "",
        is_package: bool = False,
        project: Project | None = None,
        findings: dict[tuple[Any, ...], dict[str, Any]] | None = None,
        max_depth: int = 5,
        extra_sources: Iterable[str] = (),
        text: str | None = None,
    ) -> None:
        self.tree = tree
        #: Lines that mention a possible source; ``None`` when the text is unknown (then every line may).
        self.hint_lines: list[int] | None = None
        self._text = text
        self.path = path
        self.modname = modname
        self.project = project
        self.max_depth = max_depth
        self.aliases = module_aliases(tree, modname, is_package)
        self.globals: dict[str, Value] = {}
        self.fields: dict[tuple[str, str], Value] = {}
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, dict[str, FunctionNode]] = {}
        self.summaries: dict[int, Summary] = {}
        self.findings = findings if findings is not None else {}
        self.optional_methods: dict[str, tuple[str, float]] = {}
        for kind in extra_sources:
            self.optional_methods.update(OPTIONAL_SOURCE_METHODS.get(kind, {}))
        self.uses_fastapi = any(v.split(".", 1)[0] in ("fastapi", "starlette") for v in self.aliases.values())
        self.uses_django = any(v.split(".", 1)[0] == "django" for v in self.aliases.values())
        self._index()

    def _index(self) -> None:
        bases: dict[str, list[str]] = {}
        for node in self.tree.body:
            if type(node) in (ast.FunctionDef, ast.AsyncFunctionDef):
                self.functions[node.name] = node  # type: ignore[union-attr]
            elif type(node) is ast.ClassDef:
                methods = {n.name: n for n in node.body if type(n) in (ast.FunctionDef, ast.AsyncFunctionDef)}
                self.classes[node.name] = methods  # type: ignore[assignment]
                bases[node.name] = [b.id for b in node.bases if type(b) is ast.Name]  # type: ignore[attr-defined]
        # Inherited methods from base classes of the same module (the common case: a base view or repository).
        for name, parents in bases.items():
            for parent in parents:
                for mname, mnode in self.classes.get(parent, {}).items():
                    self.classes[name].setdefault(mname, mnode)

    # -- running -----------------------------------------------------------------

    def run(self, source_text: str | None = None) -> None:
        """Analyze the module body and every function once (with the clean-parameter assumption)."""
        hint = EXTRA_HINT if self.optional_methods else SOURCE_HINT
        if source_text is not None and not hint.search(source_text):
            return
        top = FunctionFlow(self, None, None, 0)
        top.run(self.tree.body)
        self.globals = {k: v for k, v in top.env.items() if v is not None}
        pending: list[tuple[FunctionNode, str | None]] = []
        for node in self.tree.body:
            if type(node) in (ast.FunctionDef, ast.AsyncFunctionDef):
                pending.append((node, None))  # type: ignore[arg-type]
            elif type(node) is ast.ClassDef:
                for item in node.body:
                    if type(item) in (ast.FunctionDef, ast.AsyncFunctionDef):
                        pending.append((item, node.name))  # type: ignore[arg-type]
        fields_before = len(self.fields)
        for fnode, cls in pending:
            self.analyze_root(fnode, cls)
        if len(self.fields) != fields_before:
            # A method may read a field that a later method taints: one more pass over the methods.
            for fnode, cls in pending:
                if cls is not None:
                    self.analyze_root(fnode, cls)

    def analyze_root(self, fnode: FunctionNode, cls: str | None) -> None:
        route, sources = self.route_params(fnode)
        flow = FunctionFlow(self, cls, None, 0, route)
        for name, (line, col) in sources.items():
            origin = Source("http", line, col, f"route parameter {name}", 1.0, self.path)
            flow.env[name] = (Flow(origin, (Step(line, "source", f"route parameter {name}"),), frozenset()),)
        flow.run(fnode.body)
        for sub in statements(fnode.body):
            if type(sub) in (ast.FunctionDef, ast.AsyncFunctionDef):
                nested = FunctionFlow(self, cls, None, 0)
                nested.env = {k: v for k, v in flow.env.items() if v is not None}
                nested.run(sub.body)  # type: ignore[attr-defined]

    def route_params(self, fnode: FunctionNode) -> tuple[str | None, dict[str, tuple[int, int]]]:
        """Parameters a web framework fills from the URL or the body, and whether returns are HTML."""
        args = fnode.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        defaults: dict[str, ast.expr] = {}
        positional = [*args.posonlyargs, *args.args]
        for param, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            defaults[param.arg] = default
        for param, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                defaults[param.arg] = default
        for dec in fnode.decorator_list:
            if type(dec) is not ast.Call or type(dec.func) is not ast.Attribute:
                continue
            if dec.func.attr not in ROUTE_DECORATORS or not dec.args:
                continue
            first = dec.args[0]
            if type(first) is not ast.Constant or not isinstance(first.value, str) or not first.value.startswith("/"):
                continue
            typed = {name for conv, name in _FLASK_PLACEHOLDER.findall(first.value) if conv in _TYPED_CONVERTERS}
            flask_like = dec.func.attr == "route" or not self.uses_fastapi
            out = {}
            for param in params:
                if param.arg in ("self", "cls", "request", "req") or param.arg in typed:
                    continue
                if param.annotation is not None and _safe_annotation(param.annotation):
                    continue
                default = defaults.get(param.arg)
                if type(default) is ast.Call and _callee_name(default.func) in ("Depends", "Security"):
                    continue
                out[param.arg] = (param.lineno, param.col_offset)
            return ("flask" if flask_like else "api"), out
        if self.uses_django and params and params[0].arg == "request":
            return None, {
                p.arg: (p.lineno, p.col_offset)
                for p in params[1:]
                if not (p.annotation is not None and _safe_annotation(p.annotation))
            }
        return None, {}

    # -- calls into analyzed code -------------------------------------------------

    def summary_for_call(self, fnode: FunctionNode, cls: str | None, depth: int, tainted: bool) -> Summary | None:
        """A summary, or ``None`` when it cannot matter (clean arguments into a function that reads no source)."""
        if not tainted and not self.may_read_sources(fnode):
            return None
        return self.summary_of(fnode, cls, depth)

    def resolve_call(
        self, flow: FunctionFlow, func: ast.expr, q: str | None, tainted: bool = True
    ) -> tuple[Summary, str, str] | None:
        kind = type(func)
        if kind is ast.Name:
            name = func.id  # type: ignore[attr-defined]
            if name in flow.env:
                return None
            fnode = self.functions.get(name)
            if fnode is not None:
                summary = self.summary_for_call(fnode, None, flow.depth + 1, tainted)
                return (summary, name, "function") if summary is not None else None
            methods = self.classes.get(name)
            if methods is not None:
                init = methods.get("__init__")
                summary = self.summary_for_call(init, name, flow.depth + 1, tainted) if init is not None else None
                return (summary or Summary(file=self.path), name, "ctor")
        elif kind is ast.Attribute:
            base = func.value  # type: ignore[attr-defined]
            attr = func.attr  # type: ignore[attr-defined]
            if type(base) is ast.Call and type(base.func) is ast.Name and base.func.id in self.classes:
                methods = self.classes[base.func.id]
                if attr in methods:
                    summary = self.summary_for_call(methods[attr], base.func.id, flow.depth + 1, tainted)
                    return (summary, f"{base.func.id}.{attr}", "method") if summary is not None else None
            if type(base) is ast.Name:
                cls = flow.cls if base.id == "self" else flow.types.get(base.id)
                if cls is None and base.id in self.classes:
                    cls = base.id
                methods = self.classes.get(cls) if cls else None
                if methods is not None and attr in methods:
                    summary = self.summary_for_call(methods[attr], cls, flow.depth + 1, tainted)
                    if summary is None:
                        return None
                    return summary, f"{cls}.{attr}", "method" if base.id != cls else "function"
        if q is not None and self.project is not None and "." in q:
            return self.project.resolve(q, flow.depth + 1, tainted=tainted)
        return None

    def may_read_sources(self, fnode: FunctionNode) -> bool:
        """Whether the function's text mentions a source: if not, calling it with clean arguments returns clean."""
        if self._text is None:
            return True
        if self.hint_lines is None:
            self.hint_lines = _match_lines(self._text, EXTRA_HINT if self.optional_methods else SOURCE_HINT)
        i = bisect.bisect_left(self.hint_lines, fnode.lineno)
        return i < len(self.hint_lines) and self.hint_lines[i] <= (fnode.end_lineno or fnode.lineno)

    def summary_of(self, fnode: FunctionNode, cls: str | None, depth: int) -> Summary | None:
        key = id(fnode)
        summary = self.summaries.get(key)
        if summary is not None:
            return summary
        if depth > self.max_depth:
            return None
        args = fnode.args
        params = tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
        summary = Summary(params=params, pending=True, file=self.path)
        self.summaries[key] = summary
        flow = FunctionFlow(self, cls, summary, depth)
        for i, name in enumerate(params):
            if i == 0 and cls is not None and name in ("self", "cls"):
                flow.env[name] = (Flow(Param(i, name), (), frozenset()),)
                continue
            flow.env[name] = (
                Flow(Param(i, name), (Step(fnode.lineno, "parameter", f"parameter {name}"),), frozenset()),
            )
        flow.run(fnode.body)
        summary.pending = False
        return summary

    # -- findings ----------------------------------------------------------------

    def report(
        self, rule: str, flow: Flow, line: int, col: int, call: str, weight: float, file: str | None = None
    ) -> None:
        origin = flow.origin
        assert type(origin) is Source
        where = file or self.path
        confidence = RULES[rule].confidence * weight * origin.confidence
        key = (rule, where, line, col)
        known = self.findings.get(key)
        if known is not None and known["confidence"] >= round(confidence, 2):
            return
        self.findings[key] = make_finding(rule, where, line, col, call, origin, origin.file, flow.steps, confidence)


def _match_lines(text: str, pattern: re.Pattern[str]) -> list[int]:
    lines: list[int] = []
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _safe_annotation(node: ast.expr) -> bool:
    name = _callee_name(node)
    if name in SAFE_PARAM_TYPES:
        return True
    if type(node) is ast.Subscript and _callee_name(node.value) == "Annotated":
        elts = node.slice.elts if type(node.slice) is ast.Tuple else [node.slice]  # type: ignore[attr-defined]
        return bool(elts) and _safe_annotation(elts[0])
    return False


def _callee_name(node: ast.expr) -> str | None:
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if type(node) is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    return None
