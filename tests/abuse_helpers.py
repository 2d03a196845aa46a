"""Shared test helpers for the abuse-control layer: a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from code_scalpel.auth.principal import Principal


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on an ephemeral loopback port in a thread; yield its base URL.

    ``proxy_headers=False``: uvicorn would otherwise trust X-Forwarded-For from 127.0.0.1 itself
    (taking even garbage as the client); our ClientAddressMiddleware is the one place that decides.
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def echo_app() -> Starlette:
    """A tiny JSON-RPC-ish app: answers with what the security layers left in the request state."""

    async def mcp(request: Request) -> JSONResponse:
        body = await request.body()
        state = request.scope.get("state", {})
        principal = state.get("principal")
        try:
            message = json.loads(body) if body else {}
        except ValueError:
            message = {}
        result = {
            "client_ip": state.get("client_ip"),
            "scope_client": request.client.host if request.client else None,
            "request_id": state.get("request_id"),
            "principal": principal.public() if principal else None,
            "body_len": len(body),
        }
        return JSONResponse(
            {"jsonrpc": "2.0", "id": message.get("id") if isinstance(message, dict) else None, "result": result}
        )

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/mcp", mcp, methods=["GET", "POST"]), Route("/healthz", health)])


class FakeBearerAuth:
    """A minimal stand-in for the auth layer (issue 4): ``Bearer good-<name>`` → a principal, else 401.

    It only exists so the limiter and audit can be tested before the real auth middleware lands;
    it follows the same contract (principal at scope["state"]["principal"], 401 on a bad credential).
    """

    def __init__(self, app: Any, rate_limits: dict[str, str] | None = None, require_signature: set[str] = frozenset()):
        self.app = app
        self.rate_limits = rate_limits or {}
        self.require_signature = require_signature

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        if not auth.startswith("Bearer good-"):
            scope.setdefault("state", {})["auth_failure"] = "invalid_token" if auth else "missing"
            body = b'{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"authentication required"}}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        name = auth.removeprefix("Bearer good-")
        scope.setdefault("state", {})["principal"] = Principal(
            method="apikey",
            subject=name,
            name=name,
            scopes=frozenset({"tools:read"}),
            key_id=name,
            rate_limit=self.rate_limits.get(name),
            extra={"require_signature": name in self.require_signature},
        )
        await self.app(scope, receive, send)


def tool_call(name: str, arguments: dict[str, Any] | None = None, rid: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": {"name": name, "arguments": arguments or {}}}
