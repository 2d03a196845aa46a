"""Conditions that validate a value: which names are safe inside each branch.

``if name in ALLOWED:``, ``if value.isdigit():``, ``if re.fullmatch(r"[a-z]+", v):``,
``if url_has_allowed_host_and_scheme(url, ...):``, ``if v == "admin":`` — in
the branch where the check holds, the checked name carries no attacker
choice.  With ``if not ok: abort()`` the name is safe after the ``if``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from code_scalpel.scanning.names import dotted
from code_scalpel.scanning.rules import VALIDATING_CALLS, VALIDATING_METHODS

Names = frozenset[str]
_EMPTY: Names = frozenset()


def checked_names(
    test: ast.expr, qualify: Callable[[ast.expr], str | None], is_tainted: Callable[[ast.expr], bool]
) -> tuple[Names, Names]:
    """(names safe when ``test`` is true, names safe when it is false)."""
    kind = type(test)
    if kind is ast.UnaryOp and type(test.op) is ast.Not:  # type: ignore[attr-defined]
        yes, no = checked_names(test.operand, qualify, is_tainted)  # type: ignore[attr-defined]
        return no, yes
    if kind is ast.BoolOp:
        parts = [checked_names(v, qualify, is_tainted) for v in test.values]  # type: ignore[attr-defined]
        if type(test.op) is ast.And:  # type: ignore[attr-defined]
            return frozenset().union(*(p[0] for p in parts)), _EMPTY
        return _EMPTY, frozenset().union(*(p[1] for p in parts))
    if kind is ast.Compare and len(test.ops) == 1:  # type: ignore[attr-defined]
        op = type(test.ops[0])  # type: ignore[attr-defined]
        left = dotted(test.left)  # type: ignore[attr-defined]
        right = test.comparators[0]  # type: ignore[attr-defined]
        if left is None or is_tainted(right):
            return _EMPTY, _EMPTY
        if op is ast.In:
            return frozenset({left}), _EMPTY
        if op is ast.NotIn:
            return _EMPTY, frozenset({left})
        if type(right) is ast.Constant:
            if op is ast.Eq:
                return frozenset({left}), _EMPTY
            if op is ast.NotEq:
                return _EMPTY, frozenset({left})
        return _EMPTY, _EMPTY
    if kind is ast.Call:
        func = test.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute and func.attr in VALIDATING_METHODS and not test.args:  # type: ignore[attr-defined]
            name = dotted(func.value)
            return (frozenset({name}) if name else _EMPTY), _EMPTY
        q = qualify(func)
        if q in VALIDATING_CALLS or (q and q.rsplit(".", 1)[-1] in VALIDATING_CALLS):
            args = test.args  # type: ignore[attr-defined]
            target = args[1] if q == "re.fullmatch" and len(args) > 1 else (args[0] if args else None)
            if q in ("re.fullmatch",) and not (args and type(args[0]) is ast.Constant):
                return _EMPTY, _EMPTY
            name = dotted(target) if target is not None else None
            return (frozenset({name}) if name else _EMPTY), _EMPTY
    return _EMPTY, _EMPTY
