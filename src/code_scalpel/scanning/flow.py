"""Statement visitor: the intra-procedural flow of one function body.

One pass over the statements in order.  Branches are analyzed on copies of
the state and joined; a constant condition analyzes only the branch it
selects; a validating condition cleans the checked names in the branch where
it holds; assigning a constant overwrites (kills) taint.  Loops run their body
once more only when the first pass tainted something new, so the cost stays
linear in the size of the function.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from code_scalpel.scanning.consts import UNKNOWN, fold, truth
from code_scalpel.scanning.guards import checked_names
from code_scalpel.scanning.names import dotted
from code_scalpel.scanning.rules import NORETURN_CALLS, SESSION_NAMES
from code_scalpel.scanning.sinks import QUERY_ONLY, SinkChecks, constant_prefix, parser_is_safe
from code_scalpel.scanning.values import Elems, Source, Step, Value, flat, join, step

if TYPE_CHECKING:
    from code_scalpel.scanning.module import ModuleScan
    from code_scalpel.scanning.summaries import Summary

_MAX_LOOP_NESTING = 3


class FunctionFlow(SinkChecks):
    def __init__(
        self, ctx: ModuleScan, cls: str | None, summary: Summary | None, depth: int, route: str | None = None
    ) -> None:
        self.ctx = ctx
        self.cls = cls
        self.summary = summary
        self.depth = depth
        #: "route" when the function is a Flask-style view: what it returns is the HTML response body.
        self.route = route
        self.env: dict[str, Value] = {}
        self.consts: dict[str, Any] = {}
        self.types: dict[str, str] = {}
        self.prefixes: dict[str, str] = {}
        self.safe_parsers: set[str] = set()
        self.unsafe_parsers: set[str] = set()
        self.loop_nesting = 0

    # -- state -------------------------------------------------------------------

    def snapshot(self) -> tuple[dict[str, Value], dict[str, Any], dict[str, str]]:
        return dict(self.env), dict(self.consts), dict(self.prefixes)

    def restore(self, state: tuple[dict[str, Value], dict[str, Any], dict[str, str]]) -> None:
        self.env, self.consts, self.prefixes = dict(state[0]), dict(state[1]), dict(state[2])

    def merge(
        self,
        a: tuple[dict[str, Value], dict[str, Any], dict[str, str]],
        b: tuple[dict[str, Value], dict[str, Any], dict[str, str]],
    ) -> None:
        env_a, env_b = a[0], b[0]
        env: dict[str, Value] = {}
        for key in env_a.keys() | env_b.keys():
            value = join(env_a.get(key), env_b.get(key))
            if value is not None:
                env[key] = value
        consts = {k: v for k, v in a[1].items() if k in b[1] and _same(b[1][k], v)}
        prefixes = {k: v for k, v in a[2].items() if b[2].get(k) == v}
        self.env, self.consts, self.prefixes = env, consts, prefixes

    def clean_names(self, names: frozenset[str]) -> None:
        for name in names:
            self.env[name] = None

    # -- blocks ------------------------------------------------------------------

    def run(self, body: list[ast.stmt]) -> bool:
        """Analyze a block; ``True`` when it always leaves (return, raise, abort)."""
        for stmt in body:
            handler = _STMT.get(type(stmt))
            if handler is not None and handler(self, stmt):
                return True
        return False

    def s_expr(self, node: ast.Expr) -> bool:
        value = node.value
        self.eval(value)
        if type(value) is ast.Call:
            q = self.qualify(value.func)
            if q in NORETURN_CALLS or (q and q.rsplit(".", 1)[-1] in ("abort", "exit")):
                return True
        return False

    def s_assign(self, node: ast.Assign) -> bool:
        value = self.eval(node.value)
        for target in node.targets:
            self.bind(target, value, node.value, node.lineno)
        return False

    def s_annassign(self, node: ast.AnnAssign) -> bool:
        if node.value is not None:
            self.bind(node.target, self.eval(node.value), node.value, node.lineno)
        return False

    def s_augassign(self, node: ast.AugAssign) -> bool:
        value = self.eval(node.value)
        target = node.target
        name = dotted(target)
        if name is not None:
            current = self.eval(target)
            if current is None and value is None:
                self.consts.pop(name, None)
                return False
            combined = join(flat(current), flat(value))
            if value is not None and type(node.op) in (ast.Add, ast.Mod):
                combined = step(combined, Step(node.lineno, "string", f"{name} += ..."))
            self.env[name] = combined
            self.consts.pop(name, None)
            if type(target) is ast.Attribute:
                self.check_response_body(target, value)
        elif type(target) is ast.Subscript:
            self.bind(target, join(flat(self.eval(target)), flat(value)), None, node.lineno)
        return False

    def s_return(self, node: ast.Return) -> bool:
        value = self.eval(node.value)
        if self.route == "flask" and node.value is not None and value is not None:
            self._check_route_return(node.value, value)
        if self.summary is not None and value is not None:
            self.summary.returns = join(self.summary.returns, value)
        return True

    def _check_route_return(self, expr: ast.expr, value: Value) -> None:
        body = expr.elts[0] if type(expr) is ast.Tuple and expr.elts else expr  # type: ignore[attr-defined]
        if type(body) in (ast.Dict, ast.List, ast.Constant, ast.ListComp, ast.DictComp):
            return  # Flask serializes dicts and lists as JSON
        if type(body) is ast.Call and type(body.func) is not ast.Attribute:
            return
        if type(body) is ast.Call and body.func.attr not in ("format", "join", "replace", "strip", "format_map"):  # type: ignore
            return
        body_value = self.eval(body) if body is not expr else value
        self.report_value("xss", flat(body_value), expr, "return from a Flask view (text/html)", 0.9)

    def s_if(self, node: ast.If) -> bool:
        known = truth(node.test, self.consts)
        if known is True:
            return self.run(node.body)
        if known is False:
            return self.run(node.orelse)
        self.eval(node.test)
        yes, no = checked_names(node.test, self.qualify, self.is_tainted)
        before = self.snapshot()
        self.clean_names(yes)
        body_exits = self.run(node.body)
        after_body = self.snapshot()
        self.restore(before)
        self.clean_names(no)
        else_exits = self.run(node.orelse)
        if body_exits and else_exits:
            return True
        if body_exits:
            return False
        if else_exits:
            self.restore(after_body)
            return False
        self.merge(after_body, self.snapshot())
        return False

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, bind: Any) -> bool:
        before = self.snapshot()
        self.loop_nesting += 1
        try:
            bind()
            self.run(node.body)
            self.merge(before, self.snapshot())
            if self.loop_nesting <= _MAX_LOOP_NESTING and _gained(before[0], self.env):
                second = self.snapshot()
                bind()
                self.run(node.body)
                self.merge(second, self.snapshot())
        finally:
            self.loop_nesting -= 1
        self.run(node.orelse)
        return False

    def s_for(self, node: ast.For | ast.AsyncFor) -> bool:
        iterable = self.eval(node.iter)
        element = iterable.rest if type(iterable) is Elems and not iterable.items else flat(iterable)
        if element is not None:
            element = step(element, Step(node.lineno, "container", "loop element"))
        return self._loop(node, lambda: self.bind(node.target, element, None, node.lineno))

    def s_while(self, node: ast.While) -> bool:
        if truth(node.test, self.consts) is False:
            return self.run(node.orelse)
        self.eval(node.test)
        return self._loop(node, lambda: None)

    def s_with(self, node: ast.With | ast.AsyncWith) -> bool:
        for item in node.items:
            value = self.eval(item.context_expr)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, value, item.context_expr, node.lineno)
        return self.run(node.body)

    def join_states(self, states: list[tuple[dict[str, Value], dict[str, Any], dict[str, str]]]) -> None:
        self.restore(states[0])
        for other in states[1:]:
            self.merge(self.snapshot(), other)

    def s_try(self, node: ast.Try) -> bool:
        before = self.snapshot()
        body_exits = self.run(node.body) or self.run(node.orelse)
        after_body = self.snapshot()
        falls_through = [] if body_exits else [after_body]
        for handler in node.handlers:
            self.merge(before, after_body)
            if handler.name:
                self.env.pop(handler.name, None)
            if not self.run(handler.body):
                falls_through.append(self.snapshot())
        self.join_states(falls_through or [after_body])
        return self.run(node.finalbody) or not falls_through

    def s_match(self, node: ast.Match) -> bool:
        known = fold(node.subject, self.consts)
        if known is not UNKNOWN:
            chosen = _constant_case(node.cases, known, self.consts)
            if chosen is not None:
                return self.run(chosen.body) if chosen is not False else False
        subject = flat(self.eval(node.subject))
        before = self.snapshot()
        falls_through = [before]
        for case in node.cases:
            self.restore(before)
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None)
                if isinstance(name, str):
                    self.env[name] = subject
            if case.guard is not None:
                self.eval(case.guard)
            if not self.run(case.body):
                falls_through.append(self.snapshot())
        self.join_states(falls_through)
        return False

    def s_raise(self, node: ast.Raise) -> bool:
        self.eval(node.exc)
        return True

    def s_leave(self, node: ast.stmt) -> bool:
        return True

    def s_assert(self, node: ast.Assert) -> bool:
        self.eval(node.test)
        yes, _ = checked_names(node.test, self.qualify, self.is_tainted)
        self.clean_names(yes)
        return False

    def s_delete(self, node: ast.Delete) -> bool:
        for target in node.targets:
            if type(target) is ast.Subscript:
                base = dotted(target.value)
                current = self.lookup(base) if base is not None else None
                key = fold(target.slice, self.consts)
                if type(current) is Elems and key is not UNKNOWN and type(target.slice) is not ast.Slice:
                    if current.seq and isinstance(key, int) and key < 0:
                        key = len(current.items) + key
                    self._pop(target, current, key)  # type: ignore[arg-type]
                continue
            name = dotted(target)
            if name is not None:
                self.env.pop(name, None)
                self.consts.pop(name, None)
        return False

    def s_skip(self, node: ast.stmt) -> bool:
        return False

    # -- binding -----------------------------------------------------------------

    def bind(self, target: ast.expr, value: Value, source_node: ast.expr | None, line: int) -> None:
        kind = type(target)
        if kind is ast.Name:
            name = target.id  # type: ignore[attr-defined]
            self._set(name, value, source_node, line)
        elif kind is ast.Attribute:
            name = dotted(target)
            if name is None:
                self.eval(target.value)  # type: ignore[attr-defined]
                return
            self.check_response_body(target, value)  # type: ignore[arg-type]
            self._set(name, value, source_node, line)
            if name.startswith("self.") and self.cls and name.count(".") == 1 and flat(value) is not None:
                # Only real sources go into the class-wide field table: a parameter of one method means
                # nothing in another method's summary.
                real = tuple(f for f in flat(value) or () if type(f.origin) is Source)
                if real:
                    key = (self.cls, name[5:])
                    self.ctx.fields[key] = join(self.ctx.fields.get(key), real)
        elif kind in (ast.Tuple, ast.List):
            elts = target.elts  # type: ignore[attr-defined]
            star = next((i for i, e in enumerate(elts) if type(e) is ast.Starred), None)
            source_elts = source_node.elts if type(source_node) in (ast.Tuple, ast.List) else None  # type: ignore
            for i, elt in enumerate(elts):
                if type(value) is Elems and value.seq and (star is None or i < star):
                    part = value.items.get(i, value.rest)
                else:
                    part = flat(value)
                sub_node = source_elts[i] if source_elts is not None and star is None and i < len(source_elts) else None
                if type(elt) is ast.Starred:
                    self.bind(elt.value, flat(value), None, line)
                else:
                    self.bind(elt, part, sub_node, line)
        elif kind is ast.Subscript:
            self._bind_subscript(target, value, line)  # type: ignore[arg-type]
        elif kind is ast.Starred:
            self.bind(target.value, value, None, line)  # type: ignore[attr-defined]

    def _set(self, name: str, value: Value, source_node: ast.expr | None, line: int) -> None:
        if value is not None and type(value) is not Elems:
            value = step(value, Step(line, "assignment", f"{name} = ..."))
        self.env[name] = value
        if source_node is not None:
            const = fold(source_node, self.consts)
            if const is UNKNOWN:
                self.consts.pop(name, None)
            else:
                self.consts[name] = const
            prefix = constant_prefix(source_node)
            if (
                prefix is None
                and value is not None
                and type(source_node) in (ast.JoinedStr, ast.BinOp)
                and self.taints_only_query(source_node)
            ):
                prefix = QUERY_ONLY
            if prefix is not None:
                self.prefixes[name] = prefix
            else:
                self.prefixes.pop(name, None)
            if type(source_node) is ast.Call:
                q = self.qualify(source_node.func)  # type: ignore[attr-defined]
                if q == "hashlib.new" and source_node.args:  # type: ignore[attr-defined]
                    algo = fold(source_node.args[0], self.consts)  # type: ignore[attr-defined]
                    q = f"hashlib.{algo.lower()}" if isinstance(algo, str) else q
                if q is not None:
                    self.types[name] = q
                    if q.endswith("XMLParser"):
                        if parser_is_safe(source_node, self.consts):  # type: ignore[arg-type]
                            self.safe_parsers.add(name)
                        else:
                            self.safe_parsers.discard(name)
                else:
                    self.types.pop(name, None)
        else:
            self.consts.pop(name, None)
            self.prefixes.pop(name, None)

    def _bind_subscript(self, target: ast.Subscript, value: Value, line: int) -> None:
        base_name = dotted(target.value)
        if base_name is not None and value is not None:
            q = self.qualify(target.value)
            if base_name in SESSION_NAMES and (
                q in SESSION_NAMES or base_name.endswith("request.session") or base_name == "self.request.session"
            ):
                self.report_value("trust-boundary", value, target, f"{base_name}[...] =", 1.0)
                self.report_value("weak-random", value, target, f"{base_name}[...] =", 1.0)
        if base_name is None:
            self.eval(target.value)
            return
        key = fold(target.slice, self.consts)
        current = self.lookup(base_name)
        if key is not UNKNOWN and type(target.slice) is not ast.Slice and _hashable(key):
            stored = step(value, Step(line, "container", f"{base_name}[{key!r}] = ...")) if flat(value) else value
            if type(current) is Elems:
                items = dict(current.items)
                items[key] = stored
                self.env[base_name] = Elems(items, current.rest, current.seq)
            elif value is not None:
                self.env[base_name] = (
                    join(current, Elems({key: stored}, None, False))
                    if current is not None
                    else Elems({key: stored}, None, False)
                )
            return
        self.eval(target.slice)
        if value is not None:
            stored = step(flat(value), Step(line, "container", f"{base_name}[...] = ..."))
            if type(current) is Elems:
                self.env[base_name] = Elems(dict(current.items), join(current.rest, stored), False)
            else:
                self.env[base_name] = join(current, stored)


def _constant_case(cases: list[ast.match_case], subject: Any, consts: dict[str, Any]) -> Any:
    """The case a constant subject selects (``False``: none matches), or ``None`` when it cannot be told."""
    for case in cases:
        pattern = case.pattern
        if case.guard is not None:
            return None
        if type(pattern) is ast.MatchAs and pattern.pattern is None:
            return case
        if type(pattern) is ast.MatchValue:
            value = fold(pattern.value, consts)
            if value is UNKNOWN:
                return None
            if _same(value, subject):
                return case
            continue
        if type(pattern) is ast.MatchOr and all(type(p) is ast.MatchValue for p in pattern.patterns):
            values = [fold(p.value, consts) for p in pattern.patterns]  # type: ignore[attr-defined]
            if UNKNOWN in values:
                return None
            if any(_same(v, subject) for v in values):
                return case
            continue
        return None
    return False


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _gained(before: dict[str, Value], after: dict[str, Value]) -> bool:
    for key, value in after.items():
        if value is not None and before.get(key) is None and flat(value) is not None:
            return True
    return False


_STMT = {
    ast.Expr: FunctionFlow.s_expr,
    ast.Assign: FunctionFlow.s_assign,
    ast.AnnAssign: FunctionFlow.s_annassign,
    ast.AugAssign: FunctionFlow.s_augassign,
    ast.Return: FunctionFlow.s_return,
    ast.If: FunctionFlow.s_if,
    ast.For: FunctionFlow.s_for,
    ast.AsyncFor: FunctionFlow.s_for,
    ast.While: FunctionFlow.s_while,
    ast.With: FunctionFlow.s_with,
    ast.AsyncWith: FunctionFlow.s_with,
    ast.Try: FunctionFlow.s_try,
    ast.Match: FunctionFlow.s_match,
    ast.Raise: FunctionFlow.s_raise,
    ast.Continue: FunctionFlow.s_leave,
    ast.Break: FunctionFlow.s_leave,
    ast.Assert: FunctionFlow.s_assert,
    ast.Delete: FunctionFlow.s_delete,
}
if hasattr(ast, "TryStar"):
    _STMT[ast.TryStar] = FunctionFlow.s_try
