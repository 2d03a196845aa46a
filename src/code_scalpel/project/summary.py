"""One pass over a module's AST that keeps only what project-wide questions need.

The result (a "summary") is plain tuples, lists and dicts so it pickles fast
for the process pool and the cache.  Expressions are encoded as small tuples
that the resolver evaluates later, across files:

* ``("n", name, (line, col), block)`` a name read at a position, in a block;
* ``("a", base, attr)`` attribute access; ``("c", func, args, kwargs)`` a call;
* ``("f", qname)`` a function, lambda or class defined here;
* ``("m", module)`` / ``("im", module, name)`` what an import binds;
* ``("l", items)`` a literal sequence, ``("h", item)`` a comprehension,
  ``("d", ((key, value), ...))`` a dict literal, ``("x", base, key)`` a subscript,
  ``("i", base)`` an element got by iteration, ``("o", options)`` one of several,
  ``("S", class_qname, self_expr)`` ``super()``, ``("u",)`` anything else.

Blocks model control flow just enough for precision: a binding only shadows
an earlier one for a later use when its block encloses the use's block.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

#: Positions are one int, ``line * POS + column``: a tuple per name costs too much memory on big trees.
POS = 1 << 20
FORMAT = 9  # bump when the summary layout changes: cached summaries of another format are discarded

U: tuple = ("u",)
_LISTS = ("glob", "nonloc", "ret", "yld", "calls", "occ", "attrs", "bases", "star", "params", "kwonly")
_ADDERS = frozenset({"append", "add", "insert", "extend", "appendleft"})
_TRANSPARENT_DECORATORS = {"staticmethod", "classmethod", "property", "abstractmethod", "cached_property"}

#: The encodings of an unknown and of a constant: an argument of either tells nothing about a parameter.
LITERALS = frozenset({"u", "k"})


def is_name(expr: Any) -> bool:
    """Whether ``expr`` is a name read, not a pair that starts like one (a keyword argument or dict key "n")."""
    return type(expr) is tuple and len(expr) == 4 and expr[0] == "n" and type(expr[2]) is int


class _Scope:
    __slots__ = ("blocks", "cx", "d", "lambdas", "last_block", "last_idx")

    def __init__(self, d: dict[str, Any]) -> None:
        self.d = d
        self.cx = 1
        self.lambdas = 0
        self.blocks: dict[tuple, int] = {(): 0}
        # The index of the block last asked for: block paths are nested tuples, whose hash is not cached.
        self.last_block: tuple | None = None
        self.last_idx = 0


class Extractor:
    def __init__(self, module: str, is_pkg: bool, occurrences: bool = False) -> None:
        self.with_occ = occurrences
        self.module = module
        self.is_pkg = is_pkg
        self.scopes: dict[str, dict[str, Any]] = {}
        self.imports: list[tuple[int, str, str | None]] = []  # (line, module, imported name or None)
        self.aliases: list[tuple[str, str]] = []  # (imported name, local alias) of `from m import a as b`
        #: Calls that pass anything but literals, by the last name of their target: where the resolver
        #: looks for the values a parameter receives (gathered here, in the worker that parses the file).
        self.sites: dict[str, list[tuple[str, tuple]]] = {}
        self.main_block: int | None = None
        self.stack: list[_Scope] = []
        self.block: tuple = ()
        self.class_q: list[str | None] = [None]
        #: The last number given to a block (a branch, a loop, a handler): tags that tell blocks apart.
        self.tags = 0

    # -- scopes -------------------------------------------------------------------------------
    def _new_scope(self, q: str, kind: str, node: ast.AST | None, parent: str | None) -> _Scope:
        if q in self.scopes:  # a redefinition (property setters, if/else variants): keep both
            n = 2
            while f"{q}~{n}" in self.scopes:
                n += 1
            q = f"{q}~{n}"
        d: dict[str, Any] = {
            "q": q,
            "k": kind,
            "p": parent,
            "line": getattr(node, "lineno", 1),
            "col": getattr(node, "col_offset", 0),
            "end": getattr(node, "end_lineno", 1),
            "params": [],
            "kwonly": [],
            "defaults": {},
            "vararg": None,
            "kwarg": None,
            "mk": None,
            "b": {},
            "glob": [],
            "nonloc": [],
            "ret": [],
            "yld": [],
            "calls": [],
            "occ": [],
            "attrs": [],
            "bases": [],
            "blocks": [()],
            "star": [],
            "async": isinstance(node, ast.AsyncFunctionDef),
            "cx": 1,
        }
        self.scopes[q] = d
        return _Scope(d)

    @property
    def cur(self) -> _Scope:  # not on the hottest paths, which read self.stack[-1]
        return self.stack[-1]

    def _blk(self) -> int:
        s = self.stack[-1]
        block = self.block
        if s.last_block is block:
            return s.last_idx
        idx = s.blocks.get(block)
        if idx is None:
            idx = s.blocks[block] = len(s.blocks)
            s.d["blocks"].append(block)
        s.last_block = block
        s.last_idx = idx
        return idx

    def bind(self, name: str, value: tuple, pos: tuple[int, int]) -> None:
        self.cur.d["b"].setdefault(name, []).append((pos[0] * POS + pos[1], value, self._blk()))

    def occ(self, kind: str, ident: str, line: int, col: int, base: tuple | None = None) -> None:
        if not self.with_occ:
            return
        self.cur.d["occ"].append((kind, ident, line, col, base, self._blk()))

    # -- entry --------------------------------------------------------------------------------
    def run(self, tree: ast.Module, lines: int) -> dict[str, Any]:
        scope = self._new_scope(self.module, "module", None, None)
        scope.d["end"] = lines
        self.stack.append(scope)
        self.body(tree.body)
        self._close(scope)
        return {
            "module": self.module,
            "is_pkg": self.is_pkg,
            "lines": lines,
            "scopes": self.scopes,
            "imports": self.imports,
            "aliases": self.aliases,
            "main": self.main_block,
            "sites": self.sites,
        }

    def _close(self, scope: _Scope) -> None:
        d = scope.d
        d["cx"] = scope.cx
        for key in _LISTS:
            if not d[key]:
                d[key] = ()  # the empty tuple is a singleton, also after marshal: free to keep
        self.stack.pop()

    # -- statements ---------------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> None:
        # Dispatched here, not through stmt(): one Python call less per statement of the project.
        get = _STMT.get
        for st in stmts:
            handler = get(type(st))
            if handler is not None:
                handler(self, st)
            else:
                self.stmt(st)

    def _tag(self) -> int:
        # Numbers, not the nodes' ids: the same source gives the same summary in every process.
        self.tags += 1
        return self.tags

    def in_block(self, tag: Any, stmts: list[ast.stmt]) -> None:
        saved = self.block
        self.block = (*saved, tag)
        self.body(stmts)
        self.block = saved

    def stmt(self, node: ast.stmt) -> None:
        handler = _STMT.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.ev(child)
                elif isinstance(child, ast.stmt):
                    self.stmt(child)

    def s_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        deco = [self.ev(d) for d in node.decorator_list]
        args = node.args
        defaults: dict[str, tuple] = {}
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        for name, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            defaults[name] = self.ev(default)
        for kw, kwdefault in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kwdefault is not None:
                defaults[kw.arg] = self.ev(kwdefault)
        for anyarg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if anyarg is not None and anyarg.annotation is not None:
                self.ev(anyarg.annotation)
        if node.returns is not None:
            self.ev(node.returns)
        parent = self.cur
        q = f"{self._qprefix()}.{node.name}"
        scope = self._new_scope(q, "function", node, parent.d["q"])
        q = scope.d["q"]
        d = scope.d
        d["params"] = positional
        d["kwonly"] = [a.arg for a in args.kwonlyargs]
        d["defaults"] = defaults
        d["vararg"] = args.vararg.arg if args.vararg else None
        d["kwarg"] = args.kwarg.arg if args.kwarg else None
        names = {_deco_name(x) for x in node.decorator_list}
        d["mk"] = "static" if "staticmethod" in names else "class" if "classmethod" in names else None
        d["cls"] = parent.d["q"] if parent.d["k"] == "class" else None
        pos = (node.lineno, node.col_offset)
        self.occ("definition", node.name, node.lineno, _name_col(node), ("f", q))
        self.stack.append(scope)
        self.class_q.append(None)
        saved_block, self.block = self.block, ()
        self.body(node.body)
        self.block = saved_block
        self.class_q.pop()
        self._close(scope)
        self.bind(node.name, self._decorate(("f", q), deco, node.decorator_list), pos)

    def _decorate(self, value: tuple, deco: list[tuple], nodes: list[ast.expr]) -> tuple:
        for expr, node in zip(reversed(deco), reversed(nodes), strict=True):
            if _deco_name(node) in _TRANSPARENT_DECORATORS or _is_setter(node):
                continue
            value = ("c", expr, (value,), (), 1)  # 1: a decorator application
            self._call(node.lineno, node.col_offset, value)
        return value

    def s_class(self, node: ast.ClassDef) -> None:
        deco = [self.ev(d) for d in node.decorator_list]
        bases = [self.ev(b) for b in node.bases]
        for kw in node.keywords:
            self.ev(kw.value)
        parent = self.cur
        q = f"{self._qprefix()}.{node.name}"
        scope = self._new_scope(q, "class", node, parent.d["q"])
        q = scope.d["q"]
        scope.d["bases"] = bases
        self.occ("definition", node.name, node.lineno, _name_col(node), ("f", q))
        self.stack.append(scope)
        self.class_q.append(q)
        saved_block, self.block = self.block, ()
        self.body(node.body)
        self.block = saved_block
        self.class_q.pop()
        self._close(scope)
        self.bind(node.name, self._decorate(("f", q), deco, node.decorator_list), (node.lineno, node.col_offset))

    def _qprefix(self) -> str:
        return self.cur.d["q"]

    def s_assign(self, node: ast.Assign) -> None:
        value = self.ev(node.value)
        pos = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        for target in node.targets:
            self.target(target, value, pos)

    def s_annassign(self, node: ast.AnnAssign) -> None:
        self.ev(node.annotation)
        if node.value is not None:
            value = self.ev(node.value)
            self.target(node.target, value, (node.end_lineno or node.lineno, node.end_col_offset or 0))
        elif isinstance(node.target, ast.Name):
            self.occ("write", node.target.id, node.target.lineno, node.target.col_offset)
        else:
            self.ev(node.target)

    def s_augassign(self, node: ast.AugAssign) -> None:
        self.ev(node.value)
        t = node.target
        if isinstance(t, ast.Name):
            self.occ("write", t.id, t.lineno, t.col_offset)
            self.bind(t.id, U, (node.end_lineno or node.lineno, node.end_col_offset or 0))
        else:
            self.ev(t)

    def target(self, t: ast.expr, value: tuple, pos: tuple[int, int]) -> None:
        if isinstance(t, ast.Name):
            self.occ("write", t.id, t.lineno, t.col_offset)
            self.bind(t.id, value, pos)
        elif isinstance(t, ast.Tuple | ast.List):
            items = value[1] if value[0] == "l" else None
            plain = not any(isinstance(e, ast.Starred) for e in t.elts)
            for i, e in enumerate(t.elts):
                if isinstance(e, ast.Starred):
                    self.target(e.value, U, pos)
                elif plain and items is not None and len(items) == len(t.elts):
                    self.target(e, items[i], pos)
                else:
                    self.target(e, ("x", value, i) if plain else ("i", value), pos)
        elif isinstance(t, ast.Attribute):
            base = self.ev(t.value)
            self.occ("write", t.attr, t.end_lineno or t.lineno, (t.end_col_offset or 0) - len(t.attr), base)
            self.cur.d["attrs"].append((base, t.attr, value))
        elif isinstance(t, ast.Starred):
            self.target(t.value, U, pos)
        elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            # `d[k] = v` adds to what `d` may hold without forgetting what it held.
            self.ev(t)
            s = t.slice
            key = s.value if isinstance(s, ast.Constant) and isinstance(s.value, str | int) else None
            self._mutate(t.value.id, ("d", ((key, value),)), pos)
        else:
            self.ev(t)

    def _mutate(self, name: str, value: tuple, pos: tuple[int, int]) -> None:
        saved = self.block
        self.block = (*saved, ("mut", self._tag()))
        self.bind(name, value, pos)
        self.block = saved

    def s_for(self, node: ast.For | ast.AsyncFor) -> None:
        it = self.ev(node.iter)
        self.cur.cx += 1
        saved = self.block
        tag = self._tag()
        self.block = (*saved, tag)
        self.target(node.target, ("i", it), (node.lineno, node.col_offset))
        self.body(node.body)
        self.block = saved
        self.in_block(("else", tag), node.orelse)

    def s_while(self, node: ast.While) -> None:
        self.ev(node.test)
        self.cur.cx += 1
        tag = self._tag()
        self.in_block(tag, node.body)
        self.in_block(("else", tag), node.orelse)

    def s_if(self, node: ast.If) -> None:
        self.ev(node.test)
        self.cur.cx += 1
        if self.cur.d["k"] == "module" and _is_main_test(node.test):
            self.main_block = node.lineno
        tag = self._tag()
        self.in_block(tag, node.body)
        self.in_block(("else", tag), node.orelse)

    def s_with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            ctx = self.ev(item.context_expr)
            if item.optional_vars is not None:
                enter = ("c", ("a", ctx, "__aenter__" if isinstance(node, ast.AsyncWith) else "__enter__"), (), ())
                self.target(item.optional_vars, enter, (node.lineno, node.col_offset))
        self.body(node.body)

    def s_try(self, node: ast.Try) -> None:
        self.body(node.body)
        for h in node.handlers:
            self.cur.cx += 1
            saved = self.block
            self.block = (*saved, self._tag())
            if h.type is not None:
                self.ev(h.type)
            if h.name:
                self.occ("write", h.name, h.lineno, h.col_offset)
                self.bind(h.name, U, (h.lineno, h.col_offset))
            self.body(h.body)
            self.block = saved
        self.in_block(("else", self._tag()), node.orelse)
        self.body(node.finalbody)

    def s_match(self, node: Any) -> None:
        self.ev(node.subject)
        for case in node.cases:
            self.cur.cx += 1
            saved = self.block
            self.block = (*saved, self._tag())
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                if isinstance(name, str):
                    self.bind(name, U, (case.pattern.lineno, case.pattern.col_offset))
                if isinstance(sub, ast.MatchValue | ast.MatchClass):
                    self.ev(sub.value if isinstance(sub, ast.MatchValue) else sub.cls)
            if case.guard is not None:
                self.ev(case.guard)
            self.body(case.body)
            self.block = saved

    def s_return(self, node: ast.Return) -> None:
        self.cur.d["ret"].append(self.ev(node.value) if node.value is not None else U)

    def s_expr(self, node: ast.Expr) -> None:
        value = node.value
        _EXPR.get(type(value), Extractor.ev)(self, value)

    def s_nothing(self, node: ast.stmt) -> None:
        pass

    def s_raise(self, node: ast.Raise) -> None:
        if node.exc is not None:
            self.ev(node.exc)
        if node.cause is not None:
            self.ev(node.cause)

    def s_assert(self, node: ast.Assert) -> None:
        self.ev(node.test)
        if node.msg is not None:
            self.ev(node.msg)

    def s_global(self, node: ast.Global) -> None:
        self.cur.d["glob"].extend(node.names)

    def s_nonlocal(self, node: ast.Nonlocal) -> None:
        self.cur.d["nonloc"].extend(node.names)

    def s_delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            if isinstance(t, ast.Name):
                self.occ("write", t.id, t.lineno, t.col_offset)
            else:
                self.ev(t)

    def s_import(self, node: ast.Import) -> None:
        pos = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        for alias in node.names:
            self.imports.append((node.lineno, alias.name, None))
            if alias.asname:
                self.bind(alias.asname, ("m", alias.name), pos)
                self.occ("import", alias.asname, node.lineno, node.col_offset, ("m", alias.name))
            else:
                top = alias.name.split(".")[0]
                self.bind(top, ("m", top), pos)
                self.occ("import", top, node.lineno, node.col_offset, ("m", top))

    def s_importfrom(self, node: ast.ImportFrom) -> None:
        mod = self.absolute(node.module, node.level)
        if mod is None:
            return
        pos = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        for alias in node.names:
            if alias.name == "*":
                self.imports.append((node.lineno, mod, None))
                self.cur.d["star"].append(mod)
                continue
            self.imports.append((node.lineno, mod, alias.name))
            if alias.asname and alias.asname != alias.name:
                self.aliases.append((alias.name, alias.asname))
            name = alias.asname or alias.name
            self.bind(name, ("im", mod, alias.name), pos)
            # The imported name is the reference (an alias is only the local spelling).
            self.occ("import", alias.name, node.lineno, node.col_offset, ("im", mod, alias.name))

    def absolute(self, module: str | None, level: int) -> str | None:
        if not level:
            return module
        parts = self.module.split(".")
        if not self.is_pkg:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base.append(module)
        return ".".join(base) if base else None

    # -- expressions --------------------------------------------------------------------------
    def ev(self, node: ast.expr) -> tuple:
        handler = _EXPR.get(type(node))
        if handler is not None:
            return handler(self, node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child)
            elif isinstance(child, ast.comprehension):
                self.e_comprehension(child, (node.lineno, node.col_offset))
        return U

    def e_name(self, node: ast.Name, kind: str = "read") -> tuple:
        if self.with_occ:
            if isinstance(node.ctx, ast.Load):
                self.occ(kind, node.id, node.lineno, node.col_offset)
            else:
                self.occ("write", node.id, node.lineno, node.col_offset)
        s = self.stack[-1]  # _blk()'s fast path inlined: names are the most common node
        return (
            "n",
            node.id,
            node.lineno * POS + node.col_offset,
            s.last_idx if s.last_block is self.block else self._blk(),
        )

    def e_attribute(self, node: ast.Attribute, kind: str = "attribute") -> tuple:
        value = node.value
        base = _EXPR.get(type(value), Extractor.ev)(self, value)
        if self.with_occ:
            self.occ(kind, node.attr, node.end_lineno or node.lineno, (node.end_col_offset or 0) - len(node.attr), base)
        return ("a", base, node.attr)

    def e_call(self, node: ast.Call) -> tuple:
        f = node.func
        if isinstance(f, ast.Name):
            func = self.e_name(f, "call")
            if f.id == "super":
                for a in node.args:
                    self.ev(a)
                value = self._super(node)
                self._call(node.lineno, node.col_offset, ("c", func, (), ()))
                return value
        elif isinstance(f, ast.Attribute):
            func = self.e_attribute(f, "call")
        else:
            func = self.ev(f)
        ev = self.ev
        get = _EXPR.get
        args = tuple(
            [("*", ev(a.value)) if type(a) is ast.Starred else get(type(a), Extractor.ev)(self, a) for a in node.args]
        )
        kwargs = (
            tuple([(k.arg, get(type(k.value), Extractor.ev)(self, k.value)) for k in node.keywords])
            if node.keywords
            else ()
        )
        call = ("c", func, args, kwargs)
        if (
            func[0] == "a"
            and func[2] in _ADDERS
            and isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and args
            and args[-1][0] != "*"
        ):
            item = ("i", args[-1]) if func[2] == "extend" else args[-1]
            self._mutate(f.value.id, ("h", item), (node.end_lineno or node.lineno, node.end_col_offset or 0))
        self._call(node.lineno, node.col_offset, call)
        return call

    def _call(self, line: int, col: int, call: tuple) -> None:
        scope = self.stack[-1].d
        scope["calls"].append((line, col, call))
        func = call[1]
        name = func[1] if func[0] == "n" else func[2] if func[0] == "a" else None
        if name is not None and _passes_values(call[2], call[3]):
            self.sites.setdefault(name, []).append((scope["q"], call))

    def _super(self, node: ast.Call) -> tuple:
        scope = self.cur.d
        cls = scope.get("cls")
        if node.args and isinstance(node.args[0], ast.Name):
            return ("S", None, ("n", node.args[0].id, node.lineno * POS + node.col_offset, self._blk()))
        if cls is None or not scope["params"]:
            return U
        return ("S", cls, None)

    def e_lambda(self, node: ast.Lambda) -> tuple:
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        defaults = {}
        for name, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            defaults[name] = self.ev(default)
        # Named by their rank in the enclosing scope, not their position: a line added above a lambda must
        # not rename it (other modules' answers would then refer to a name that is gone: an interface change).
        parent = self.cur
        parent.lambdas += 1
        q = f"{parent.d['q']}.<lambda#{parent.lambdas}>"
        scope = self._new_scope(q, "lambda", node, parent.d["q"])
        scope.d["params"] = positional
        scope.d["kwonly"] = [a.arg for a in args.kwonlyargs]
        scope.d["defaults"] = defaults
        scope.d["vararg"] = args.vararg.arg if args.vararg else None
        scope.d["kwarg"] = args.kwarg.arg if args.kwarg else None
        scope.d["cls"] = None
        self.stack.append(scope)
        saved, self.block = self.block, ()
        scope.d["ret"].append(self.ev(node.body))
        self.block = saved
        self._close(scope)
        return ("f", scope.d["q"])

    def e_seq(self, node: ast.List | ast.Tuple | ast.Set) -> tuple:
        items = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                items.append(("i", self.ev(e.value)))
            else:
                items.append(self.ev(e))
        return ("l", tuple(items))

    def e_dict(self, node: ast.Dict) -> tuple:
        pairs = []
        for k, v in zip(node.keys, node.values, strict=True):
            key = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str | int) else None
            if k is not None:
                self.ev(k)
            pairs.append((key, self.ev(v)))
        return ("d", tuple(pairs))

    def e_subscript(self, node: ast.Subscript) -> tuple:
        base = self.ev(node.value)
        s = node.slice
        if isinstance(s, ast.Constant) and isinstance(s.value, str | int) and not isinstance(s.value, bool):
            key: Any = s.value
        else:
            self.ev(s)
            key = None
        return ("x", base, key)

    def e_comprehension(self, comp: ast.comprehension, pos: tuple[int, int]) -> None:
        """``pos``: where the comprehension starts, before its element, which reads its variables too."""
        it = self.ev(comp.iter)
        self.cur.cx += 1 + len(comp.ifs)
        self.target(comp.target, ("i", it), pos)
        for cond in comp.ifs:
            self.ev(cond)

    def e_comp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> tuple:
        for comp in node.generators:
            self.e_comprehension(comp, (node.lineno, node.col_offset))
        return ("h", self.ev(node.elt))

    def e_dictcomp(self, node: ast.DictComp) -> tuple:
        for comp in node.generators:
            self.e_comprehension(comp, (node.lineno, node.col_offset))
        self.ev(node.key)
        return ("h", self.ev(node.value))

    def e_ifexp(self, node: ast.IfExp) -> tuple:
        self.ev(node.test)
        self.cur.cx += 1
        return ("o", (self.ev(node.body), self.ev(node.orelse)))

    def e_boolop(self, node: ast.BoolOp) -> tuple:
        self.cur.cx += len(node.values) - 1
        return ("o", tuple(self.ev(v) for v in node.values))

    def e_namedexpr(self, node: ast.NamedExpr) -> tuple:
        value = self.ev(node.value)
        self.occ("write", node.target.id, node.target.lineno, node.target.col_offset)
        self.bind(node.target.id, value, (node.end_lineno or node.lineno, node.end_col_offset or 0))
        return value

    def e_await(self, node: ast.Await) -> tuple:
        return self.ev(node.value)

    def e_yield(self, node: ast.Yield) -> tuple:
        self.cur.d["yld"].append(self.ev(node.value) if node.value is not None else U)
        return U

    def e_yieldfrom(self, node: ast.YieldFrom) -> tuple:
        self.cur.d["yld"].append(("i", self.ev(node.value)))
        return U

    def e_starred(self, node: ast.Starred) -> tuple:
        return ("i", self.ev(node.value))

    # Common nodes with nothing to model, visited without ast.iter_child_nodes' generic walk.
    def e_binop(self, node: ast.BinOp) -> tuple:
        self.ev(node.left)
        self.ev(node.right)
        return U

    def e_compare(self, node: ast.Compare) -> tuple:
        self.ev(node.left)
        for c in node.comparators:
            self.ev(c)
        return U

    def e_unaryop(self, node: ast.UnaryOp) -> tuple:
        self.ev(node.operand)
        return U

    def e_joinedstr(self, node: ast.JoinedStr) -> tuple:
        for v in node.values:
            self.ev(v)
        return U

    def e_formatted(self, node: ast.FormattedValue) -> tuple:
        self.ev(node.value)
        if node.format_spec is not None:
            self.ev(node.format_spec)
        return U

    def e_constant(self, node: ast.Constant) -> tuple:
        # Strings are kept (short ones) because __all__ and dict keys need them.
        v = node.value
        return ("k", v) if isinstance(v, str) and len(v) <= 64 else U


_STMT: dict[type, Callable[[Extractor, Any], Any]] = {
    ast.FunctionDef: Extractor.s_function,
    ast.AsyncFunctionDef: Extractor.s_function,
    ast.ClassDef: Extractor.s_class,
    ast.Assign: Extractor.s_assign,
    ast.AnnAssign: Extractor.s_annassign,
    ast.AugAssign: Extractor.s_augassign,
    ast.For: Extractor.s_for,
    ast.AsyncFor: Extractor.s_for,
    ast.While: Extractor.s_while,
    ast.If: Extractor.s_if,
    ast.With: Extractor.s_with,
    ast.AsyncWith: Extractor.s_with,
    ast.Try: Extractor.s_try,
    ast.Return: Extractor.s_return,
    ast.Expr: Extractor.s_expr,
    ast.Global: Extractor.s_global,
    ast.Nonlocal: Extractor.s_nonlocal,
    ast.Delete: Extractor.s_delete,
    ast.Import: Extractor.s_import,
    ast.ImportFrom: Extractor.s_importfrom,
    ast.Match: Extractor.s_match,
    ast.Pass: Extractor.s_nothing,
    ast.Break: Extractor.s_nothing,
    ast.Continue: Extractor.s_nothing,
    ast.Raise: Extractor.s_raise,
    ast.Assert: Extractor.s_assert,
}
if hasattr(ast, "TryStar"):
    _STMT[ast.TryStar] = Extractor.s_try

_EXPR: dict[type, Callable[[Extractor, Any], Any]] = {
    ast.Name: Extractor.e_name,
    ast.Attribute: Extractor.e_attribute,
    ast.Call: Extractor.e_call,
    ast.Lambda: Extractor.e_lambda,
    ast.List: Extractor.e_seq,
    ast.Tuple: Extractor.e_seq,
    ast.Set: Extractor.e_seq,
    ast.Dict: Extractor.e_dict,
    ast.Subscript: Extractor.e_subscript,
    ast.ListComp: Extractor.e_comp,
    ast.SetComp: Extractor.e_comp,
    ast.GeneratorExp: Extractor.e_comp,
    ast.DictComp: Extractor.e_dictcomp,
    ast.IfExp: Extractor.e_ifexp,
    ast.BoolOp: Extractor.e_boolop,
    ast.NamedExpr: Extractor.e_namedexpr,
    ast.Await: Extractor.e_await,
    ast.Yield: Extractor.e_yield,
    ast.YieldFrom: Extractor.e_yieldfrom,
    ast.Starred: Extractor.e_starred,
    ast.Constant: Extractor.e_constant,
    ast.BinOp: Extractor.e_binop,
    ast.Compare: Extractor.e_compare,
    ast.UnaryOp: Extractor.e_unaryop,
    ast.JoinedStr: Extractor.e_joinedstr,
    ast.FormattedValue: Extractor.e_formatted,
}


def _deco_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_setter(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in {"setter", "getter", "deleter"}


def _name_col(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    # The column of the name itself, so a reference points at `name`, not at `def`.
    keyword = (
        "class "
        if isinstance(node, ast.ClassDef)
        else "async def "
        if isinstance(node, ast.AsyncFunctionDef)
        else "def "
    )
    return node.col_offset + len(keyword)


def _is_main_test(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)


def _passes_values(args: tuple, kwargs: tuple) -> bool:
    # A loop, not any(): this runs on every call of the project, and a generator costs five times more.
    for arg in args:
        if arg[0] not in LITERALS:
            return True
    return bool(kwargs) and any(arg[0] not in LITERALS for _, arg in kwargs)


def summarize(source: str, module: str, is_pkg: bool, occurrences: bool = False) -> dict[str, Any]:
    """The summary of one module's source; a syntax error gives a summary with ``error`` set."""
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        col = getattr(exc, "offset", None) or 0
        msg = getattr(exc, "msg", None) or str(exc)
        return {
            "module": module,
            "is_pkg": is_pkg,
            "lines": lines,
            "scopes": {},
            "imports": [],
            "main": None,
            "error": {"message": msg, "line": line, "column": col},
        }
    result = Extractor(module, is_pkg, occurrences).run(tree, lines)
    result["error"] = None
    return result
