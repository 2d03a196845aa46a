"""Where a symbol is defined and used, and what a symbol needs from other files.

Occurrences are extracted on demand, only from the files whose text mentions
the name, with the same extractor as the index (so scopes line up) and
resolved by the index's resolver.  An occurrence is a reference when what it
denotes is provably the symbol; one whose meaning cannot be established is
reported as unresolved; one that provably denotes something else is dropped.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections import deque
from typing import Any

from code_scalpel.errors import InvalidArgument, SymbolNotFound
from code_scalpel.project.index import ProjectIndex
from code_scalpel.project.paging import page
from code_scalpel.project.resolve import Resolver, _reaching, display
from code_scalpel.project.summary import POS, summarize
from code_scalpel.project.walker import is_test_file


class Denoter:
    """What a name or attribute occurrence *is* (a definition's qualified name), not what it holds."""

    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver

    def name(self, q: str, ident: str, pos: int | None, blk: int) -> set[str]:
        r = self.r
        scope = r.scopes.get(q)
        if scope is None:
            return set()
        if ident in scope["glob"]:
            return self.name(r.module_of(q), ident, None, 0)
        if ident not in scope["b"] and not (scope["k"] in ("function", "lambda") and _is_param(scope, ident)):
            if scope["k"] == "module":
                for star in scope["star"]:
                    if r.star_attr(star, ident):
                        return self.in_module(star, ident)
                return {f"builtins.{ident}"} if ident in _builtins() else set()
            parent = scope["p"]
            while parent is not None and r.scopes[parent]["k"] == "class":
                parent = r.scopes[parent]["p"]
            return self.name(parent, ident, None, 0) if parent else set()
        bindings = scope["b"].get(ident, [])
        exprs, _ = _reaching(scope, bindings, pos, blk)
        if not exprs:
            exprs = [b[1] for b in bindings]
        out: set[str] = set()
        for expr in exprs:
            out |= self.binding(scope, ident, expr)
        return out

    def binding(self, scope: dict[str, Any], ident: str, expr: tuple) -> set[str]:
        tag = expr[0]
        if tag == "f":
            return {display(expr[1])}
        if tag == "c" and expr[2] and expr[2][0][0] in ("f", "c"):  # a decorated definition
            inner = self.binding(scope, ident, expr[2][0])
            if any(n.rsplit(".", 1)[-1] == ident for n in inner):
                return inner
        if tag == "m":
            return {expr[1]}
        if tag == "im":
            return self.in_module(expr[1], expr[2])
        return {f"{display(scope['q'])}.{ident}"}

    def in_module(self, module: str, ident: str, depth: int = 0) -> set[str]:
        r = self.r
        if module not in r.module_rel:
            return {f"{module}.{ident}"}
        scope = r.scopes.get(module)
        if scope is None or depth > 20:
            return set()
        if ident in scope["b"]:
            return self.name(module, ident, None, 0)
        for star in scope["star"]:
            if r.star_attr(star, ident):
                return self.in_module(star, ident, depth + 1)
        if f"{module}.{ident}" in r.module_rel:
            return {f"{module}.{ident}"}
        return set()

    def attribute(self, q: str, base: tuple, ident: str) -> set[str]:
        r = self.r
        out: set[str] = set()
        for value in r.eval(base, q, None):
            kind = value[0]
            if kind == "mod":
                out |= self.in_module(value[1], ident)
            elif kind == "ext":
                out.add(f"{value[1]}.{ident}")
            elif kind in ("cls", "inst", "super"):
                mro, _ = r.mro(value[1])
                if kind == "super":
                    mro = mro[1:]
                found = self._in_classes(mro, ident, kind == "inst" or kind == "super")
                out |= found
        return out

    def _in_classes(self, mro: list[str], ident: str, instance: bool) -> set[str]:
        r = self.r
        for c in mro:
            scope = r.scopes.get(c)
            if scope is not None and ident in scope["b"]:
                return self.name(c, ident, None, 0)
        if instance:
            for c in mro:
                if ident in r.instance_attrs(c):
                    return {f"{display(c)}.{ident}"}
        return set()

    def occurrence(self, q: str, occ: tuple) -> set[str]:
        kind, ident, line, col, base, blk = occ
        if kind == "definition":
            return {display(base[1])}
        if kind == "import":
            return self.in_module(base[1], base[2]) if base[0] == "im" else {base[1]}
        if base is not None:
            meant = self.attribute(q, base, ident)
            owner = self.r.self_class(q, base) if meant else None
            if owner is not None:  # self.step() in a base class also reaches the subclasses' overrides
                meant |= {display(m) for m in self.r.overrides(owner, ident)}
            return meant
        return self.name(q, ident, None if kind == "write" else line * POS + col, blk)


def _is_param(scope: dict[str, Any], name: str) -> bool:
    return name in scope["params"] or name in scope["kwonly"] or name == scope["vararg"] or name == scope["kwarg"]


_BUILTINS: frozenset[str] | None = None


def _builtins() -> frozenset[str]:
    global _BUILTINS
    if _BUILTINS is None:
        import builtins

        _BUILTINS = frozenset(dir(builtins))
    return _BUILTINS


def _read(index: ProjectIndex, rel: str) -> str | None:
    """Text of an indexed file, re-checked against the sandbox (it may have become a link since the walk)."""
    path = index.root / rel
    try:
        if not index.contains(path.resolve()):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None


def _occurrence_summary(index: ProjectIndex, rel: str, text: str) -> dict[str, Any]:
    summary = index.summaries[rel]
    return summarize(text, summary["module"], summary["is_pkg"], occurrences=True)


def find_definitions(index: ProjectIndex, symbol: str) -> list[str]:
    """Qualified names the user may mean by ``symbol`` (exact, or a dotted suffix)."""
    resolver = _resolver(index)
    names = {display(q) for q in resolver.scopes}
    for q, scope in resolver.scopes.items():
        if scope["k"] in ("module", "class"):
            # A variable is defined where it is assigned; an import only names something defined elsewhere.
            names.update(
                f"{display(q)}.{n}"
                for n, bindings in scope["b"].items()
                if any(b[1][0] not in ("im", "m") for b in bindings)
            )
    if symbol in names:
        return [symbol]
    suffix = "." + symbol
    return sorted(n for n in names if n.endswith(suffix))


def _resolver(index: ProjectIndex) -> Resolver:
    index.call_results()  # brings the results up to date first (refs and the graph share the resolver)
    return index.ensure_resolver()


def references(
    index: ProjectIndex,
    symbol: str,
    scope_prefix: str | None,
    include_tests: bool,
    limit: int,
    cursor: str | None,
    max_references: int,
) -> dict[str, Any]:
    symbol = symbol.strip()
    if not symbol or any(c.isspace() for c in symbol):
        raise InvalidArgument("symbol_name must be a name or a dotted name, e.g. 'Engine.run'")
    targets = set(find_definitions(index, symbol))
    if not targets:
        everything = sorted({display(q).rsplit(".", 1)[-1] for q in _resolver(index).scopes})
        close = difflib.get_close_matches(symbol.rsplit(".", 1)[-1], everything, n=8)
        raise SymbolNotFound(
            f"no definition of {symbol!r} in the project" + (f"; close names: {', '.join(close)}" if close else ""),
            symbol=symbol,
            candidates=close,
        )
    ident = symbol.rsplit(".", 1)[-1]
    denoter = Denoter(_resolver(index))
    spellings = {ident}
    for per_file in _resolver(index).aliases.get(ident, {}).values():
        spellings |= per_file
    found: list[dict[str, Any]] = []
    unresolved: list[dict[str, Any]] = []
    cut_by = None
    for rel in sorted(index.summaries):
        if not include_tests and is_test_file(rel):
            continue
        module = index.summaries[rel]["module"]
        if scope_prefix and not (rel.startswith(scope_prefix) or module.startswith(scope_prefix)):
            continue
        text = _read(index, rel)
        if text is None or ident not in text:
            continue
        lines = text.splitlines()
        summary = _occurrence_summary(index, rel, text)
        for q, scope in summary["scopes"].items():
            for occ in scope["occ"]:
                if occ[1] not in spellings:
                    continue
                meant = denoter.occurrence(q, occ)
                if occ[1] != ident and not meant & targets:
                    continue  # an alias spelling only counts when it provably means the symbol
                entry = {
                    "file": rel,
                    "line": occ[2],
                    "column": occ[3],
                    "kind": occ[0],
                    "text": lines[occ[2] - 1].strip() if 0 < occ[2] <= len(lines) else "",
                }
                if meant & targets:
                    entry["symbol"] = sorted(meant & targets)[0]
                    found.append(entry)
                elif not meant:
                    unresolved.append(entry)
        if len(found) >= max_references:
            found = found[:max_references]
            cut_by = "max_references"
            break
    found.sort(key=lambda e: (e["kind"] != "definition", e["file"], e["line"], e["column"]))
    paged = page(found, limit, cursor, cut_by)
    return {
        "symbol": symbol,
        "definitions": sorted(targets),
        "references": paged.pop("items"),
        **paged,
        "unresolved": unresolved[:limit],
        "unresolved_total": len(unresolved),
    }


def _scope_for(index: ProjectIndex, rel: str, symbol: str) -> str:
    module = index.summaries[rel]["module"]
    wanted = f"{module}.{symbol}"
    resolver = _resolver(index)
    for q in resolver.scopes:
        if display(q) == wanted and resolver.scope_rel.get(q) == rel:
            return q
    names = sorted(display(q)[len(module) + 1 :] for q in resolver.scopes if resolver.scope_rel.get(q) == rel)
    close = difflib.get_close_matches(symbol, names, n=8)
    raise SymbolNotFound(
        f"{symbol!r} is not a function or class of {rel}" + (f"; close names: {', '.join(close)}" if close else ""),
        symbol=symbol,
        candidates=close,
    )


def cross_file_dependencies(
    index: ProjectIndex, rel: str, symbol: str, max_depth: int, include_code: bool, limit: int
) -> dict[str, Any]:
    if max_depth < 1:
        raise InvalidArgument("max_depth must be at least 1")
    resolver = _resolver(index)
    denoter = Denoter(resolver)
    start = _scope_for(index, rel, symbol)
    by_name: dict[str, str] = {display(q): q for q in resolver.scopes}
    seen: dict[str, dict[str, Any]] = {}
    texts: dict[str, str | None] = {}
    occ_summaries: dict[str, dict[str, Any]] = {}
    unresolved: list[str] = []
    queue = deque([(start, 0)])
    visited = {start}
    while queue:
        q, depth = queue.popleft()
        file = resolver.scope_rel[q]
        if file not in occ_summaries:
            texts[file] = _read(index, file)
            occ_summaries[file] = _occurrence_summary(index, file, texts[file] or "")
        prefix = q + "."
        for sq, scope in occ_summaries[file]["scopes"].items():
            if sq != q and not sq.startswith(prefix):
                continue
            for occ in scope["occ"]:
                if occ[0] in ("definition", "write") or (occ[4] is None and _is_local(resolver, sq, occ[1])):
                    continue
                meant = denoter.occurrence(sq, occ)
                if not meant and occ[4] is None:
                    unresolved.append(occ[1])
                for name in meant:
                    dep = _locate(resolver, by_name, name)
                    if dep is None or (dep["file"] == rel and name.startswith(display(start))):
                        continue
                    if dep["file"] == file and depth == 0 and dep["file"] == rel:
                        continue  # same-file helpers are context, but not cross-file dependencies
                    if name not in seen:
                        dep["depth"] = depth + 1
                        dep["via"] = display(q)
                        seen[name] = dep
                        target_q = by_name.get(name)
                        if target_q and depth + 1 < max_depth and target_q not in visited:
                            visited.add(target_q)
                            queue.append((target_q, depth + 1))
    deps = sorted(seen.values(), key=lambda d: (d["depth"], d["file"], d["line"]))
    if include_code:
        for dep in deps:
            text = texts.get(dep["file"]) if dep["file"] in texts else _read(index, dep["file"])
            lines = (text or "").splitlines()
            dep["code"] = "\n".join(lines[dep["line"] - 1 : dep["end_line"]])
    cut = len(deps) > limit
    return {
        "target_file": rel,
        "target_symbol": display(start),
        "dependencies": deps[:limit],
        "total": len(deps),
        "truncated": cut,
        "files": sorted({d["file"] for d in deps}),
        "unresolved": sorted(set(unresolved))[:limit],
    }


def _is_local(resolver: Resolver, q: str, ident: str) -> bool:
    scope = resolver.scopes.get(q)
    return bool(scope) and scope["k"] in ("function", "lambda") and (ident in scope["b"] or _is_param(scope, ident))


def _locate(resolver: Resolver, by_name: dict[str, str], name: str) -> dict[str, Any] | None:
    q = by_name.get(name)
    if q is not None:
        scope = resolver.scopes[q]
        kind = {"function": "function", "class": "class", "module": "module", "lambda": "function"}[scope["k"]]
        if kind == "module":
            return None
        return {
            "symbol": name,
            "kind": kind,
            "file": resolver.scope_rel[q],
            "line": scope["line"],
            "end_line": scope["end"],
        }
    owner, _, attr = name.rpartition(".")
    oq = by_name.get(owner)
    if oq is None:
        return None
    scope = resolver.scopes[oq]
    bindings = scope["b"].get(attr)
    if not bindings or scope["k"] not in ("module", "class"):
        return None
    line = bindings[-1][0] // POS
    return {"symbol": name, "kind": "variable", "file": resolver.scope_rel[oq], "line": line, "end_line": line}
