"""Parameters and one-line signatures, written from the source text of each part."""

from __future__ import annotations

import ast
from typing import Any

from code_scalpel.analysis.source import SourceText


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` with its whitespace runs collapsed; shortened with '…' past ``limit`` characters."""
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def parameters(args: ast.arguments, src: SourceText) -> list[dict[str, Any]]:
    """Each parameter: name, kind (as ``inspect.Parameter.kind``, lower case), annotation, default."""
    out: list[dict[str, Any]] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for i, arg in enumerate(positional):
        kind = "positional_only" if i < len(args.posonlyargs) else "positional_or_keyword"
        out.append(_param(arg, kind, defaults[i], src))
    if args.vararg is not None:
        out.append(_param(args.vararg, "var_positional", None, src))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_param(arg, "keyword_only", default, src))
    if args.kwarg is not None:
        out.append(_param(args.kwarg, "var_keyword", None, src))
    return out


def _param(arg: ast.arg, kind: str, default: ast.expr | None, src: SourceText) -> dict[str, Any]:
    return {
        "name": arg.arg,
        "kind": kind,
        "annotation": one_line(src.segment(arg.annotation)) if arg.annotation is not None else None,
        "default": one_line(src.segment(default)) if default is not None else None,
    }


def format_parameters(params: list[dict[str, Any]], default_limit: int | None = None) -> str:
    parts: list[str] = []
    seen_keyword_only = False
    for i, p in enumerate(params):
        kind = p["kind"]
        if kind == "keyword_only" and not seen_keyword_only:
            seen_keyword_only = True
            if not any(q["kind"] == "var_positional" for q in params):
                parts.append("*")
        prefix = {"var_positional": "*", "var_keyword": "**"}.get(kind, "")
        text = prefix + p["name"]
        if p["annotation"] is not None:
            text += f": {p['annotation']}"
        if p["default"] is not None:
            default = one_line(p["default"], default_limit)
            text += f" = {default}" if p["annotation"] is not None else f"={default}"
        parts.append(text)
        if kind == "positional_only" and (i + 1 == len(params) or params[i + 1]["kind"] != "positional_only"):
            parts.append("/")
    return ", ".join(parts)


def type_params(node: ast.AST, src: SourceText) -> str:
    """``[T, *Ts]`` for PEP 695 generics (3.12+), else empty."""
    params = getattr(node, "type_params", None)
    if not params:
        return ""
    return "[" + ", ".join(one_line(src.segment(p)) for p in params) + "]"


def function_signature(
    node: ast.FunctionDef | ast.AsyncFunctionDef, src: SourceText, default_limit: int | None = None
) -> str:
    head = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    text = f"{head} {node.name}{type_params(node, src)}({format_parameters(parameters(node.args, src), default_limit)})"
    if node.returns is not None:
        text += f" -> {one_line(src.segment(node.returns))}"
    return text + ":"


def class_signature(node: ast.ClassDef, src: SourceText) -> str:
    args = [one_line(src.segment(b)) for b in node.bases]
    args += [
        f"{k.arg}={one_line(src.segment(k.value))}" if k.arg else f"**{one_line(src.segment(k.value))}"
        for k in node.keywords
    ]
    inside = f"({', '.join(args)})" if args else ""
    return f"class {node.name}{type_params(node, src)}{inside}:"


def first_doc_line(node: ast.AST) -> str | None:
    try:
        doc = ast.get_docstring(node, clean=True)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not doc:
        return None
    for line in doc.splitlines():
        if line.strip():
            return line.strip()
    return None
