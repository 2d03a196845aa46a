"""Refuse a ``tools/call`` the principal may not make with a real HTTP 403.

The MCP-level policy would refuse it too, but only as a JSON-RPC error inside
a 200; OAuth clients need ``403`` + ``WWW-Authenticate: Bearer
error="insufficient_scope", scope="…"`` to step up their authorization.  So
this middleware reads the JSON-RPC body of a POST to the Streamable HTTP
endpoint, checks every ``tools/call`` in it (batches included) against a
table of tool name → required scope, and replays the body to the app.  It
knows nothing of the tools themselves: the app assembly hands it the table.
Legacy SSE answers over the event stream, so there the MCP-level refusal is
the one the client sees.

It also counts tool calls per principal (``on_call``) for usage statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from code_scalpel.auth.authorization import check_tool
from code_scalpel.auth.principal import SCOPES, Principal, principal_of
from code_scalpel.http import jsonrpc_peek
from code_scalpel.http.middleware.authentication import send_auth_error
from code_scalpel.http.responses import state_of

_ERROR_MARKERS = (b'"isError":true', b'"isError": true', b'"error":{', b'"error": {')


class ToolScopeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        tool_scopes: Mapping[str, str],
        *,
        challenge: Callable[[str, str, str], str] | None = None,
        paths: tuple[str, ...] = ("/mcp", "/mcp/"),
        on_call: Callable[[Principal, str, bool], None] | None = None,
    ) -> None:
        self.app = app
        self.tool_scopes = dict(tool_scopes)
        self.challenge = challenge
        self.paths = paths
        self.on_call = on_call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = principal_of(scope) if scope["type"] == "http" else None
        if principal is None or scope["method"] != "POST" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        body, receive = await jsonrpc_peek.peek_body(scope, receive)
        if "body" not in state_of(scope):
            # Too large to inspect (the body limit answers), or the client went away while it was read.
            await self.app(scope, receive, send)
            return
        names = [call.name for call in jsonrpc_peek.tool_calls(jsonrpc_peek.request_messages(scope, body))]
        refusals = [
            r
            for r in (check_tool(principal, n, self.tool_scopes[n]) for n in names if n in self.tool_scopes)
            if r is not None
        ]
        if refusals:
            await self._refuse(send, principal, names, refusals)
            return
        counted = [n for n in names if n in self.tool_scopes]  # unknown names would only bloat the usage table
        if not counted or self.on_call is None:
            await self.app(scope, receive, send)
            return
        # Usage: a call counts as an error when the answer is an HTTP error, a JSON-RPC error or a tool
        # result with isError — looked for in the response as it streams by, never buffered.
        failed = False

        async def watching_send(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start":
                failed = failed or message["status"] >= 400
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                failed = failed or any(marker in chunk for marker in _ERROR_MARKERS)
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            for name in counted:
                self.on_call(principal, name, failed)

    async def _refuse(self, send: Send, principal: Principal, names: list[str], refusals: list[Any]) -> None:
        missing = sorted({s for r in refusals for s in r.missing_scopes}, key=SCOPES.index)
        needed = sorted({self.tool_scopes[n] for n in names if n in self.tool_scopes} | set(missing), key=SCOPES.index)
        description = "; ".join(r.message for r in refusals)
        if self.on_call is not None:
            for r in refusals:
                self.on_call(principal, r.tool, True)
        challenge = self.challenge("insufficient_scope", description, " ".join(needed)) if self.challenge else None
        body = {
            "error": "insufficient_scope",
            "error_description": description,
            "missing_scopes": missing,
            "required_scopes": needed,
        }
        await send_auth_error(send, 403, body, challenge)
