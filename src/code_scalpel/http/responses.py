"""Error responses the HTTP layer sends before a request reaches MCP, and small ASGI helpers.

They are JSON-RPC error objects without an id (what the MCP transport
specification allows for a refused HTTP request), so an MCP client can show
the message, and ``curl`` users can read it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: JSON-RPC "invalid request"; the HTTP status carries the finer meaning.
INVALID_REQUEST = -32600


async def send_error(
    send: Send,
    status: int,
    message: str,
    *,
    code: int = INVALID_REQUEST,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """A refusal with no request id; ``headers`` as text pairs."""
    await send_jsonrpc_error(
        send, status, code, message, headers=[(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    )


def state_of(scope: Scope) -> dict[str, Any]:
    """The per-request state dict every layer shares (created on first use)."""
    state = scope.get("state")
    if not isinstance(state, dict):
        state = scope["state"] = {}
    return state


def client_ip(scope: Scope) -> str:
    """The client address every layer reports: the resolved one (behind trusted proxies), else the peer."""
    client = scope.get("client")
    return str(state_of(scope).get("client_ip") or (client[0] if client else "unknown"))


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
