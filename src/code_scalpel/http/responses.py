"""Small ASGI helpers the security middlewares share to answer a request themselves."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def state_of(scope: Scope) -> dict[str, Any]:
    """The per-request state dict every layer shares (created on first use)."""
    state = scope.get("state")
    if not isinstance(state, dict):
        state = scope["state"] = {}
    return state


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, decoded as latin-1 (HTTP's byte-preserving view)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def headers_all(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]


async def send_jsonrpc_error(
    send: Send,
    status: int,
    code: int,
    message: str,
    *,
    request_id: Any = None,
    data: dict[str, Any] | None = None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer with a real HTTP status and a JSON-RPC error body, so both HTTP and MCP clients understand."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data:
        error["data"] = data
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
