"""Give every request an id: ``X-Request-Id`` on the response, in the audit line and in the log.

A sane incoming id (a proxy's or the client's) is kept so one id follows a
request across systems; anything else is replaced, so a client cannot smuggle
newlines or megabytes into our logs through it.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

from code_scalpel.http.responses import ASGIApp, Message, Receive, Scope, Send, header, state_of

HEADER = b"x-request-id"
#: The id of the request being served, for log lines written anywhere below this middleware.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}$")


def new_request_id() -> str:
    return secrets.token_hex(16)


def accept_request_id(value: str | None) -> str:
    return value if value is not None and _SANE.match(value) else new_request_id()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, trust_incoming: bool = True) -> None:
        self.app = app
        self.trust_incoming = trust_incoming

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = header(scope, HEADER) if self.trust_incoming else None
        request_id = accept_request_id(incoming)
        state_of(scope)["request_id"] = request_id
        token = current_request_id.set(request_id)
        raw = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != HEADER]
                headers.append((HEADER, raw))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
