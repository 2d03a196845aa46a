"""Read a JSON-RPC request body once, let every layer look at it, and replay it to the app.

Several layers (rate limit by tool cost, signature check, audit) need the body
before the MCP app reads it.  The first one buffers it into the request state;
the later ones reuse that copy, so the body is read from the socket once, and
parsed once (:func:`request_messages`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from code_scalpel.http.responses import Receive, Scope, state_of

#: Bodies larger than this are not buffered (the app's own size limit answers 413).
DEFAULT_MAX_PEEK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Any
    request_id: Any


async def peek_body(scope: Scope, receive: Receive, max_bytes: int = DEFAULT_MAX_PEEK) -> tuple[bytes | None, Receive]:
    """The request body (None when too large or not a POST) and a ``receive`` that replays it."""
    state = state_of(scope)
    if "body" in state:
        # An outer layer buffered it already; its replaying receive is the one we were given.
        return state["body"], receive
    if scope.get("type") != "http" or scope.get("method") != "POST" or state.get("body_too_large"):
        return None, receive
    chunks: list[bytes] = []
    size = 0
    more = True
    pending: list[dict[str, Any]] = []
    while more:
        message = await receive()
        if message["type"] != "http.request":
            pending.append(dict(message))  # a disconnect: hand it to the app after what we read
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = bool(message.get("more_body", False))
        if size > max_bytes and more:
            state["body_too_large"] = True
            return None, _replay(chunks, True, pending, receive)
    body = b"".join(chunks)
    if not pending:
        state["body"] = body
    return body, _replay([body], False, pending, receive)


def _replay(chunks: list[bytes], more_after: bool, pending: list[dict[str, Any]], receive: Receive) -> Receive:
    queue: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": more_after or i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    queue.extend(pending)

    async def replay() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        return await receive()

    return replay


def messages(body: bytes | None) -> list[dict[str, Any]]:
    """The JSON-RPC messages in a body (a single object or a batch); [] when it is not JSON-RPC."""
    if not body:
        return []
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    items = data if isinstance(data, list) else [data]
    return [m for m in items if isinstance(m, dict)]


def request_messages(scope: Scope, body: bytes | None) -> list[dict[str, Any]]:
    """:func:`messages` of the request body, parsed by the first layer that asks (up to 4 MB of JSON)."""
    state = state_of(scope)
    if body is None or state.get("body") is not body:
        return messages(body)
    parsed = state.get("messages")
    if parsed is None:
        parsed = state["messages"] = messages(body)
    return parsed


def tool_calls(parsed: list[dict[str, Any]]) -> list[ToolCall]:
    calls = []
    for message in parsed:
        if message.get("method") != "tools/call":
            continue
        params = message.get("params")
        if not isinstance(params, dict) or not isinstance(params.get("name"), str):
            continue
        calls.append(ToolCall(params["name"], params.get("arguments"), message.get("id")))
    return calls


def first_request_id(parsed: list[dict[str, Any]]) -> Any:
    for message in parsed:
        if "id" in message:
            return message["id"]
    return None
