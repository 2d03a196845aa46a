"""Answer malformed stdio input instead of dropping it.

The SDK's stdio transport hands a line it cannot read to the dispatcher as an
exception, which is logged at debug level and otherwise ignored: the client
waits forever for an answer.  JSON-RPC says a parse error gets -32700 and an
invalid request -32600, so this filter sits between the transport and the
server and writes those answers.
"""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def _error_for(exc: Exception) -> types.JSONRPCError:
    request_id: Any = None
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
            return types.JSONRPCError(
                jsonrpc="2.0",
                id=None,
                error=types.ErrorData(
                    code=PARSE_ERROR, message=f"Parse error: {detail}; send one JSON object per line"
                ),
            )
        # Some union branch saw the whole message; answer with its id when it has a usable one.
        for error in errors:
            whole = error["input"]
            if isinstance(whole, dict) and isinstance(whole.get("id"), str | int):
                request_id = whole["id"]
                break
    return types.JSONRPCError(
        jsonrpc="2.0",
        id=request_id,
        error=types.ErrorData(
            code=INVALID_REQUEST,
            message="Invalid Request: expected a JSON-RPC 2.0 request, notification or response object "
            "(with an object or array for params)",
        ),
    )


async def guard_stdio(read: Any, write: Any, serve: Any) -> None:
    """Run ``serve(filtered_read, write)``, answering unreadable lines on ``write`` itself."""
    send, receive = anyio.create_memory_object_stream[SessionMessage](32)

    async def pump() -> None:
        async with send:
            async for item in read:
                if isinstance(item, Exception):
                    await write.send(SessionMessage(_error_for(item)))
                else:
                    await send.send(item)

    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        await serve(receive, write)
        tg.cancel_scope.cancel()
