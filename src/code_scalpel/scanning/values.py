"""Taint values: what the engine knows about one expression.

A value is ``None`` (clean), a tuple of :class:`Flow` (tainted: where the data
came from, what happened to it, which rules it has been cleaned for), or an
:class:`Elems` for a container whose elements are tracked one by one, so that
a constant element next to a tainted one stays clean.
"""

from __future__ import annotations

from typing import Any, Union

MAX_FLOWS = 3
MAX_STEPS = 16


class Source:
    """A real origin of untrusted data."""

    __slots__ = ("col", "confidence", "file", "kind", "line", "text")

    def __init__(self, kind: str, line: int, col: int, text: str, confidence: float, file: str = "") -> None:
        self.kind, self.line, self.col, self.text, self.confidence = kind, line, col, text, confidence
        self.file = file

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "line": self.line, "column": self.col, "expression": self.text}


class Param:
    """A symbolic origin: "whatever the caller passes as parameter ``index``" (function summaries)."""

    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str) -> None:
        self.index, self.name = index, name


class Step:
    __slots__ = ("detail", "kind", "line", "path")

    def __init__(self, line: int, kind: str, detail: str, path: str | None = None) -> None:
        self.line, self.kind, self.detail, self.path = line, kind, detail, path

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "kind": self.kind, "detail": self.detail}
        if self.path:
            out["file"] = self.path
        return out


class Flow:
    __slots__ = ("cleared", "origin", "steps")

    def __init__(self, origin: Source | Param, steps: tuple[Step, ...], cleared: frozenset[str]) -> None:
        self.origin, self.steps, self.cleared = origin, steps, cleared

    def reaches(self, rule: str) -> bool:
        return rule not in self.cleared and "*" not in self.cleared


class Elems:
    """A container: known elements by constant key (index or dict key), plus ``rest`` for the unknown ones."""

    __slots__ = ("items", "rest", "seq")

    def __init__(self, items: dict[Any, Value], rest: Value = None, seq: bool = False) -> None:
        self.items, self.rest, self.seq = items, rest, seq


Flows = tuple[Flow, ...]
Value = Union[Flows, Elems, None]  # noqa: UP007 - used at run time by isinstance checks below


def flat(value: Value) -> Flows | None:
    """All flows in a value (a container is tainted if any element is)."""
    if value is None or type(value) is tuple:
        return value  # type: ignore[return-value]
    out: Flows | None = flat(value.rest)  # type: ignore[union-attr]
    for item in value.items.values():  # type: ignore[union-attr]
        f = flat(item)
        if f:
            out = merge_flows(out, f)
    return out


def merge_flows(a: Flows | None, b: Flows | None) -> Flows | None:
    if not a:
        return b
    if not b or a is b:
        return a
    out = list(a)
    for f in b:
        if len(out) >= MAX_FLOWS:
            break
        if all(g.origin is not f.origin or g.cleared != f.cleared for g in out):
            out.append(f)
    return tuple(out)


def join(a: Value, b: Value) -> Value:
    """The value after two branches meet: tainted if either is."""
    if a is None:
        return b
    if b is None or a is b:
        return a
    if type(a) is Elems and type(b) is Elems:
        keys = a.items.keys() | b.items.keys()
        return Elems(
            {k: join(a.items.get(k, a.rest), b.items.get(k, b.rest)) for k in keys},
            join(a.rest, b.rest),
            a.seq and b.seq,
        )
    return merge_flows(flat(a), flat(b))


def step(value: Value, new: Step) -> Value:
    """The same taint with one more path step."""
    flows = flat(value)
    if not flows:
        return None
    return tuple(Flow(f.origin, (*f.steps, new) if len(f.steps) < MAX_STEPS else f.steps, f.cleared) for f in flows)


def clean_for(value: Value, rules: frozenset[str]) -> Value:
    """The value after a sanitizer for ``rules``; fully cleaned flows disappear."""
    flows = flat(value)
    if not flows:
        return None
    if "*" in rules:
        return None
    return tuple(Flow(f.origin, f.steps, f.cleared | rules) for f in flows)
