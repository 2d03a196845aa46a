"""What every tool call needs from the running server, in one object.

Features plug in here rather than into the tools: authentication adds a scope
policy, licensing adds a tier policy and supplies the limits and the stamp
every result carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from code_scalpel import __version__
from code_scalpel.auth.principal import Principal
from code_scalpel.errors import NotAllowed
from code_scalpel.sandbox import Sandbox
from code_scalpel.server.call_guard import CallGuard

if TYPE_CHECKING:
    from code_scalpel.audit.log import AuditLog
from code_scalpel.tool_limits import DEFAULT_LIMITS, ToolLimits
from code_scalpel.tools.base import ToolContext, ToolSpec
from code_scalpel.tools.policy import ToolPolicy


@dataclass
class Runtime:
    sandbox: Sandbox
    tools: dict[str, ToolSpec]
    data_dir: Path | None = None
    transport: str = "stdio"
    tls: bool = False
    policies: list[ToolPolicy] = field(default_factory=list)
    limits_provider: Callable[[], ToolLimits] = lambda: DEFAULT_LIMITS
    stamp_provider: Callable[[], dict[str, Any]] = dict
    #: Per-principal concurrency and per-tool time budgets (server/call_guard.py); None runs calls unguarded.
    call_guard: CallGuard | None = None
    #: The audit log for tool calls on stdio (HTTP requests are audited by the HTTP layer); None: off.
    audit_log: AuditLog | None = None
    #: Extra sections for get_capabilities (licensing adds its own), each a ``() -> dict``.
    capability_sections: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)

    def context(self, principal: Principal) -> ToolContext:
        ctx = ToolContext(
            sandbox=self.sandbox,
            limits=self.limits_provider(),
            principal=principal,
            data_dir=self.data_dir,
            stamp=self.stamp_provider(),
        )
        ctx.describe_server = lambda: self.describe(ctx)
        return ctx

    def describe(self, ctx: ToolContext) -> dict[str, Any]:
        return {
            "server": {"name": "code-scalpel", "version": __version__},
            "transport": self.transport,
            "transports": ["stdio", "streamable-http", "sse"],
            "tls": self.tls,
            "roots": [str(r) for r in self.sandbox.roots],
            "tools": [name for name, spec in self.tools.items() if self.denial(spec, ctx) is None],
            "limits": ctx.limits.as_dict(),
            **{name: section() for name, section in self.capability_sections.items()},
        }

    def denial(self, tool: ToolSpec, ctx: ToolContext) -> NotAllowed | None:
        for policy in self.policies:
            refusal = policy.deny(tool, ctx)
            if refusal is not None:
                return refusal
        return None
