"""Resolves names, attributes and calls across the modules of one project.

An abstract interpreter over the summaries: an expression evaluates to a set
of abstract values (a module, a function, a class, an instance of a class, a
container of values, or an external dotted name).  It is flow-sensitive inside
a scope (a later unconditional binding hides an earlier one), context-
sensitive for return values, two calls deep (a call binds the callee's
parameters to this call's arguments, so a decorator that returns its argument
returns *this* function), and otherwise gives a parameter what the call sites
that provably call the function pass it (so a function passed as an argument
is known inside the callee).  Anything it cannot prove evaluates to the empty set:
callers report it as unresolved rather than guess.

Those call sites and arguments are evaluated by a second, base resolver that
gives parameters no values from call sites: one level of passing, and no
recursion from a parameter to the callers of its function, to theirs, and so
on, which built chains hundreds of frames deep that had to be cut short,
cost half the time and made answers depend on evaluation order.  Answers that
never looked at such a value are the same in both and are shared.  Sets are
explored in a fixed order (:func:`ordered`) so that the few cycles left are
cut at the same place whatever the hash seed.
"""

from __future__ import annotations

import builtins
import hashlib
import marshal
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from code_scalpel.project.summary import LITERALS, is_name

EMPTY: frozenset = frozenset()
BUILTINS = frozenset(dir(builtins))
#: A parameter of a function called from more places than this takes no values from them: what
#: thousands of callers pass (every test's self.assertEqual(x, y)) is too mixed to tell anything, and
#: collecting it cost the most.  On the standard library no edge is lost at 500 or 2000.
_MAX_CALLERS = 1000
#: Deeper chains of evaluation than this give up (unknown) instead of exhausting the stack.
_MAX_NESTING = 120
_DEPTH = ("depth-limit",)
_PASS_FIRST_ARG = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "functools.partial",
        "functools.lru_cache",
        "functools.cache",
        "functools.wraps",
        "builtins.iter",
        "builtins.reversed",
        "builtins.sorted",
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.frozenset",
        "builtins.dict",
        "copy.copy",
        "typing.cast",
    }
)
_ITERATE_FIRST_ARG = frozenset({"builtins.next"})
_INTERESTING = {"fn", "cls", "inst", "seq", "hom", "dict"}
_CONTAINERS = frozenset({"seq", "hom", "dict"})
#: Nested call-site-sensitive evaluations, and the key of an environment that holds its level (no
#: parameter is named "").
_CONTEXTS = 2
_LEVEL = ""
_ALL_USES = (-1,)  # the reach of a name with no binding in its scope: the initial value, at every use


def display(q: str) -> str:
    """The public name of a scope: duplicate definitions carry an internal ``~N`` suffix."""
    if "~" not in q:
        return q
    return ".".join(part.split("~", 1)[0] for part in q.split("."))


