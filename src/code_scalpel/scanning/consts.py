"""Constant folding of conditions, over literals and arithmetic only.

``if 7 * 18 + 3 > 200:`` must select one branch.  This is a tiny evaluator of
ast literals, arithmetic, comparisons and boolean operators on values the
function assigned from constants; it never calls ``eval`` and refuses any
operation that could be expensive (huge powers, huge string repetition).
"""

from __future__ import annotations

import ast
import operator
from typing import Any

UNKNOWN = object()
_MAX_INT_BITS = 256
_MAX_LEN = 10_000

_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_LITERAL_TYPES = (int, float, str, bool, bytes, type(None))


def _too_big(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() > _MAX_INT_BITS
    if isinstance(value, str | bytes | tuple):
        return len(value) > _MAX_LEN
    return False


def fold(node: ast.expr, consts: dict[str, Any]) -> Any:
    """The constant value of ``node``, or ``UNKNOWN``."""
    kind = type(node)
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        return value if isinstance(value, _LITERAL_TYPES) else UNKNOWN
    if kind is ast.Name:
        return consts.get(node.id, UNKNOWN)  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        op = _BIN.get(type(node.op))  # type: ignore[attr-defined]
        if op is None:
            return UNKNOWN
        left = fold(node.left, consts)  # type: ignore[attr-defined]
        if left is UNKNOWN:
            return UNKNOWN
        right = fold(node.right, consts)  # type: ignore[attr-defined]
        if right is UNKNOWN:
            return UNKNOWN
        if op is operator.pow and (not isinstance(right, int) or abs(right) > 64 or _too_big(left)):
            return UNKNOWN
        if op is operator.lshift and (not isinstance(right, int) or right > _MAX_INT_BITS):
            return UNKNOWN
        if op is operator.mul and (isinstance(left, str | bytes | tuple) or isinstance(right, str | bytes | tuple)):
            count = right if isinstance(left, str | bytes | tuple) else left
            seq = left if isinstance(left, str | bytes | tuple) else right
            if not isinstance(count, int) or count * len(seq) > _MAX_LEN:
                return UNKNOWN
        try:
            result = op(left, right)
        except Exception:
            return UNKNOWN
        return UNKNOWN if _too_big(result) else result
    if kind is ast.UnaryOp:
        operand = fold(node.operand, consts)  # type: ignore[attr-defined]
        if operand is UNKNOWN:
            return UNKNOWN
        op_kind = type(node.op)  # type: ignore[attr-defined]
        try:
            if op_kind is ast.Not:
                return not operand
            if op_kind is ast.USub:
                return -operand
            if op_kind is ast.UAdd:
                return +operand
            if op_kind is ast.Invert:
                return ~operand
        except Exception:
            return UNKNOWN
        return UNKNOWN
    if kind is ast.Compare:
        left = fold(node.left, consts)  # type: ignore[attr-defined]
        if left is UNKNOWN:
            return UNKNOWN
        for op_node, comparator in zip(node.ops, node.comparators, strict=True):  # type: ignore[attr-defined]
            right = fold(comparator, consts)
            if right is UNKNOWN:
                return UNKNOWN
            try:
                if not _CMP[type(op_node)](left, right):
                    return False
            except Exception:
                return UNKNOWN
            left = right
        return True
    if kind is ast.BoolOp:
        is_and = type(node.op) is ast.And  # type: ignore[attr-defined]
        result: Any = UNKNOWN
        for value_node in node.values:  # type: ignore[attr-defined]
            result = fold(value_node, consts)
            if result is UNKNOWN:
                return UNKNOWN
            if is_and and not result:
                return result
            if not is_and and result:
                return result
        return result
    if kind in (ast.Tuple, ast.List, ast.Set):
        items = []
        for elt in node.elts:  # type: ignore[attr-defined]
            value = fold(elt, consts)
            if value is UNKNOWN:
                return UNKNOWN
            items.append(value)
        if kind is ast.Set:
            try:
                return frozenset(items)
            except TypeError:
                return UNKNOWN
        return tuple(items)
    if kind is ast.Subscript and type(node.slice) is not ast.Slice:  # type: ignore[attr-defined]
        base = fold(node.value, consts)  # type: ignore[attr-defined]
        if not isinstance(base, str | bytes | tuple):
            return UNKNOWN
        index = fold(node.slice, consts)  # type: ignore[attr-defined]
        if not isinstance(index, int) or isinstance(index, bool):
            return UNKNOWN
        try:
            return base[index]
        except IndexError:
            return UNKNOWN
    if kind is ast.IfExp:
        test = fold(node.test, consts)  # type: ignore[attr-defined]
        if test is UNKNOWN:
            return UNKNOWN
        return fold(node.body if test else node.orelse, consts)  # type: ignore[attr-defined]
    return UNKNOWN


def truth(node: ast.expr, consts: dict[str, Any]) -> bool | None:
    """``True``/``False`` when the condition is constant, else ``None``."""
    value = fold(node, consts)
    if value is UNKNOWN:
        return None
    try:
        return bool(value)
    except Exception:
        return None
