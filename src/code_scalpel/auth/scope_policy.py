"""The authentication layer's :class:`~code_scalpel.tools.policy.ToolPolicy`.

``tools/list`` shows a principal only what it may call, and a call to
anything else is refused with a message naming the missing scope.  stdio's
``LOCAL`` principal holds every scope, so this policy is a no-op there.
"""

from __future__ import annotations

from code_scalpel.auth.authorization import check_tool
from code_scalpel.errors import NotAllowed
from code_scalpel.tools.base import ToolContext, ToolSpec


class ScopePolicy:
    def deny(self, tool: ToolSpec, ctx: ToolContext) -> NotAllowed | None:
        refusal = check_tool(ctx.principal, tool.name, tool.scope)
        if refusal is None:
            return None
        return NotAllowed(refusal.message, missing_scopes=list(refusal.missing_scopes), required_scope=tool.scope)
