"""DNS-rebinding protection: refuse requests for a Host we do not serve, or from a foreign Origin.

A browser page on an attacker's domain can resolve that domain to 127.0.0.1
and talk to a local server; the Host header then names the attacker's domain,
which is why it is checked on every request (421), and why a present Origin
must be one we trust (403).  Requests without an Origin (non-browser clients)
pass the Origin check.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from code_scalpel.http.responses import send_error

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _split_host(value: str) -> tuple[str, str | None]:
    """``"[::1]:8080"`` → ``("::1", "8080")``; names are lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            return value, None
        port = value[end + 2 :] if value[end + 1 : end + 2] == ":" else None
        return value[1:end], port or None
    if value.count(":") == 1:
        name, port = value.split(":")
        return name, port or None
    return value, None


class HostOriginMiddleware:
    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        # An entry without a port admits any port; with one, only that port.
        self.hosts = {_split_host(h) for h in (*LOOPBACK_NAMES, *allowed_hosts)}
        self.host_names = {name for name, port in self.hosts if port is None}
        self.origins = {o.rstrip("/").lower() for o in allowed_origins}

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name, port = _split_host(host)
        return name in self.host_names or (name, port) in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            return False
        # The server's own origins (loopback and configured host names) are same-site, not foreign.
        return self.host_allowed(parts.netloc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.host_allowed(headers.get("host")):
            await send_error(
                send, 421, "Host header not allowed; start the server with --allowed-host NAME to serve that name"
            )
            return
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin):
            await send_error(send, 403, "Origin not allowed; add it with --allowed-origin ORIGIN if it is trusted")
            return
        await self.app(scope, receive, send)
