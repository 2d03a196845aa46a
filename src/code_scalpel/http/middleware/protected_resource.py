"""Serve the OAuth Protected Resource Metadata (RFC 9728).

At ``/.well-known/oauth-protected-resource`` and at the path-suffixed form
for the resource's own path (``…/mcp``), which MCP clients try first.  The
document is public; it names the authorization server, nothing secret.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

WELL_KNOWN = "/.well-known/oauth-protected-resource"


class ProtectedResourceMetadataMiddleware:
    def __init__(self, app: ASGIApp, metadata: dict[str, Any]) -> None:
        self.app = app
        self.body = json.dumps(metadata).encode()
        suffix = urlsplit(metadata["resource"]).path.rstrip("/")
        self.paths = {WELL_KNOWN, WELL_KNOWN + suffix}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            status, body, extra = 405, b'{"error":"method_not_allowed"}', [(b"allow", b"GET, HEAD")]
        else:
            status, body, extra = 200, self.body, [(b"cache-control", b"public, max-age=300")]
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
