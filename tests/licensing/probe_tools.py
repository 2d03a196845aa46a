"""Tools for the end-to-end licensing tests, named as tier-table tools.

The server under test offers only these (plus the real ``get_capabilities``),
so the tests do not depend on which analysis tools have landed; what they
exercise — the tier policy, the limits each call gets, the stamp and the
decoration of a cut result — is the real server code.
"""

from __future__ import annotations

from typing import Any

from code_scalpel.tools.base import Args, ToolContext, ToolSpec


class CountArgs(Args):
    count: int = 10


class FileArgs(Args):
    file_path: str


class NoArgs(Args):
    pass


def references(args: CountArgs, ctx: ToolContext) -> dict[str, Any]:
    # The limit comes from the context, i.e. from the tier in force for this call.
    cap = ctx.limits.max_references
    kept = list(range(min(args.count, cap)))
    result: dict[str, Any] = {"references": kept, "total": args.count, "truncated": args.count > cap}
    if result["truncated"]:
        result["limit"] = "max_references"
    return result


def read_file(args: FileArgs, ctx: ToolContext) -> dict[str, Any]:
    text, _ = ctx.source(None, args.file_path)  # sandbox + max_file_bytes
    return {"chars": len(text)}


def ok(_: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    return {"ok": True}


def _spec(name: str, args: type[Args], run: Any) -> ToolSpec:
    return ToolSpec(
        name=name,
        title=name,
        description=f"licensing probe standing in for {name}",
        args=args,
        output_schema={"type": "object"},
        run=run,
        summarize=lambda r: str(sorted(r)),
    )


TOOLS = [
    _spec("get_symbol_references", CountArgs, references),
    _spec("get_file_context", FileArgs, read_file),
    _spec("crawl_project", NoArgs, ok),
    _spec("cross_file_security_scan", NoArgs, ok),
]
