"""``--allow-ip`` / ``--deny-ip``: refuse client addresses before any credential is looked at.

Runs after :mod:`client_address`, so behind a trusted proxy it filters the
real client, not the proxy.  A deny entry wins over an allow entry; with an
allowlist, anything not on it (including an address we could not parse) is
refused.  The 403 says nothing about the lists themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from code_scalpel.http.middleware.client_address import in_networks, parse_ip, parse_networks
from code_scalpel.http.responses import ASGIApp, Receive, Scope, Send, send_jsonrpc_error, state_of

FORBIDDEN_MESSAGE = "access from this network address is not permitted"


class IPFilterMiddleware:
    def __init__(self, app: ASGIApp, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> None:
        self.app = app
        self.allow = parse_networks(allow, "--allow-ip")
        self.deny = parse_networks(deny, "--deny-ip")

    def permits(self, address: str | None) -> bool:
        ip = parse_ip(address) if address else None
        if ip is None:
            return not self.allow
        if in_networks(ip, self.deny):
            return False
        return not self.allow or in_networks(ip, self.allow)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or (not self.allow and not self.deny):
            await self.app(scope, receive, send)
            return
        state = state_of(scope)
        client = scope.get("client")
        address = state.get("client_ip") or (client[0] if client else None)
        if self.permits(address):
            await self.app(scope, receive, send)
            return
        state["refused"] = "ip_filter"
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send_jsonrpc_error(send, 403, -32003, FORBIDDEN_MESSAGE)
