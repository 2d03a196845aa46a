"""``/metrics`` in Prometheus format, and the counters behind it.

:class:`MetricsMiddleware` sits near the top of the stack (after the request
id and client address) and records every request: by endpoint and status,
latency, authentication failures by reason, rate-limited requests, tool calls
by tool and outcome (read from what the audit layer left in the request
state).  It answers ``/metrics`` itself only for a loopback client; anything
else goes down the stack to :class:`MetricsEndpoint`, placed after
authentication, which answers only a principal holding the ``admin`` scope.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from code_scalpel.auth.principal import principal_of
from code_scalpel.http.responses import ASGIApp, Message, Receive, Scope, Send, send_jsonrpc_error, state_of

METRICS_PATH = "/metrics"
ENDPOINTS = ("/mcp", "/sse", "/messages/", "/healthz", METRICS_PATH, "/.well-known/")
_ERROR_PARAM = re.compile(r'error="([a-z_]+)"')


def endpoint_of(path: str) -> str:
    """A bounded label: the known endpoint a path belongs to, or ``other``."""
    for endpoint in ENDPOINTS:
        if path == endpoint or (endpoint.endswith("/") and path.startswith(endpoint)) or path == endpoint.rstrip("/"):
            return endpoint
    return "other"


class Metrics:
    def __init__(self, tools: Iterable[str] = (), sessions: Callable[[], int] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.tools = frozenset(tools)
        r = self.registry
        self.requests = Counter(
            "codescalpel_http_requests", "HTTP requests by endpoint and status", ["endpoint", "status"], registry=r
        )
        self.latency = Histogram(
            "codescalpel_http_request_duration_seconds",
            "Time to the end of the response, by endpoint",
            ["endpoint"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.tool_calls = Counter(
            "codescalpel_tool_calls", "Tool calls by tool and outcome", ["tool", "outcome"], registry=r
        )
        self.auth_failures = Counter(
            "codescalpel_auth_failures", "Refused authentications by reason", ["reason"], registry=r
        )
        self.rate_limited = Counter(
            "codescalpel_rate_limited_requests", "Requests refused by a rate limit, by policy", ["policy"], registry=r
        )
        self.open_streams = 0
        self.sessions = Gauge(
            "codescalpel_active_sessions", "Open MCP sessions (Streamable HTTP) and SSE streams", registry=r
        )
        self._sessions_provider = sessions
        self.sessions.set_function(self._count_sessions)

    def _count_sessions(self) -> float:
        base = self._sessions_provider() if self._sessions_provider else 0
        return float(base + self.open_streams)

    def tool_label(self, name: str) -> str:
        return name if name in self.tools else "other"

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def record(self, path: str, status: int, seconds: float, state: dict[str, Any], www_auth: str | None) -> None:
        endpoint = endpoint_of(path)
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)
        if status == 429 or state.get("refused") in ("rate_limit", "auth_throttle"):
            self.rate_limited.labels(str(state.get("rate_limited_policy") or "unknown")[:32]).inc()
        if status == 401 or (status == 403 and state.get("refused") != "ip_filter"):
            reason = state.get("auth_failure")
            if not reason:
                m = _ERROR_PARAM.search(www_auth or "")
                reason = m.group(1) if m else ("missing_credentials" if status == 401 else "forbidden")
            self.auth_failures.labels(str(reason)[:48]).inc()
        elif state.get("refused") == "ip_filter":
            self.auth_failures.labels("ip_refused").inc()
        for tool, outcome in state.get("tool_outcomes", ()):
            self.tool_calls.labels(self.tool_label(tool), outcome).inc()


def _is_loopback(address: Any) -> bool:
    try:
        return ipaddress.ip_address(str(address)).is_loopback
    except ValueError:
        return False


async def _serve(metrics: Metrics, send: Send) -> None:
    body = metrics.render()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = state_of(scope)
        path = str(scope.get("path", ""))
        status = 0
        www_auth: str | None = None
        stream = scope.get("method") == "GET" and path in ("/sse", "/mcp")

        async def recording_send(message: Message) -> None:
            nonlocal status, www_auth
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    if name.lower() == b"www-authenticate":
                        www_auth = value.decode("latin-1")
                if stream and status == 200:
                    self.metrics.open_streams += 1
            await send(message)

        try:
            if path == METRICS_PATH and _is_loopback(state.get("client_ip")):
                status = 200
                await _serve(self.metrics, send)
            else:
                await self.app(scope, receive, recording_send)
        finally:
            if stream and status == 200:
                self.metrics.open_streams -= 1
            self.metrics.record(path, status or 500, time.perf_counter() - started, state, www_auth)


class MetricsEndpoint:
    """Serves ``/metrics`` to an authenticated ``admin`` principal (place it after authentication)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != METRICS_PATH:
            await self.app(scope, receive, send)
            return
        principal = principal_of(scope)
        if principal is None or principal.method == "anonymous" or not principal.has_scope("admin"):
            state_of(scope)["auth_failure"] = "insufficient_scope"
            await send_jsonrpc_error(
                send, 403, -32003, "metrics are served to loopback clients or to a credential with the admin scope"
            )
            return
        await _serve(self.metrics, send)