class Resolver:
    # Declared here, not in __init__: the base resolver takes these tables from the main one, and mypyc
    # (see setup.py) compiles this class with one slot per attribute.
    summaries: dict[str, dict[str, Any]]
    scopes: dict[str, dict[str, Any]]
    module_rel: dict[str, str]
    scope_rel: dict[str, str]
    #: callee name (last identifier of a call's target) -> rel -> [(scope, call)]: where to look for
    #: the arguments a function receives.
    call_sites: dict[str, dict[str, list[tuple[str, tuple]]]]
    #: attribute -> rel -> [(scope, object expr, value expr)] of ``obj.attr = value`` outside ``self``.
    attr_sites: dict[str, dict[str, list[tuple[str, tuple, tuple]]]]
    #: imported name -> local aliases it is bound to (``from m import f as g``).
    aliases: dict[str, dict[str, set[str]]]
    #: Callee names whose call sites changed since the last :meth:`forget` (files removed or added).
    moved_sites: set[str]
    #: ``(module or class, name)`` looked up there and not bound: answers rested on its absence.
    absent: set[tuple[str, str]]
    #: ``(class, name)`` whose overrides in subclasses were listed (``self.name()`` dispatch).
    dispatched: set[tuple[str, str]]
    #: Functions whose returns an answer used.
    returned: set[str]
    #: How many times the memos were forgotten (:meth:`reset`).
    resets: int

    def __init__(self, summaries: dict[str, dict[str, Any]], tables: Resolver | None = None) -> None:
        """``tables``: the main resolver whose tables this one, its base resolver, shares."""
        #: The same project with no incoming parameter values; shares every table but the memos.
        self.base: Resolver | None = None
        self.resets = 0
        if tables is not None:
            self.summaries = tables.summaries
            self.scopes = tables.scopes
            self.module_rel = tables.module_rel
            self.scope_rel = tables.scope_rel
            self.call_sites = tables.call_sites
            self.attr_sites = tables.attr_sites
            self.aliases = tables.aliases
            self.moved_sites = tables.moved_sites
            self.absent = tables.absent
            self.dispatched = tables.dispatched
            self.returned = tables.returned
            self.reset(tables._shared())
            return
        self.summaries = summaries
        self.scopes = {}
        self.module_rel = {}
        self.scope_rel = {}
        self.call_sites = defaultdict(dict)
        self.attr_sites = defaultdict(dict)
        self.aliases = defaultdict(dict)
        self.moved_sites = set()
        self.absent = set()
        self.dispatched = set()
        self.returned = set()
        for rel in sorted(summaries):  # the order answers are computed in must not depend on the walk's
            self.add(rel, summaries[rel])
        self.reset()
        self.base = Resolver(summaries, self)

    # -- bookkeeping --------------------------------------------------------------------------
    def add(self, rel: str, summary: dict[str, Any]) -> None:
        self.module_rel[summary["module"]] = rel
        for imported, alias in summary.get("aliases", ()):
            self.aliases[imported].setdefault(rel, set()).add(alias)
        for name, sites in summary.get("sites", {}).items():
            self.call_sites[name][rel] = sites
            self.moved_sites.add(name)
        for q, scope in summary["scopes"].items():
            self.scopes[q] = scope
            self.scope_rel[q] = rel
            params = scope["params"]
            for target, attr, value in scope["attrs"]:
                # `module.attr = value` (monkey-patching a hook): a plain name or dotted name as the target.
                if target[0] == "n" and not (scope.get("cls") and params and target[1] == params[0]):
                    self.attr_sites[attr].setdefault(rel, []).append((q, target, value))

    def remove(self, rel: str) -> None:
        summary = self.summaries.get(rel)
        if summary is None:
            return
        if self.module_rel.get(summary["module"]) == rel:
            del self.module_rel[summary["module"]]
        self.moved_sites.update(summary.get("sites", ()))
        for q in summary["scopes"]:
            if self.scope_rel.get(q) == rel:
                del self.scopes[q]
                del self.scope_rel[q]
        for table in (self.call_sites, self.aliases, self.attr_sites):
            for per_file in table.values():
                per_file.pop(rel, None)

    def reset(self, shared: tuple[dict, ...] | None = None) -> None:
        """Forget memoized answers (after summaries changed).

        Each memo comes twice: the ``_s_`` one holds answers that never looked at a non-empty incoming
        parameter value and is shared with the base resolver (they are the same there); the other holds
        answers that did, which are this resolver's own.
        """
        #: scope -> (name, position, block) -> value; by scope so that forgetting a file is cheap.
        shared = shared or ({}, {}, {}, {}, {}, {})
        self._s_lookup, self._s_final, self._s_attr, self._s_returns, self._s_incoming, self._s_ctx = shared
        if self.base is not None:
            self.base.reset(self._shared())
        self._lookup: dict[str, dict[tuple, frozenset]] = {}
        self._final: dict[tuple, frozenset] = {}
        self._attr: dict[tuple, frozenset] = {}
        self._mro: dict[str, tuple[list[str], bool]] = {}
        self._returns: dict[str, frozenset] = {}
        self._ctx: dict[tuple, frozenset] = {}
        #: One flag per frame being computed: did it look at an incoming parameter value?
        self._own: list[bool] = [False]
        self._active: set[tuple] = set()
        self._heads: set[Any] = set()  # cycle heads still being computed
        #: Answers computed inside an open cycle: reused until it closes (no blow-up), never memoized.
        self._prov: dict[Any, frozenset] = {}
        self._hits = 0
        self._subclasses: dict[str, tuple[str, ...]] | None = None
        self._overrides: dict[tuple[str, str], list[str]] = {}
        self._inst_attrs: dict[str, dict[str, list[tuple[str, tuple]]]] = {}
        self._by_target: dict[str, dict[str, list[tuple[str, tuple, bool]]]] = {}
        self.moved_sites.clear()
        self.absent.clear()
        self.dispatched.clear()
        self.returned.clear()
        self._seen_elsewhere: list[bytes] = []
        self.resets += 1

    def _enter(self, key: Any) -> bool:
        """Start computing ``key``; False (and the caller answers "unknown") when that would recurse."""
        if key in self._active or len(self._active) > _MAX_NESTING:
            # A cycle (or a chain too deep): the answer being built up the stack is incomplete until the
            # frame that started it finishes, so nothing computed meanwhile may be memoized.
            self._heads.add(key if key in self._active else _DEPTH)
            self._hits += 1
            return False
        self._active.add(key)
        self._own.append(False)
        return True

    def _leave(self, key: Any, hits_before: int) -> tuple[bool, bool]:
        """Finish ``key``: whether its value is complete (safe to memoize), and whether it is this resolver's own."""
        self._active.discard(key)
        self._heads.discard(key)
        if not self._active:
            self._heads.discard(_DEPTH)
        if not self._heads and self._prov:
            self._prov = {}  # every cycle is closed: provisional answers are recomputed on demand
        own = self._own.pop()
        if own:
            self._own[-1] = True
        return self._hits == hits_before or not self._heads, own

    def _recall(self, shared: dict, mine: dict, key: Any) -> frozenset | None:
        value = shared.get(key)
        if value is None:
            value = mine.get(key)
            if value is not None:
                self._own[-1] = True
        return value

    def _compute(self, shared: dict, mine: dict, key: Any, guard: Any, compute: Any, *args: Any) -> frozenset:
        """Compute a memoized answer (the caller found none): ``guard`` marks it on the stack."""
        provisional = self._provisional(guard)
        if provisional is not None:
            return provisional
        h0 = self._hits
        if not self._enter(guard):
            return EMPTY
        value = EMPTY
        try:
            value = compute(*args)
        finally:
            complete, own = self._leave(guard, h0)
        if complete:
            (mine if own else shared)[key] = value
        else:
            self._prov[guard] = value
        return value

    def _provisional(self, key: Any) -> frozenset | None:
        value = self._prov.get(key)
        if value is not None:
            self._own[-1] = True  # may have looked at incoming values: do not share what is built on it
        return value

    def forget(self, scopes: set[str]) -> None:
        """Forget answers about these scopes only (their files' bodies changed, their interfaces did not)."""
        if self.base is not None:
            self.base.forget(scopes)
        for q in scopes:
            self._lookup.pop(q, None)
            self._s_lookup.pop(q, None)
            self._inst_attrs.pop(q, None)
        # What a nested scope read of these scopes' parameters: their values may be what changed.
        for key in [key for key in self._final if key[0] in scopes]:
            del self._final[key]
        self._s_incoming.clear()
        self._s_ctx.clear()
        self._ctx = {}
        self._overrides = {}
        self._regroup(scopes)
        self._active = set()
        self._heads = set()
        self._prov = {}

    def _shared(self) -> tuple[dict, ...]:
        return self._s_lookup, self._s_final, self._s_attr, self._s_returns, self._s_incoming, self._s_ctx

    # -- scopes -------------------------------------------------------------------------------
    def module_of(self, q: str) -> str:
        scope = self.scopes[q]
        while scope["p"] is not None:
            scope = self.scopes[scope["p"]]
        return scope["q"]

    def caller_of(self, q: str) -> str:
        """Class bodies run as part of the enclosing function or module."""
        scope = self.scopes[q]
        while scope["k"] == "class" and scope["p"] is not None:
            scope = self.scopes[scope["p"]]
        return scope["q"]

    # -- names --------------------------------------------------------------------------------
    def lookup(self, q: str, name: str, pos: int | None, blk: int, env: dict | None) -> frozenset:
        scope = self.scopes.get(q)
        if scope is None:
            return EMPTY
        if name in scope["glob"]:
            return self.final(self.module_of(q), name)
        kind = scope["k"]
        bindings = scope["b"].get(name)
        is_param = kind in ("function", "lambda") and _is_param(scope, name)
        if not bindings and not is_param:
            if kind != "function" and kind != "lambda":
                self.absent.add((q, name))
            if name in scope["nonloc"] or kind != "module":
                parent = scope["p"]
                while parent is not None and self.scopes[parent]["k"] == "class":
                    parent = self.scopes[parent]["p"]
                return self.final(parent, name) if parent else EMPTY
            return self._fallback(q, name)
        # Never bound here (a parameter): every use has the same value, so one memo entry, not one per use.
        key = (name, pos, blk) if bindings else (name, _ALL_USES)
        shared = self._s_lookup.get(q)
        if shared is None:
            shared = self._s_lookup[q] = {}
        memo = self._lookup.get(q)
        if memo is None:
            memo = self._lookup[q] = {}
        sig = None
        if env is None:
            value = self._recall(shared, memo, key)
            if value is not None:
                return value
            if bindings:  # uses reached by the same bindings have the same value
                sig = (name, reach_signature(scope, bindings, pos, blk))
                value = self._recall(shared, memo, sig)
                if value is not None:
                    (shared if sig in shared else memo)[key] = value
                    return value
        guard = (q, key, id(env))
        compute = self._lookup_uncached
        args = (scope, q, name, pos, blk, env, bindings, is_param)
        if env is not None:  # values bound by one call: not memoized
            return self._compute({}, {}, key, guard, compute, *args)
        value = self._compute(shared, memo, key, guard, compute, *args)
        if sig is not None:
            for table in (shared, memo):
                if key in table:
                    table[sig] = value
        return value

    def _lookup_uncached(
        self,
        scope: dict,
        q: str,
        name: str,
        pos: int | None,
        blk: int,
        env: dict | None,
        bindings: list | None,
        is_param: bool,
    ) -> frozenset:
        kind = scope["k"]
        exprs, initial = _reaching(scope, bindings or [], pos, blk)
        if pos is not None and not exprs and not initial and bindings:
            if kind == "module":
                initial = True  # used before bound here: a star import or a builtin
            else:
                exprs = [b[1] for b in bindings]  # a loop carries the value round; be lenient
        if len(exprs) == 1 and not initial:  # the common case: no set to build
            return self.eval(exprs[0], q, env)
        result: set = set()
        for expr in exprs:
            result |= self.eval(expr, q, env)
        if initial:
            if is_param:
                result |= self.param_value(q, name, env)
            elif kind == "module":
                result |= self._fallback(q, name)
            else:
                parent = scope["p"]
                while parent is not None and self.scopes[parent]["k"] == "class":
                    parent = self.scopes[parent]["p"]
                if parent is not None and kind == "class":
                    result |= self.final(parent, name)
        return frozenset(result)

    def final(self, q: str, name: str) -> frozenset:
        """The value of ``name`` in scope ``q`` as seen from a nested scope or another module."""
        key = (q, name)
        cached = self._recall(self._s_final, self._final, key)
        if cached is not None:
            return cached
        return self._compute(self._s_final, self._final, key, key, self.lookup, q, name, None, 0, None)

    def _fallback(self, module_q: str, name: str) -> frozenset:
        scope = self.scopes[module_q]
        result: set = set()
        for star in scope["star"]:
            result |= self.star_attr(star, name)
        if not result and name in BUILTINS:
            result.add(("ext", f"builtins.{name}"))
        return frozenset(result)

    def star_attr(self, module: str, name: str) -> frozenset:
        if module not in self.module_rel:
            return EMPTY
        scope = self.scopes.get(module)
        if scope is None:
            return EMPTY
        if "__all__" in scope["b"]:
            exported = {v[1] for v in _strings(self.final(module, "__all__"))}
            if name not in exported:
                return EMPTY
        else:
            self.absent.add((module, "__all__"))  # defining one would change what the star brings
            if name.startswith("_"):
                return EMPTY
        return self.module_attr(module, name)

    def module_attr(self, module: str, name: str) -> frozenset:
        scope = self.scopes.get(module)
        if scope is None:
            return EMPTY
        if name in scope["b"]:
            value = self.final(module, name)
            if value:
                return value
        else:
            self.absent.add((module, name))
        for star in scope["star"]:
            value = self.star_attr(star, name)
            if value:
                return value
        sub = f"{module}.{name}"
        if sub in self.module_rel:
            return frozenset({("mod", sub)})
        return EMPTY

    def param_value(self, q: str, name: str, env: dict | None) -> frozenset:
        if env is not None and name in env:
            return env[name]
        scope = self.scopes[q]
        result = set(self.incoming(q, name))
        if self._s_incoming.get((q, name)) != EMPTY:
            # Values passed in, or (in the base resolver) none known yet: unlike the base resolver's.
            self._own[-1] = True
        default = scope["defaults"].get(name)
        if default is not None:
            result |= self.eval(default, scope["p"], None)
        cls = scope.get("cls")
        if cls and scope["params"] and scope["params"][0] == name and scope["mk"] != "static":
            # Only the class itself: overrides in subclasses are added at call sites on self/cls
            # (see calls.py), which keeps value sets small on deep hierarchies.
            result.add(("cls" if scope["mk"] == "class" else "inst", cls))
        return frozenset(result)

    def incoming(self, fq: str, param: str) -> frozenset:
        """Values passed for ``param`` at every call site that provably calls ``fq``.

        Call sites and arguments are evaluated by the base resolver, which knows no incoming values:
        one level of passing (``run(task)`` makes ``task`` known inside ``run``), and no recursion
        from a parameter's value to the call sites of the function that passed it, which made chains
        hundreds of frames deep that had to be cut short.
        """
        if self.base is None:
            return EMPTY
        key = (fq, param)
        cached = self._s_incoming.get(key)
        if cached is None:
            cached = self._s_incoming[key] = self.base._incoming_uncached(fq, param)
        return cached

    def received(self) -> dict[tuple[str, str], bytes]:
        """A digest of every parameter's incoming values worked out so far: what answers may have rested on."""
        return {key: _digest(values) for key, values in self._s_incoming.items()}

    def receiving_otherwise(self, before: dict[tuple[str, str], bytes], functions: set[str]) -> set[str]:
        """Those of ``functions`` a parameter of which now receives other values than ``before`` recorded."""
        return {
            fq
            for (fq, param), digest in before.items()
            if fq in functions and _digest(self.incoming(fq, param)) != digest
        }

    def seen(self) -> bytes:
        """What answers rested on besides the interfaces (absent names, listed overrides, used returns),
        marshalled for another process: pairs as names by scope (a set of 65,000 pairs marshals in 0.3 s,
        this in 0.02 s)."""
        return marshal.dumps((_by_scope(self.absent), _by_scope(self.dispatched), list(self.returned)))

    def seen_record(self) -> list[bytes]:
        """The whole record of what answers rested on, this process's and the others' (see :meth:`seen`)."""
        return [self.seen(), *self._seen_elsewhere]

    def seen_state(self) -> tuple[int, ...]:
        """Changes whenever the record does: it only grows between resets."""
        return (self.resets, len(self.absent), len(self.dispatched), len(self.returned), len(self._seen_elsewhere))

    def add_seen(self, blob: bytes) -> None:
        """Another process's :meth:`seen`; added to this record when an edit first needs it, not while a
        cold build waits."""
        self._seen_elsewhere.append(blob)

    def rests_on(self, added: dict[str, set[str]], returning: set[str]) -> bool:
        """Whether an answer so far looked for one of these names where an edit now binds them (module or
        class -> names), listed the overrides of a method that one of them, in a class, now overrides, or
        used what one of the ``returning`` functions returns.

        If none did, no answer computed so far depended on what the edit changed: it is, for every other
        file, like an edit of bodies (see :func:`~code_scalpel.project.index.interface_growth`).
        """
        self._merge_seen()
        if not returning.isdisjoint(self.returned):
            return True
        for q, names in added.items():
            if any((q, name) in self.absent for name in names):
                return True
            # Overrides were listed only after the class table was built (no hierarchy is worked out here).
            if self.scopes[q]["k"] == "class" and any(
                name in names and q in self.subclasses_of(c) for c, name in self.dispatched
            ):
                return True
        return False

    def read_only_inside(self, functions: set[str]) -> bool:
        """Whether only these functions' own files can have read what their parameters receive: no answer
        used what they, or functions nested in them, return, none of them assigns attributes, and no class
        is nested in them.

        A parameter's values are read where it is in scope; they leave it through a return, ``self.x =``
        or ``mod.x =``, a nested class's attributes, and the values passed on to other functions, which
        the base resolver evaluates without any parameter's values (so what those receive stays the same).
        """
        self._merge_seen()
        for fq in functions:
            inside = fq + "."
            for q in self.summaries[self.scope_rel[fq]]["scopes"]:
                if q != fq and not q.startswith(inside):
                    continue
                scope = self.scopes[q]
                if q in self.returned or scope["attrs"] or scope["k"] == "class":
                    return False
        return True

    def _merge_seen(self) -> None:
        for blob in self._seen_elsewhere:
            absent, dispatched, returned = marshal.loads(blob)
            for record, by_scope in ((self.absent, absent), (self.dispatched, dispatched)):
                record.update((q, name) for q, names in by_scope.items() for name in names)
            self.returned.update(returned)
        self._seen_elsewhere.clear()

    def _incoming_uncached(self, fq: str, param: str) -> frozenset:
        scope = self.scopes[fq]
        own = display(fq).rsplit(".", 1)[-1]
        names = {own}
        if own in ("__init__", "__call__") and scope.get("cls"):
            names.add(display(scope["cls"]).rsplit(".", 1)[-1])
        for name in list(names):
            for per_file in self.aliases.get(name, {}).values():
                names |= per_file
        sites = [site for name in sorted(names) for site in self._sites_by_target(name).get(fq, ())]
        if len(sites) > _MAX_CALLERS:
            return EMPTY
        result: set = set()
        for q, call, bound in sites:
            arg = _argument_for(scope, bound, call, param)
            if arg is not None and arg[0] not in LITERALS:
                result |= {v for v in self.eval(arg, q, None) if v[0] in _INTERESTING}
        return frozenset(result)

    def _sites_by_target(self, name: str) -> dict[str, list[tuple[str, tuple, bool]]]:
        """Call sites whose target is spelled ``name``, grouped by the function they provably enter."""
        cached = self._by_target.get(name)
        if cached is not None:
            return cached
        grouped: dict[str, list[tuple[str, tuple, bool]]] = defaultdict(list)
        per_file = self.call_sites.get(name, {})
        for rel in sorted(per_file):
            self._group(grouped, per_file[rel])
        self._by_target[name] = grouped
        return grouped

    def _group(self, grouped: dict[str, list[tuple[str, tuple, bool]]], sites: list[tuple[str, tuple]]) -> None:
        for q, call in sites:
            for target, bound in self.targets(self.eval(call[1], q, None)):
                grouped[target].append((q, call, bound))

    def _regroup(self, scopes: set[str]) -> None:
        """Groupings of the names whose call sites moved: the changed files' sites replaced, in file order.

        The other files' sites keep their targets (what decides them did not change), and regrouping a
        name from scratch (``assertEqual``, called 39,000 times in the standard library) costs a tenth
        of a second on every edit.
        """
        rels = sorted({self.scope_rel[q] for q in scopes if q in self.scope_rel})
        order: dict[str, int] = {}
        for name in self.moved_sites:
            grouped = self._by_target.get(name)
            if grouped is None:
                continue
            order = order or {rel: i for i, rel in enumerate(sorted(self.summaries))}
            fresh: dict[str, list[tuple[str, tuple, bool]]] = defaultdict(list)
            for target, sites in grouped.items():
                fresh[target] = [site for site in sites if site[0] not in scopes]
            per_file = self.call_sites.get(name, {})
            for rel in rels:
                self._group(fresh, per_file.get(rel, []))
            for sites in fresh.values():
                sites.sort(key=lambda site: order[self.scope_rel[site[0]]])
            self._by_target[name] = fresh
        if self.base is not None:  # the main resolver, forgotten after the base one (they share the set)
            self.moved_sites.clear()

    def targets(self, funcs: frozenset) -> list[tuple[str, bool]]:
        """The project functions a call on these values enters: (qname, whether self is bound)."""
        out = []
        for f in ordered(funcs):
            kind = f[0]
            if kind == "fn":
                out.append((f[1], f[2]))
            elif kind in ("cls", "inst"):
                method = "__init__" if kind == "cls" else "__call__"
                out.extend((target, True) for target in self.special_method(f, method))
        return out

    def special_method(self, value: tuple, name: str) -> list[str]:
        """The project functions ``__init__``/``__call__`` of a class or instance value may be (sorted)."""
        return sorted(v[1] for v in self.class_attr(value[1], name, True) if v[0] == "fn")

    # -- expressions --------------------------------------------------------------------------
    def eval(self, expr: tuple, q: str, env: dict | None, depth: int = 0) -> frozenset:
        tag = expr[0]
        if tag == "n":
            return self.lookup(q, expr[1], expr[2], expr[3], env)
        if tag == "a":
            bases = self.eval(expr[1], q, env, depth)
            if len(bases) == 1:
                for base in bases:
                    return self.attr(base, expr[2])
            result: set = set()
            for base in ordered(bases):
                result |= self.attr(base, expr[2])
            return frozenset(result)
        if tag == "c":
            funcs = self.eval(expr[1], q, env, depth)
            called = self.call_result(funcs, expr[2], expr[3], q, env, depth)
            modelled = [f[1] for f in funcs if f[0] == "ext"]
            if modelled and expr[2] and expr[2][0][0] != "*":
                if len(expr) > 4 or any(m in _PASS_FIRST_ARG for m in modelled):
                    # External decorators (lru_cache, wraps(...), app.route(...)) and a few builtins hand the
                    # function back or call it: model them as returning their first argument.
                    called |= self.eval(expr[2][0], q, env, depth)
                if any(m in _ITERATE_FIRST_ARG for m in modelled):
                    called |= self.iterate(self.eval(expr[2][0], q, env, depth))
            return called
        if tag == "f":
            target = self.scopes.get(expr[1])
            if target is None:
                return EMPTY
            return frozenset({("cls", expr[1])}) if target["k"] == "class" else frozenset({("fn", expr[1], False)})
        if tag == "m":
            return frozenset({("mod", expr[1]) if expr[1] in self.module_rel else ("ext", expr[1])})
        if tag == "im":
            if expr[1] in self.module_rel:
                return self.module_attr(expr[1], expr[2])
            return frozenset({("ext", f"{expr[1]}.{expr[2]}")})
        if tag == "l":
            return frozenset({("seq", tuple(self.eval(i, q, env, depth) for i in expr[1]))})
        if tag == "h":
            return frozenset({("hom", self.eval(expr[1], q, env, depth))})
        if tag == "d":
            return frozenset({("dict", tuple((k, self.eval(v, q, env, depth)) for k, v in expr[1]))})
        if tag == "x":
            return self.subscript(self.eval(expr[1], q, env, depth), expr[2])
        if tag == "i":
            return self.iterate(self.eval(expr[1], q, env, depth))
        if tag == "o":
            result = set()
            for option in expr[1]:
                result |= self.eval(option, q, env, depth)
            return frozenset(result)
        if tag == "k":
            return frozenset({("str", expr[1])})
        if tag == "S":
            if expr[1] is not None:
                return frozenset({("super", expr[1])})
            return frozenset(("super", v[1]) for v in self.eval(expr[2], q, env, depth) if v[0] == "cls")
        return EMPTY

    def subscript(self, bases: frozenset, key: Any) -> frozenset:
        result: set = set()
        for base in bases:
            kind = base[0]
            if kind == "seq":
                items = base[1]
                if isinstance(key, int) and -len(items) <= key < len(items):
                    result |= items[key]
                else:
                    for item in items:
                        result |= item
            elif kind == "hom":
                result |= base[1]
            elif kind == "dict":
                matched = [v for k, v in base[1] if k == key] if key is not None else []
                for value in matched or [v for _, v in base[1]]:
                    result |= value
        return frozenset(result)

    def iterate(self, bases: frozenset) -> frozenset:
        result: set = set()
        for base in bases:
            if base[0] == "seq":
                for item in base[1]:
                    result |= item
            elif base[0] == "hom":
                result |= base[1]
        return frozenset(result)

    def attr(self, base: tuple, name: str) -> frozenset:
        key = (base, name)
        cached = self._recall(self._s_attr, self._attr, key)
        if cached is not None:
            return cached
        return self._compute(self._s_attr, self._attr, key, key, self._attr_uncached, base, name)

    def _attr_uncached(self, base: tuple, name: str) -> frozenset:
        kind = base[0]
        if kind == "mod":
            return self.module_attr(base[1], name) | self._assigned_attr(base, name)
        if kind == "ext":
            return frozenset({("ext", f"{base[1]}.{name}")})
        if kind in ("cls", "inst"):
            return self.class_attr(base[1], name, instance=kind == "inst", receiver=base)
        if kind == "super":
            # super() in class B continues the MRO of self's class: B's own, or a subclass's (diamonds).
            result: set = set()
            for cls in (base[1], *self.subclasses_of(base[1])):
                mro, _ = self.mro(cls)
                if base[1] in mro:
                    result |= self._attr_in(mro[mro.index(base[1]) + 1 :], name, instance=True)
            return frozenset(result)
        return EMPTY

    def _assigned_attr(self, base: tuple, name: str) -> frozenset:
        """Values given to ``name`` by ``module.name = value`` anywhere, where ``module`` provably is ``base``."""
        result: set = set()
        per_file = self.attr_sites.get(name, {})
        for rel in sorted(per_file):
            for q, target, value in per_file[rel]:
                if base in self.eval(target, q, None):
                    result |= self.eval(value, q, None)
        return frozenset(result)

    def class_attr(self, cls: str, name: str, instance: bool, receiver: tuple | None = None) -> frozenset:
        mro, _ = self.mro(cls)
        value = self._attr_in(mro, name, instance, receiver)
        if value or not instance:
            return value
        result: set = set()
        for c in mro:
            for method_q, expr in self.instance_attrs(c).get(name, ()):
                result |= self.eval(expr, method_q, None)
        return frozenset(result)

    def instance_attrs(self, cls: str) -> dict[str, list[tuple[str, tuple]]]:
        """``self.attr = value`` assignments in the methods of ``cls``: attr -> [(method, value)]."""
        cached = self._inst_attrs.get(cls)
        if cached is None:
            cached = {}
            for method in self._methods(cls):
                params = method["params"]
                for base, attr, expr in method["attrs"]:
                    if base[0] == "n" and params and base[1] == params[0]:
                        cached.setdefault(attr, []).append((method["q"], expr))
            self._inst_attrs[cls] = cached
        return cached

    def _methods(self, cls: str) -> Iterable[dict[str, Any]]:
        scope = self.scopes.get(cls)
        if scope is None:
            return []
        out = []
        for bindings in scope["b"].values():
            for _, expr, _ in bindings:
                if expr[0] == "f" and expr[1] in self.scopes and self.scopes[expr[1]]["k"] == "function":
                    out.append(self.scopes[expr[1]])
        return out

    def _attr_in(self, mro: list[str], name: str, instance: bool, receiver: tuple | None = None) -> frozenset:
        for c in mro:
            scope = self.scopes.get(c)
            if scope is None:
                continue
            if name not in scope["b"]:
                self.absent.add((c, name))
            else:
                result = set()
                for value in self.final(c, name):
                    if value[0] == "fn":
                        target = self.scopes.get(value[1])
                        mk = target.get("mk") if target else None
                        if target is not None and target.get("cls") == c:
                            bound = mk == "class" or (instance and mk != "static")
                            if bound and receiver is not None:
                                # The receiver is what self/cls is in this call (a subclass, say).
                                who = ("cls", receiver[1]) if mk == "class" else receiver
                                value = ("fn", value[1], True, who)
                            else:
                                value = ("fn", value[1], bound)
                    result.add(value)
                return frozenset(result)
        return EMPTY

    def mro(self, cls: str) -> tuple[list[str], bool]:
        """The project classes of ``cls``'s MRO, and whether an external base may supply attributes too."""
        cached = self._mro.get(cls)
        if cached is not None:
            return cached
        self._mro[cls] = ([cls], True)  # cycle guard
        scope = self.scopes.get(cls)
        if scope is None:
            return [cls], True
        bases: list[list[str]] = []
        external = False
        for expr in scope["bases"]:
            values = self.eval(expr, scope["p"], None)
            classes = sorted(v[1] for v in values if v[0] == "cls")
            if len(classes) != 1 or len(values) != 1:
                external = True
            for c in classes[:1]:
                base_mro, base_ext = self.mro(c)
                bases.append(base_mro)
                external = external or base_ext
        linear = _c3([cls], [*bases, [b[0] for b in bases]])
        result = (linear, external)
        self._mro[cls] = result
        return result

    def prepare(self) -> None:
        """Work out every class hierarchy now: what any share of a parallel build needs, done once."""
        self.subclasses_of("")

    def subclasses_of(self, cls: str) -> tuple[str, ...]:
        """Every project class that has ``cls`` in its MRO (transitively), sorted.

        Both resolvers use the base resolver's table: its MROs do not depend on values passed in, so
        it is the same whenever it is built, and it is built once instead of twice.
        """
        if self.base is not None:
            return self.base.subclasses_of(cls)
        if self._subclasses is None:
            self._subclasses = {}  # re-entry (an MRO below needs subclasses) sees none rather than recursing
            below: dict[str, set[str]] = defaultdict(set)
            for q, scope in self.scopes.items():
                if scope["k"] == "class" and scope["bases"]:
                    for c in self.mro(q)[0][1:]:
                        below[c].add(q)
            self._subclasses = {c: tuple(sorted(subs)) for c, subs in below.items()}
        return self._subclasses.get(cls, ())

    def overrides(self, cls: str, name: str) -> list[str]:
        """Methods named ``name`` defined by subclasses of ``cls``: where ``self.name()`` may dispatch."""
        # Asked once per call on self, by callers outside the memoized answers (so no "own" flag to carry);
        # a base class of thousands of tests is asked about the same names over and over.
        key = (cls, name)
        out = self._overrides.get(key)
        if out is None:
            self.dispatched.add(key)
            out = []
            for sub in self.subclasses_of(cls):
                scope = self.scopes.get(sub)
                if scope is not None and name in scope["b"]:
                    out.extend(v[1] for v in self.final(sub, name) if v[0] == "fn")
            self._overrides[key] = out
        return out

    def self_class(self, q: str, expr: tuple) -> str | None:
        """The class whose methods ``expr`` (a bare name) is ``self``/``cls`` of, if it is."""
        if expr[0] != "n":
            return None
        scope = self.scopes.get(q)
        while scope is not None and scope["k"] == "lambda":
            scope = self.scopes.get(scope["p"])
        if scope is None or not scope.get("cls") or scope["mk"] == "static" or not scope["params"]:
            return None
        if scope["params"][0] != expr[1] or expr[1] in scope["b"]:
            return None
        return scope["cls"]

    # -- calls --------------------------------------------------------------------------------
    def call_result(
        self, funcs: frozenset, args: tuple, kwargs: tuple, q: str, env: dict | None, depth: int
    ) -> frozenset:
        result: set = set()
        for f in ordered(funcs):
            kind = f[0]
            if kind == "fn":
                result |= self.returns(f[1], f[2], args, kwargs, q, env, depth, f[3] if len(f) > 3 else None)
            elif kind == "cls":
                result.add(("inst", f[1]))
            elif kind == "inst":
                for call in ordered(self.class_attr(f[1], "__call__", True, f)):
                    if call[0] == "fn":
                        result |= self.returns(call[1], True, args, kwargs, q, env, depth, f)
        return frozenset(result)

    def returns(
        self,
        fq: str,
        bound: bool,
        args: tuple,
        kwargs: tuple,
        q: str,
        env: dict | None,
        depth: int,
        receiver: tuple | None = None,
    ) -> frozenset:
        self.returned.add(fq)
        scope = self.scopes.get(fq)
        if scope is None:
            return EMPTY
        # Two levels of call-site sensitivity: a decorator that returns what a call made with its argument
        # returns (``return detail(flag)(test)``) still returns *this* function; and bounded.
        level = 0 if env is None else env[_LEVEL]
        if scope["yld"] or level >= _CONTEXTS or not _uses_params(scope):
            return self._plain_returns(fq, scope)
        outer = ("ctx", fq)
        if outer in self._active:
            self._enter(outer)  # records the cycle: calls of fq inside its own call are not followed
            return EMPTY
        callee_env = self.bind_args(scope, bound, args, kwargs, q, env, depth)
        if bound and receiver is not None and scope["params"]:
            callee_env[scope["params"][0]] = frozenset({receiver})
        callee_env[_LEVEL] = level + 1  # type: ignore[assignment]
        # The same function called with the same argument values returns the same: many call sites pass
        # the same things (the same receiver, the same class), and their arguments are often calls too.
        key = ("ctx", fq, tuple(sorted(callee_env.items())))
        cached = self._recall(self._s_ctx, self._ctx, key)
        if cached is not None:
            return cached
        h0 = self._hits
        if not self._enter(outer):
            return EMPTY
        try:
            return self._compute(self._s_ctx, self._ctx, key, key, self._ctx_returns, fq, scope, callee_env, depth)
        finally:
            self._leave(outer, h0)

    def _ctx_returns(self, fq: str, scope: dict[str, Any], env: dict[str, frozenset], depth: int) -> frozenset:
        out: set = set()
        for r in scope["ret"]:
            out |= self.eval(r, fq, env, depth + 1)
        return frozenset(out)

    def _plain_returns(self, fq: str, scope: dict[str, Any]) -> frozenset:
        """What ``fq`` returns whoever calls it (a generator: an iterable of what it yields)."""
        cached = self._recall(self._s_returns, self._returns, fq)
        if cached is not None:
            return cached
        return self._compute(self._s_returns, self._returns, fq, ("ret", fq), self._returns_uncached, fq, scope)

    def _returns_uncached(self, fq: str, scope: dict[str, Any]) -> frozenset:
        out: set = set()
        for r in scope["yld"] or scope["ret"]:
            out |= self.eval(r, fq, None)
        return frozenset({("hom", frozenset(out))}) if scope["yld"] else frozenset(out)

    def bind_args(
        self, scope: dict[str, Any], bound: bool, args: tuple, kwargs: tuple, q: str, env: dict | None, depth: int
    ) -> dict[str, frozenset]:
        """The values this call passes to the callee's parameters (only those it provably passes)."""
        return {param: self.eval(arg, q, env, depth) for param, arg in passed(scope, bound, args, kwargs)}


