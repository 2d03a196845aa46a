"""Expression visitor: the taint of an expression, given the current state.

Handles names, attributes, subscripts (element-wise for containers), string
building, containers, comprehensions, and calls: sources, sanitizers,
container methods, and calls to analyzed functions through their summaries.
Sink checks are delegated to :mod:`.sinks`.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from code_scalpel.scanning.consts import UNKNOWN, fold
from code_scalpel.scanning.names import dotted
from code_scalpel.scanning.rules import (
    CLEAN_METHODS,
    NAMED_HTML_ESCAPER,
    REQUEST_ATTRS,
    REQUEST_NAMES,
    RULES,
    SANITIZERS,
    SOCKET_READS,
    SOURCE_CALLS,
    SOURCE_NAMES,
    WEAK_RANDOM,
)
from code_scalpel.scanning.values import Elems, Flow, Param, Source, Step, Value, clean_for, flat, join, step

if TYPE_CHECKING:
    from code_scalpel.scanning.module import ModuleScan
    from code_scalpel.scanning.summaries import Summary

_STRING_OPS = {ast.Add: "concatenation", ast.Mod: "% formatting"}
_MUTATORS_ADD = frozenset(
    {
        "append",
        "add",
        "extend",
        "insert",
        "appendleft",
        "extendleft",
        "update",
        "setdefault",
        "write",
        "writelines",
        "put",
    }
)
_PASSTHROUGH_METHODS = frozenset(
    {
        "copy",
        "items",
        "values",
        "keys",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "capitalize",
        "casefold",
        "split",
        "rsplit",
        "splitlines",
        "encode",
        "decode",
        "expandtabs",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "swapcase",
    }
)


class ExprTaint:
    ctx: ModuleScan
    env: dict[str, Value]
    consts: dict[str, Any]
    types: dict[str, str]
    cls: str | None
    summary: Summary | None
    depth: int

    # -- names -------------------------------------------------------------------

    def qualify(self, node: ast.expr) -> str | None:
        """The qualified name a callee or attribute chain refers to, after imports and known local types."""
        kind = type(node)
        if kind is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            return self.ctx.aliases.get(name, name)
        if kind is ast.Attribute:
            base = node.value  # type: ignore[attr-defined]
            if type(base) is ast.Name:
                known = self.types.get(base.id)  # type: ignore[attr-defined]
                if known is not None:
                    return f"{known}.{node.attr}"  # type: ignore[attr-defined]
                if base.id == "self" and self.cls:  # type: ignore[attr-defined]
                    return f"{self.cls}.{node.attr}"  # type: ignore[attr-defined]
            # ``factory(...).method``: named after the factory (``requests.Session().get``, ``ET.parse(f).getroot``).
            prefix = self.qualify(base.func if type(base) is ast.Call else base)  # type: ignore[attr-defined]
            return f"{prefix}.{node.attr}" if prefix else None  # type: ignore[attr-defined]
        return None

    def is_module_ref(self, node: ast.expr) -> bool:
        """Whether ``node`` names an imported module or object (``os.path``), not a local value."""
        while type(node) is ast.Attribute:
            node = node.value  # type: ignore[attr-defined]
        return type(node) is ast.Name and node.id in self.ctx.aliases and node.id not in self.env  # type: ignore

    def source(self, node: ast.expr, kind: str, confidence: float, text: str | None = None) -> Value:
        text = text or dotted(node) or type(node).__name__
        origin = Source(kind, node.lineno, node.col_offset, text, confidence, self.ctx.path)
        return (Flow(origin, (Step(node.lineno, "source", text),), frozenset()),)

    def lookup(self, name: str) -> Value:
        if name in self.env:
            return self.env[name]
        return self.ctx.globals.get(name)

    def is_tainted(self, node: ast.expr) -> bool:
        return bool(flat(self.eval(node)))

    # -- dispatch ----------------------------------------------------------------

    def eval(self, node: ast.expr | None) -> Value:
        if node is None:
            return None
        handler = _EXPR.get(type(node))
        return handler(self, node) if handler is not None else None

    def e_name(self, node: ast.Name) -> Value:
        name = node.id
        if name in self.env:
            return self.env[name]
        value = self.ctx.globals.get(name)
        if value is not None:
            return value
        q = self.ctx.aliases.get(name)
        if q is not None and q in SOURCE_NAMES:
            kind, conf = SOURCE_NAMES[q]
            if q != "flask.request":
                return self.source(node, kind, conf, q)
        return None

    def e_attribute(self, node: ast.Attribute) -> Value:
        text = dotted(node)
        if text is not None:
            if text in self.env:
                return self.env[text]
            base_text, _, attr = text.rpartition(".")
            if attr in REQUEST_ATTRS and (
                base_text in REQUEST_NAMES or self.ctx.aliases.get(base_text) in REQUEST_NAMES
            ):
                return self.source(node, "http", 1.0, text)
            q = self.qualify(node)
            if q in SOURCE_NAMES:
                kind, conf = SOURCE_NAMES[q]
                return self.source(node, kind, conf, text)
            if base_text == "self" and self.cls:
                field = self.ctx.fields.get((self.cls, attr))
                if field is not None:
                    return step(field, Step(node.lineno, "attribute", text))
        return self.eval(node.value)

    def e_subscript(self, node: ast.Subscript) -> Value:
        base = self.eval(node.value)
        self.eval(node.slice) if type(node.slice) is not ast.Constant else None
        if base is None:
            return None
        if type(base) is Elems:
            key = fold(node.slice, self.consts)
            if key is not UNKNOWN and type(node.slice) is not ast.Slice:
                if base.seq and isinstance(key, int) and key < 0:
                    key = len(base.items) + key
                try:
                    return base.items.get(key, base.rest)
                except TypeError:
                    return flat(base)
            return flat(base)
        return base

    def e_constant(self, node: ast.Constant) -> Value:
        return None

    def e_joined(self, node: ast.JoinedStr) -> Value:
        out: Value = None
        for part in node.values:
            if type(part) is ast.FormattedValue:
                out = join(out, flat(self.eval(part.value)))
                if part.format_spec is not None:
                    out = join(out, self.eval(part.format_spec))
        return step(out, Step(node.lineno, "string", "f-string")) if out else None

    def e_binop(self, node: ast.BinOp) -> Value:
        left = self.eval(node.left)
        right = self.eval(node.right)
        if left is None and right is None:
            return None
        op = type(node.op)
        if (
            op is ast.Add
            and type(left) is Elems
            and type(right) is Elems
            and left.seq
            and right.seq
            and left.rest is None
        ):
            items = dict(left.items)
            for key, val in right.items.items():
                items[len(left.items) + key] = val
            return Elems(items, right.rest, True)
        out = join(flat(left), flat(right))
        how = _STRING_OPS.get(op)
        return step(out, Step(node.lineno, "string", how)) if how else out

    def e_boolop(self, node: ast.BoolOp) -> Value:
        out: Value = None
        for value in node.values:
            out = join(out, self.eval(value))
        return out

    def e_compare(self, node: ast.Compare) -> Value:
        self.eval(node.left)
        for comp in node.comparators:
            self.eval(comp)
        return None

    def e_unary(self, node: ast.UnaryOp) -> Value:
        value = self.eval(node.operand)
        return None if type(node.op) is ast.Not else value

    def e_ifexp(self, node: ast.IfExp) -> Value:
        test = fold(node.test, self.consts)
        if test is not UNKNOWN:
            return self.eval(node.body if test else node.orelse)
        self.eval(node.test)
        return join(self.eval(node.body), self.eval(node.orelse))

    def e_seq(self, node: ast.Tuple | ast.List) -> Value:
        items: dict[Any, Value] = {}
        rest: Value = None
        known = True
        for i, elt in enumerate(node.elts):
            if type(elt) is ast.Starred:
                rest = join(rest, flat(self.eval(elt.value)))
                known = False
                continue
            value = self.eval(elt)
            if value is not None and type(value) is not Elems:
                value = step(value, Step(elt.lineno, "container", f"element {i} of a {type(node).__name__.lower()}"))
            if known:
                items[i] = value
            else:
                rest = join(rest, flat(value))
        return Elems(items, rest, known)

    def e_set(self, node: ast.Set) -> Value:
        out: Value = None
        for elt in node.elts:
            out = join(out, flat(self.eval(elt)))
        return Elems({}, out, False)

    def e_dict(self, node: ast.Dict) -> Value:
        items: dict[Any, Value] = {}
        rest: Value = None
        for key, value in zip(node.keys, node.values, strict=True):
            val = self.eval(value)
            if key is None:
                rest = join(rest, flat(val))
                continue
            k = fold(key, self.consts)
            if k is UNKNOWN or not _hashable(k):
                rest = join(rest, join(flat(val), flat(self.eval(key))))
            else:
                if val is not None and type(val) is not Elems:
                    val = step(val, Step(value.lineno, "container", f"dict[{k!r}]"))
                items[k] = val
        return Elems(items, rest, False)

    def e_comp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> Value:
        saved = self._bind_generators(node.generators)
        value = flat(self.eval(node.elt))
        self._restore(saved)
        return Elems({}, value, False)

    def e_dictcomp(self, node: ast.DictComp) -> Value:
        saved = self._bind_generators(node.generators)
        value = join(flat(self.eval(node.key)), flat(self.eval(node.value)))
        self._restore(saved)
        return Elems({}, value, False)

    def _bind_generators(self, generators: list[ast.comprehension]) -> dict[str, Value]:
        saved: dict[str, Value] = {}
        for gen in generators:
            value = flat(self.eval(gen.iter))
            for target in ast.walk(gen.target):
                if type(target) is ast.Name and target.id not in saved:
                    saved[target.id] = self.env.get(target.id, _MISSING)
                    self.env[target.id] = value
            for cond in gen.ifs:
                self.eval(cond)
        return saved

    def _restore(self, saved: dict[str, Value]) -> None:
        for name, value in saved.items():
            if value is _MISSING:
                self.env.pop(name, None)
            else:
                self.env[name] = value

    def e_passthrough(self, node: ast.Await | ast.Starred | ast.FormattedValue) -> Value:
        return self.eval(node.value)

    def e_yield(self, node: ast.Yield | ast.YieldFrom) -> Value:
        value = self.eval(node.value)
        if self.summary is not None and value:
            self.summary.returns = join(self.summary.returns, flat(value))
        return None

    def e_namedexpr(self, node: ast.NamedExpr) -> Value:
        value = self.eval(node.value)
        self.bind(node.target, value, node.value, node.lineno)  # type: ignore[attr-defined]
        return value

    def e_lambda(self, node: ast.Lambda) -> Value:
        return None

    # -- calls -------------------------------------------------------------------

    def e_call(self, node: ast.Call) -> Value:
        func = node.func
        q = self.qualify(func)
        attr = func.attr if type(func) is ast.Attribute else None
        receiver: Value = self.eval(func.value) if attr is not None else None  # type: ignore[union-attr]
        args = [self.eval(a.value if type(a) is ast.Starred else a) for a in node.args]
        kwargs: dict[str, Value] = {}
        for kw in node.keywords:
            value = self.eval(kw.value)
            key = kw.arg or "**"
            kwargs[key] = join(kwargs.get(key), value) if key in kwargs else value

        # A source call?
        if q is not None and q in SOURCE_CALLS:
            kind, conf = SOURCE_CALLS[q]
            return self.source(node, kind, conf, q)
        if attr is not None:
            base_text = dotted(func.value)  # type: ignore[union-attr]
            if (
                attr in REQUEST_ATTRS
                and base_text is not None
                and (base_text in REQUEST_NAMES or self.ctx.aliases.get(base_text) in REQUEST_NAMES)
            ):
                return self.source(node, "http", 1.0, f"{base_text}.{attr}()")
            on_object = not self.is_module_ref(func.value)  # type: ignore[union-attr]
            if attr in SOCKET_READS and on_object:
                return self.source(node, "socket", 0.8, f"{base_text or '<socket>'}.{attr}()")
            extra = self.ctx.optional_methods.get(attr)
            if extra is not None and on_object:
                return self.source(node, extra[0], extra[1], f"{base_text or '<object>'}.{attr}()")

        if q is not None:
            last = q.rsplit(".", 1)[-1]
            if _HTML_ESCAPER.match(last):
                return clean_for(_join_all(args, kwargs), frozenset({"xss"}))
            if q in WEAK_RANDOM:
                # Only the weak-random sinks (a session or cookie value) care where this value goes.
                origin = Source("weak-random", node.lineno, node.col_offset, f"{q}()", 1.0, self.ctx.path)
                return (Flow(origin, (Step(node.lineno, "source", f"{q}()"),), NOT_WEAK_RANDOM),)

        # Calls into analyzed code (this module, its classes, other project modules).
        tainted = (
            receiver is not None or any(a is not None for a in args) or any(v is not None for v in kwargs.values())
        )
        target = self.ctx.resolve_call(self, func, q, tainted)
        if target is not None:
            summary, name, kind = target
            out = self.apply_summary(
                summary,
                name,
                node,
                args,
                kwargs,
                receiver if kind == "method" else None,
                offset=1 if kind == "ctor" else None,
            )
            return join(out, _join_all(args, kwargs)) if kind == "ctor" else out

        result = self.check_call(node, q, attr, receiver, args, kwargs)
        if result is not _NO_SINK:
            return result

        if q is not None:
            rules = SANITIZERS.get(q)
            if rules is not None:
                return clean_for(_join_all(args, kwargs), rules)
        if attr is not None and (receiver is not None or not self.is_module_ref(func.value)):  # type: ignore[union-attr]
            return self.method_result(node, func, attr, receiver, args, kwargs)  # type: ignore[arg-type]
        out = _join_all(args, kwargs)
        if out and q:
            out = step(out, Step(node.lineno, "call", f"{q}()"))
        return out

    def method_result(
        self,
        node: ast.Call,
        func: ast.Attribute,
        attr: str,
        receiver: Value,
        args: list[Value],
        kwargs: dict[str, Value],
    ) -> Value:
        if attr in CLEAN_METHODS:
            return None
        if attr in _MUTATORS_ADD:
            added = _join_all(args, kwargs)
            name = dotted(func.value)
            if added and name is not None:
                current = self.lookup(name)
                if attr == "append" and type(current) is Elems and current.seq and current.rest is None:
                    items = dict(current.items)
                    items[len(items)] = step(added, Step(node.lineno, "container", f"{name}.append()"))
                    self.env[name] = Elems(items, None, True)
                elif attr in ("update", "setdefault") and type(current) is Elems and node.args and attr == "setdefault":
                    key = fold(node.args[0], self.consts)
                    items = dict(current.items)
                    if key is not UNKNOWN and _hashable(key) and key not in items and len(args) > 1:
                        items[key] = args[1]
                        self.env[name] = Elems(items, current.rest, current.seq)
                else:
                    self.env[name] = join(
                        current, step(flat(added), Step(node.lineno, "container", f"{name}.{attr}()"))
                    )
            elif name is not None and attr == "append" and type(self.lookup(name)) is Elems:
                current = self.lookup(name)
                if current.seq and current.rest is None:  # type: ignore[union-attr]
                    self.env[name] = Elems({**current.items, len(current.items): None}, None, True)  # type: ignore
            return None
        if attr == "set" and len(node.args) == 3 and type(func.value) is ast.Name:
            # configparser: conf.set(section, key, value) / conf.get(section, key), element by element.
            section, key = fold(node.args[0], self.consts), fold(node.args[1], self.consts)
            current = self.lookup(func.value.id)
            if section is not UNKNOWN and key is not UNKNOWN and _hashable((section, key)):
                items = dict(current.items) if type(current) is Elems else {}
                rest = current.rest if type(current) is Elems else flat(current)
                stored = step(args[2], Step(node.lineno, "container", f"{func.value.id}.set({section!r}, {key!r})"))
                items[(section, key)] = stored if args[2] is not None else None
                self.env[func.value.id] = Elems(items, rest, False)
            elif args[2] is not None:
                self.env[func.value.id] = join(current, flat(args[2]))
            return None
        if type(receiver) is Elems:
            if attr in ("get", "getint", "getboolean") and len(node.args) >= 2:
                pair = (fold(node.args[0], self.consts), fold(node.args[1], self.consts))
                if UNKNOWN not in pair and _hashable(pair) and pair in receiver.items:
                    return receiver.items[pair]
            if attr in ("get", "pop", "__getitem__") and node.args:
                key = fold(node.args[0], self.consts)
                if key is not UNKNOWN and _hashable(key):
                    if receiver.seq and isinstance(key, int) and key < 0:
                        key = len(receiver.items) + key
                    value = receiver.items.get(key, receiver.rest)
                    if attr == "pop":
                        self._pop(func, receiver, key)
                    return join(value, args[1] if len(args) > 1 else None)
            if attr == "pop" and not node.args and receiver.seq and receiver.items:
                last = len(receiver.items) - 1
                value = receiver.items.get(last, receiver.rest)
                self._pop(func, receiver, last)
                return value
            if attr in ("remove", "clear", "sort", "reverse"):
                return None
            return flat(receiver)
        if attr == "join":
            joined = join(flat(receiver), flat(args[0]) if args else None)
            return step(joined, Step(node.lineno, "string", "join")) if joined else None
        if attr in ("format", "format_map"):
            out = join(flat(receiver), _join_all(args, kwargs))
            return step(out, Step(node.lineno, "string", "format")) if out else None
        if attr in _PASSTHROUGH_METHODS:
            return flat(receiver)
        if attr in ("get", "getlist", "pop", "get_all", "getone"):
            return flat(receiver)
        out = join(flat(receiver), _join_all(args, kwargs))
        return out

    def _pop(self, func: ast.Attribute | ast.Subscript, receiver: Elems, key: Any) -> None:
        name = dotted(func.value)
        if name is None:
            return
        items = dict(receiver.items)
        items.pop(key, None)
        if receiver.seq and isinstance(key, int):
            items = {(k - 1 if isinstance(k, int) and k > key else k): v for k, v in items.items()}
        self.env[name] = Elems(items, receiver.rest, receiver.seq)

    def apply_summary(
        self,
        summary: Summary,
        name: str,
        node: ast.Call,
        args: list[Value],
        kwargs: dict[str, Value],
        receiver: Value,
        offset: int | None = None,
    ) -> Value:
        """Combine a callee's summary with the taint of the actual arguments."""
        params = summary.params
        actual: dict[int, Value] = {}
        if offset is None:
            offset = 0
            if receiver is not None or (params and params[0] in ("self", "cls") and type(node.func) is ast.Attribute):
                offset = 1
                if receiver is not None:
                    actual[0] = receiver
        foreign = summary.file != self.ctx.path
        for i, value in enumerate(args):
            if value is not None:
                actual[i + offset] = value
        for key, value in kwargs.items():
            if value is not None and key in params:
                actual[params.index(key)] = value
        call_step = Step(node.lineno, "call", f"passed to {name}()", None)
        out: Value = None
        for f in flat(summary.returns) or ():
            if type(f.origin) is Param:
                for af in flat(actual.get(f.origin.index)) or ():
                    inner = _relocate(f.steps, summary.file) if foreign else f.steps
                    steps = (*af.steps, call_step, *inner, Step(node.lineno, "return", f"returned from {name}()"))
                    out = join(out, (Flow(af.origin, steps[-16:], af.cleared | f.cleared),))
            else:
                out = join(out, (f,))
        for sink in summary.sinks:
            for af in flat(actual.get(sink.index)) or ():
                cleared = af.cleared | sink.cleared
                if sink.rule in cleared or "*" in cleared:
                    continue
                inner = _relocate(sink.steps, summary.file) if foreign else sink.steps
                steps = ((*af.steps, call_step, *inner))[-16:]
                self.hit(
                    sink.rule, Flow(af.origin, steps, cleared), sink.line, sink.col, sink.call, sink.weight, sink.file
                )
        return out

    # Provided by the sink mixin.
    def check_call(
        self,
        node: ast.Call,
        q: str | None,
        attr: str | None,
        receiver: Value,
        args: list[Value],
        kwargs: dict[str, Value],
    ) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def hit(
        self, rule: str, flow: Flow, line: int, col: int, call: str, weight: float, file: str | None = None
    ) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def bind(self, target: ast.expr, value: Value, source_node: ast.expr | None, line: int) -> None:  # pragma: no cover
        raise NotImplementedError


