"""Error responses the HTTP layer sends before a request reaches MCP.

They are JSON-RPC error objects without an id (what the MCP transport
specification allows for a refused HTTP request), so an MCP client can show
the message, and ``curl`` users can read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import Send

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
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