def _by_scope(pairs: set[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for q, name in pairs:
        names = out.get(q)
        if names is None:
            out[q] = [name]
        else:
            names.append(name)
    return out


def passed(scope: dict[str, Any], bound: bool, args: tuple, kwargs: tuple) -> list[tuple[str, tuple]]:
    """``(parameter, argument)`` for every parameter of ``scope`` a call provably passes, in order.

    Positional arguments up to the first ``*iterable``; what ``*args`` collects, as a literal tuple, when
    no ``*iterable`` is passed; keywords naming a parameter, also from a literal ``**{"name": value}``.
    The one rule for binding arguments: call-site-sensitive returns, incoming parameter values and the
    argument flows that incremental updates follow all use it.
    """
    params = scope["params"]
    offset = 1 if bound else 0
    out = []
    starred = False
    for i, arg in enumerate(args):
        if arg[0] == "*":
            starred = True
            break
        if offset + i < len(params):
            out.append((params[offset + i], arg))
    vararg = scope["vararg"]
    if vararg is not None and not starred:
        rest = args[max(len(params) - offset, 0) :]
        if rest:
            out.append((vararg, ("l", rest)))
    kwonly = scope["kwonly"]
    for name, arg in kwargs:
        if name is None:
            if arg[0] == "d":
                out.extend((key, value) for key, value in arg[1] if key in params or key in kwonly)
        elif name in params or name in kwonly:
            out.append((name, arg))
    return out


def _digest(values: frozenset) -> bytes:
    """The same for the same values in any process: values nest frozensets, whose order and hash vary.

    Kept instead of the values: ``marshal`` sorts every set it writes by its encoding, which on these
    nested sets took seconds.
    """
    if not values:
        return b""
    return hashlib.blake2b(_canonical(values).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _canonical(value: Any) -> str:
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    return repr(value)


def ordered(values: frozenset) -> Iterable[tuple]:
    """A set of values in an order that does not depend on the hash seed.

    The resolver cuts cycles and over-deep chains short, and where it cuts depends on the order in
    which it explores; exploring sets in a fixed order makes the same project give the same graph.
    """
    if len(values) < 2:
        return values
    return sorted(values, key=_order_key)


def _order_key(value: tuple) -> str:
    # Containers are never called nor have attributes looked up, so where they fall cannot matter;
    # every other value is made of strings, booleans and such tuples, whose repr is seed-independent.
    return value[0] if value[0] in _CONTAINERS else repr(value)


def _argument_for(scope: dict[str, Any], bound: bool, call: tuple, param: str) -> tuple | None:
    for name, arg in passed(scope, bound, call[2], call[3]):
        if name == param:
            return arg
    return None


def _is_param(scope: dict[str, Any], name: str) -> bool:
    return name in scope["params"] or name in scope["kwonly"] or name == scope["vararg"] or name == scope["kwarg"]


def _reaching(
    scope: dict[str, Any], bindings: list[tuple[int, tuple, int]], pos: int | None, blk: int
) -> tuple[list[tuple], bool]:
    """Binding expressions that may reach a use, and whether the scope's initial value may too."""
    blocks = scope["blocks"]
    use_path: tuple = blocks[blk] if pos is not None else ()
    exprs = []
    for i in range(len(bindings) - 1, -1, -1):  # not reversed(): mypyc 2.4 fails to compile that loop here
        bpos, expr, bblk = bindings[i]
        if pos is not None and bpos > pos:
            continue
        exprs.append(expr)
        path = blocks[bblk]
        if use_path[: len(path)] == path:
            return exprs, False
    return exprs, True


def reach_signature(scope: dict[str, Any], bindings: list | None, pos: int | None, blk: int) -> tuple:
    """Which bindings reach a use (indices, then -1 when the initial value does too): as :func:`_reaching`."""
    if not bindings:
        return _ALL_USES
    blocks = scope["blocks"]
    use_path: tuple = blocks[blk] if pos is not None else ()
    out = []
    for i in range(len(bindings) - 1, -1, -1):
        bpos, _, bblk = bindings[i]
        if pos is not None and bpos > pos:
            continue
        out.append(i)
        path = blocks[bblk]
        if use_path[: len(path)] == path:
            return tuple(out)
    out.append(-1)
    return tuple(out)


def _uses_params(scope: dict[str, Any]) -> bool:
    cached = scope.get("_up")
    if cached is None:
        names = set(scope["params"]) | set(scope["kwonly"])
        cached = bool(names) and any(_mentions(r, names) for r in scope["ret"])
        scope["_up"] = cached
    return cached


def _mentions(expr: Any, names: set[str]) -> bool:
    if not isinstance(expr, tuple) or not expr:
        return False
    if is_name(expr):
        return expr[1] in names
    tag = expr[0]
    if tag == "f" and type(expr[1]) is str:
        return True  # a closure may capture the parameters
    # A tagged node's operands follow its tag; a tuple of items (arguments, pairs) has no tag.
    return any(_mentions(e, names) for e in expr[type(tag) is str :] if isinstance(e, tuple))


def _strings(values: frozenset) -> Iterable[tuple]:
    for v in values:
        if v[0] == "str":
            yield v
        elif v[0] == "seq":
            for item in v[1]:
                yield from (x for x in item if x[0] == "str")


def _c3(head: list[str], seqs: list[list[str]]) -> list[str]:
    result = list(head)
    seqs = [list(s) for s in seqs if s]
    while seqs:
        for seq in seqs:
            candidate = seq[0]
            if not any(candidate in s[1:] for s in seqs):
                break
        else:  # inconsistent hierarchy: fall back to depth-first order
            for seq in seqs:
                result.extend(c for c in seq if c not in result)
            return result
        result.append(candidate)
        seqs = [[c for c in s if c != candidate] for s in seqs]
        seqs = [s for s in seqs if s]
    return result