def _relocate(steps: tuple[Step, ...], file: str) -> tuple[Step, ...]:
    return tuple(s if s.path else Step(s.line, s.kind, s.detail, file) for s in steps)


_HTML_ESCAPER = re.compile(NAMED_HTML_ESCAPER)
NOT_WEAK_RANDOM = frozenset(r for r in RULES if r != "weak-random")
_MISSING: Any = object()
_NO_SINK: Any = object()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _join_all(args: list[Value], kwargs: dict[str, Value]) -> Value:
    out: Value = None
    for value in args:
        if value is not None:
            out = join(out, flat(value))
    for value in kwargs.values():
        if value is not None:
            out = join(out, flat(value))
    return out


_EXPR = {
    ast.Name: ExprTaint.e_name,
    ast.Attribute: ExprTaint.e_attribute,
    ast.Subscript: ExprTaint.e_subscript,
    ast.Constant: ExprTaint.e_constant,
    ast.JoinedStr: ExprTaint.e_joined,
    ast.BinOp: ExprTaint.e_binop,
    ast.BoolOp: ExprTaint.e_boolop,
    ast.Compare: ExprTaint.e_compare,
    ast.UnaryOp: ExprTaint.e_unary,
    ast.IfExp: ExprTaint.e_ifexp,
    ast.Tuple: ExprTaint.e_seq,
    ast.List: ExprTaint.e_seq,
    ast.Set: ExprTaint.e_set,
    ast.Dict: ExprTaint.e_dict,
    ast.ListComp: ExprTaint.e_comp,
    ast.SetComp: ExprTaint.e_comp,
    ast.GeneratorExp: ExprTaint.e_comp,
    ast.DictComp: ExprTaint.e_dictcomp,
    ast.Await: ExprTaint.e_passthrough,
    ast.Starred: ExprTaint.e_passthrough,
    ast.FormattedValue: ExprTaint.e_passthrough,
    ast.Yield: ExprTaint.e_yield,
    ast.YieldFrom: ExprTaint.e_yield,
    ast.NamedExpr: ExprTaint.e_namedexpr,
    ast.Lambda: ExprTaint.e_lambda,
    ast.Call: ExprTaint.e_call,
}
