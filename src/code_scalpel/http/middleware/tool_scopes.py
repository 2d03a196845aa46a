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

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from code_scalpel.auth.authorization import check_tool
from code_scalpel.auth.principal import SCOPES, Principal, principal_of
from code_scalpel.http.middleware.authentication import send_auth_error

#: Bodies larger than this are not inspected here (the body-size limit sits earlier in the stack).
MAX_INSPECT_BYTES = 4 * 1024 * 1024
_ERROR_MARKERS = (b'"isError":true', b'"isError": true', b'"error":{', b'"error": {')


def _tool_calls(body: bytes) -> list[str]:
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    messages = message if isinstance(message, list) else [message]
    names = []
    for item in messages:
        if isinstance(item, dict) and item.get("method") == "tools/call":
            params = item.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            if isinstance(name, str):
                names.append(name)
    return names


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
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away while we read; let the app see the same thing.
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_INSPECT_BYTES:
                break
        body = b"".join(chunks)
        names = _tool_calls(body) if not more else []
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
            await self.app(scope, _replay(chunks, None, receive, more), send)
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
            await self.app(scope, _replay(chunks, None, receive, more), watching_send)
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


def _replay(chunks: list[bytes], final: Message | None, receive: Receive, more: bool = False) -> Receive:
    """A ``receive`` that first hands back what was already read."""
    pending: list[Message] = [
        {"type": "http.request", "body": c, "more_body": more or i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    if final is not None:
        pending.append(final)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
