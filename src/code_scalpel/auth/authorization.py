"""Per-tool authorization from the principal: scopes, then an optional tool allowlist.

Shared by the MCP-level policy (tools/list filtering, JSON-RPC refusals) and
the HTTP-level check (a real 403 for a tools/call), so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from code_scalpel.auth.principal import Principal


@dataclass(frozen=True)
class Refusal:
    tool: str
    #: Scopes the call needs that the principal lacks (empty when the tool allowlist refused it).
    missing_scopes: tuple[str, ...]
    message: str


def check_tool(principal: Principal, tool: str, required_scope: str) -> Refusal | None:
    if not principal.has_scope(required_scope):
        return Refusal(
            tool,
            (required_scope,),
            f"tool {tool!r} needs the scope {required_scope!r}, which this credential lacks; "
            "use a key or token that grants it",
        )
    if not principal.may_call(tool):
        allowed = ", ".join(sorted(principal.tools or ())) or "no tools"
        return Refusal(tool, (), f"this credential may not call {tool!r}; it is limited to: {allowed}")
    return None
