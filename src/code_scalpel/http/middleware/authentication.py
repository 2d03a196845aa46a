"""Authenticate every HTTP request; attach the principal or answer 400/401/431/503.

Pure ASGI.  On success the principal goes to ``scope["state"]["principal"]``
(what the rest of the server reads) and an SDK ``AuthenticatedUser`` goes to
``scope["user"]``: the MCP SDK's Streamable HTTP session manager and SSE
transport bind each session to that user, so a session id presented under
another principal answers 404 exactly as an unknown one does.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

from code_scalpel.auth.authenticators import AuthChain, AuthFailure
from code_scalpel.auth.principal import Principal
from code_scalpel.http.responses import client_ip

#: Paths served without credentials: liveness and the OAuth discovery document.
DEFAULT_EXEMPT = ("/healthz", "/.well-known/oauth-protected-resource")


def session_user(principal: Principal) -> AuthenticatedUser:
    """The SDK's user object for ``principal``; holds no credential, only who it is."""
    return AuthenticatedUser(
        AccessToken(
            token="",  # the SDK never needs the credential, so it is not kept around
            client_id=principal.method,
            scopes=sorted(principal.scopes),
            expires_at=int(principal.expires_at) if principal.expires_at else None,
            subject=principal.subject,
            claims={"iss": principal.extra.get("iss") or principal.method},
        )
    )


async def send_auth_error(send: Send, status: int, body: dict[str, Any], challenge: str | None) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if challenge:
        headers.append((b"www-authenticate", challenge.encode("latin-1", "replace")))
    if status == 503:
        headers.append((b"retry-after", b"10"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, chain: AuthChain, *, exempt: tuple[str, ...] = DEFAULT_EXEMPT) -> None:
        self.app = app
        self.chain = chain
        self.exempt = exempt

    def _is_exempt(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._is_exempt(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.chain.authenticate(scope)
        except AuthFailure as failure:
            self.chain.failures.record(client_ip(scope), failure, scope.get("path", ""))
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            challenge = None
            if failure.status in (400, 401):
                challenge = self.chain.challenge(failure.error, failure.description if failure.error else None)
            body = {
                "error": failure.error
                or (
                    "unauthorized"
                    if failure.status == 401
                    else "unavailable"
                    if failure.status == 503
                    else "invalid_request"
                ),
                "error_description": failure.description,
            }
            await send_auth_error(send, failure.status, body, challenge)
            return
        scope.setdefault("state", {})["principal"] = principal
        scope["user"] = session_user(principal)
        scope["auth"] = AuthCredentials(sorted(principal.scopes))
        await self.app(scope, receive, send)
