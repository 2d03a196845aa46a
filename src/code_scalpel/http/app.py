"""The HTTP application: every request's path through the security layer, top to bottom.

The list in :func:`build_http_app` reads in the order a request meets it: the
outermost check first.  Each middleware is one file in ``middleware/`` and
knows nothing of the others or of the tools behind them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from code_scalpel import __version__
from code_scalpel.auth.setup import AuthSetup
from code_scalpel.config import ServerConfig
from code_scalpel.http.abuse_stack import build_abuse_controls
from code_scalpel.http.middleware.authentication import AuthenticationMiddleware
from code_scalpel.http.middleware.body_limit import BodyLimitMiddleware
from code_scalpel.http.middleware.host_origin import HostOriginMiddleware
from code_scalpel.http.middleware.protected_resource import ProtectedResourceMetadataMiddleware
from code_scalpel.http.middleware.tool_scopes import ToolScopeMiddleware
from code_scalpel.server.runtime import Runtime

MCP_PATH = "/mcp"
SSE_PATH = "/sse"
MESSAGES_PATH = "/messages/"


def build_http_app(
    config: ServerConfig, runtime: Runtime, server: Server[Any], auth: AuthSetup | None = None
) -> Starlette:
    max_body = runtime.limits_provider().max_request_bytes
    sessions = StreamableHTTPSessionManager(app=server, max_request_body_size=max_body)
    sse = SseServerTransport(MESSAGES_PATH, max_request_body_size=max_body)

    async def sse_stream(request: Request) -> Response:
        async with sse.connect_sse(request.scope, request.receive, request._send) as (read, write):
            await server.run(read, write, server.create_initialization_options())
        return Response()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "version": __version__, "transport": runtime.transport, "tls": runtime.tls}
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with sessions.run():
            if auth is not None:
                auth.start()
            try:
                yield
            finally:
                if auth is not None:
                    auth.close()  # flushes the API key usage counters

    routes = [
        Route(MCP_PATH, endpoint=StreamableHTTPASGIApp(sessions), methods=["GET", "POST", "DELETE"]),
        Route(SSE_PATH, endpoint=sse_stream, methods=["GET"]),
        Mount(MESSAGES_PATH, app=sse.handle_post_message),
        Route("/healthz", endpoint=healthz, methods=["GET"]),
    ]
    if auth is not None and auth.keystore is not None:
        from code_scalpel.http.admin_keys import admin_keys_app

        routes.append(Mount("/admin/keys", app=admin_keys_app(auth.keystore, auth.chain.challenge)))
    bound = [config.host] if config.host not in ("0.0.0.0", "::") else []
    controls = build_abuse_controls(
        config,
        runtime.tools,
        runtime.data_dir,
        # Per-key signing secrets (keys created with --require-signature), derived by the key store.
        key_secrets=auth.keystore.secret_for if auth is not None and auth.keystore is not None else None,
        sessions=lambda: len(getattr(sessions, "_server_instances", {})),
        # The license tier's rate limit (read at start): the per-principal default and its ceiling.
        rate_ceiling=runtime.limits_provider().rate_limit,
    )
    middleware = [
        # 0. Request id, the real client address (trusted proxies), metrics: before anything can refuse.
        *controls.edge(),
        # 1. Is this request for us at all (DNS rebinding)?
        Middleware(
            HostOriginMiddleware,
            allowed_hosts=[*bound, *config.allowed_host],
            allowed_origins=config.allowed_origin,
        ),
        # 2. Refuse oversized bodies before anything buffers them.
        Middleware(BodyLimitMiddleware, max_bytes=max_body),
        # 2b. IP allow/deny lists, the audit log, the failed-authentication throttle (all before credentials).
        *controls.before_auth(),
    ]
    if auth is not None:
        if auth.oauth is not None:
            # 3. The OAuth discovery document (RFC 9728), public.
            middleware.append(Middleware(ProtectedResourceMetadataMiddleware, metadata=auth.oauth.resource_metadata()))
        middleware += [
            # 4. Who is calling? 400/401/431/503 here; the principal goes to scope["state"].
            Middleware(AuthenticationMiddleware, chain=auth.chain),
            # 5. May they call the tool they ask for? A real 403 insufficient_scope for Streamable HTTP.
            Middleware(
                ToolScopeMiddleware,
                tool_scopes={name: spec.scope for name, spec in runtime.tools.items()},
                challenge=auth.chain.challenge,
                paths=(MCP_PATH,),
                on_call=auth.record_call,
            ),
        ]
    # 6. Signed requests, rate limits (the principal is known now), /metrics for admin credentials.
    middleware += controls.after_auth()
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
