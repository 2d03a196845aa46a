"""The one identity every authentication method produces.

Authorization, rate limits, usage counters and the audit log read this, never
the raw credential.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Scopes a principal may hold; ``admin`` implies all the others.
SCOPES = ("tools:read", "tools:security", "tools:write", "admin")


@dataclass(frozen=True)
class Principal:
    method: str  # "token" | "apikey" | "oauth" | "mtls" | "anonymous" | "stdio"
    subject: str
    name: str = ""
    scopes: frozenset[str] = frozenset()
    expires_at: float | None = None
    key_id: str | None = None
    #: When set, the only tools this principal may call.
    tools: frozenset[str] | None = None
    #: Per-principal rate limit override in ``limits`` notation (e.g. "120/minute").
    rate_limit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def may_call(self, tool: str) -> bool:
        return self.tools is None or tool in self.tools

    def public(self) -> dict[str, Any]:
        """What may be shown in logs and results: never a credential."""
        return {"method": self.method, "subject": self.subject, "name": self.name, "key_id": self.key_id}


#: Who calls over stdio: the client spawned this process, so it holds every scope.
LOCAL = Principal(method="stdio", subject="local", name="local", scopes=frozenset(SCOPES))
#: Who calls over HTTP when no authentication is configured.
ANONYMOUS = Principal(method="anonymous", subject="anonymous", name="anonymous", scopes=frozenset(SCOPES))


def principal_of(scope: dict[str, Any]) -> Principal | None:
    """The principal an HTTP middleware attached to this ASGI scope, if any."""
    state = scope.get("state")
    return state.get("principal") if isinstance(state, dict) else None
