"""Call edges of one file, computed by the resolver against the whole project."""

from __future__ import annotations

from typing import Any

from code_scalpel.project.resolve import Resolver, display, ordered, passed
from code_scalpel.project.summary import LITERALS


def render(expr: Any) -> str:
    """Short source-like text of an encoded expression, for unresolved calls."""
    tag = expr[0]
    if tag == "n":
        return expr[1]
    if tag == "a":
        return f"{render(expr[1])}.{expr[2]}"
    if tag == "c":
        return f"{render(expr[1])}(...)"
    if tag == "x":
        return f"{render(expr[1])}[{expr[2]!r}]" if expr[2] is not None else f"{render(expr[1])}[...]"
    if tag == "f":
        return display(expr[1]).rsplit(".", 1)[-1]
    if tag == "S":
        return "super()"
    return "<expr>"


def file_calls(resolver: Resolver, summary: dict[str, Any]) -> dict[str, Any]:
    """Edges, external calls, unresolved calls and argument flows of one module."""
    edges: dict[tuple[str, str], tuple[int, int]] = {}
    external: dict[tuple[str, str], tuple[int, int]] = {}
    unresolved: list[tuple[str, str, int, int]] = []
    flows: set[tuple[str, str]] = set()
    for q, scope in summary["scopes"].items():
        if not scope["calls"]:
            continue
        caller = display(resolver.caller_of(q))
        for line, col, call in scope["calls"]:
            funcs = resolver.eval(call[1], q, None)
            resolved = False
            for f in ordered(funcs):
                kind = f[0]
                targets: list[tuple[str, bool]] = []
                if kind == "fn":
                    targets = [(f[1], f[2])]
                elif kind == "cls":
                    resolved = True  # a project class: its __init__, if any, is the callee
                    targets = [(t, True) for t in resolver.special_method(f, "__init__")]
                elif kind == "inst":
                    targets = [(t, True) for t in resolver.special_method(f, "__call__")]
                elif kind == "ext":
                    external.setdefault((caller, f[1]), (line, col))
                    resolved = True
                    continue
                for target, bound in targets:
                    resolved = True
                    edges.setdefault((caller, display(target)), (line, col))
                    _record_flows(resolver, flows, target, bound, call)
            if resolved and call[1][0] == "a":
                owner = resolver.self_class(q, call[1][1])
                if owner is not None:
                    for target in resolver.overrides(owner, call[1][2]):
                        edges.setdefault((caller, display(target)), (line, col))
            if not resolved:
                unresolved.append((caller, render(call[1]), line, col))
    return {
        "edges": edges,
        "external": external,
        "unresolved": unresolved,
        "flows": sorted(flows),
    }


def _record_flows(resolver: Resolver, flows: set[tuple[str, str]], target: str, bound: bool, call: tuple) -> None:
    """Which parameters of ``target`` this call passes a non-literal to: what to recompute if it changes."""
    scope = resolver.scopes.get(target)
    if scope is not None:
        for param, arg in passed(scope, bound, call[2], call[3]):
            if arg[0] not in LITERALS:
                flows.add((target, param))
