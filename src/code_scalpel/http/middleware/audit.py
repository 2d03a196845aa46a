"""Write one audit line per authentication decision and per tool call.

Placed after the request id and client address, before the IP filter and
authentication, so it sees every outcome: refused (IP filter, throttle),
denied (401/403), rate limited (429) or answered.  A ``tools/call`` produces
one ``tool_call`` line per call (its outcome read from the JSON-RPC answer);
any other request produces one ``auth`` line.  With no log (``audit=None``)
it still works out tool outcomes for the metrics.  Long-lived GET streams are
logged when they open, everything else when the response is complete.

Never logged: credentials (the principal's public id only), code bodies (an
argument digest, argument names and paths only), raw headers.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from code_scalpel.audit.log import AuditLog
from code_scalpel.audit.redact import clean, digest_arguments
from code_scalpel.auth.principal import principal_of
from code_scalpel.http import jsonrpc_peek
from code_scalpel.http.responses import ASGIApp, Message, Receive, Scope, Send, client_ip, header, state_of

log = logging.getLogger(__name__)

#: How much of a response is kept to read the tool outcome from it.
MAX_RESPONSE_PEEK = 1024 * 1024
_ERROR_PARAM = re.compile(r'error="([a-z_]+)"')


def auth_outcome(status: int, state: dict[str, Any], www_authenticate: str | None) -> tuple[str, str | None]:
    """(decision, reason) for one request, from what the layers left behind."""
    refused = state.get("refused")
    if refused:
        return "refused", refused
    if status == 401:
        reason = state.get("auth_failure")
        if not reason and www_authenticate:
            m = _ERROR_PARAM.search(www_authenticate)
            reason = m.group(1) if m else "missing_credentials"
        return "denied", reason or "unauthenticated"
    if status == 403:
        return "denied", state.get("auth_failure") or "forbidden"
    return "allowed", None


def tool_outcome(status: int, state: dict[str, Any], answers: dict[Any, dict[str, Any]], call_id: Any) -> str:
    if state.get("refused") in ("rate_limit", "auth_throttle"):
        return "rate_limited"
    if state.get("refused"):
        return "refused"
    if status in (401, 403):
        return "denied"
    if status == 202:
        return "accepted"  # legacy SSE transport: the answer travels on the event stream
    if status >= 500:
        return "failed"
    if status >= 400:
        return "rejected"
    answer = answers.get(_key(call_id))
    if answer is None:
        return "unknown"
    if "error" in answer:
        return "error"
    result = answer.get("result")
    return "tool_error" if isinstance(result, dict) and result.get("isError") else "ok"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def parse_answers(body: bytes, content_type: str) -> dict[Any, dict[str, Any]]:
    """JSON-RPC responses in a JSON or SSE body, by id."""
    texts: Iterable[bytes]
    if "text/event-stream" in content_type:
        texts = [line[5:].strip() for line in body.splitlines() if line.startswith(b"data:")]
    else:
        texts = [body]
    answers = {}
    for text in texts:
        for message in jsonrpc_peek.messages(text):
            if "id" in message and ("result" in message or "error" in message):
                answers[_key(message["id"])] = message
    return answers


class AuditMiddleware:
    def __init__(
        self, app: ASGIApp, audit: AuditLog | None, exempt_paths: Iterable[str] = ("/healthz", "/metrics")
    ) -> None:
        self.app = app
        self.audit = audit
        self.exempt = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = state_of(scope)
        body, receive = await jsonrpc_peek.peek_body(scope, receive)
        calls = jsonrpc_peek.tool_calls(jsonrpc_peek.request_messages(scope, body))
        bytes_in = len(body) if body is not None else int(header(scope, b"content-length") or 0)
        status = 0
        content_type = ""
        www_auth: str | None = None
        bytes_out = 0
        kept: list[bytes] = []
        kept_size = 0
        logged = False
        streaming = scope.get("method") == "GET"

        def emit() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            try:
                self._write(
                    scope,
                    state,
                    calls,
                    status,
                    www_auth,
                    content_type,
                    b"".join(kept),
                    started,
                    bytes_in,
                    bytes_out,
                    streaming,
                )
            except Exception:  # the audit must never take a request down; but say so loudly
                log.exception("could not write the audit log %s", getattr(self.audit, "path", None))

        async def audited_send(message: Message) -> None:
            nonlocal status, content_type, www_auth, bytes_out, kept_size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    lname = name.lower()
                    if lname == b"content-type":
                        content_type = value.decode("latin-1")
                    elif lname == b"www-authenticate":
                        www_auth = value.decode("latin-1")
                if streaming:
                    emit()
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                bytes_out += len(chunk)
                if calls and kept_size < MAX_RESPONSE_PEEK:
                    kept.append(chunk)
                    kept_size += len(chunk)
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        finally:
            emit()

    def _write(
        self,
        scope: Scope,
        state: dict[str, Any],
        calls: list[jsonrpc_peek.ToolCall],
        status: int,
        www_auth: str | None,
        content_type: str,
        response: bytes,
        started: float,
        bytes_in: int,
        bytes_out: int,
        streaming: bool,
    ) -> None:
        principal = principal_of(scope)
        decision, reason = auth_outcome(status, state, www_auth)
        base: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "client_ip": clean(client_ip(scope), 64),
            "principal": (
                {"method": principal.method, "id": clean(principal.key_id or principal.subject, 128)}
                if principal is not None
                else None
            ),
            "auth": decision,
        }
        if reason:
            base["auth_reason"] = clean(reason, 64)
        base.update({"status": status})
        if not streaming:
            base.update(
                duration_ms=round((time.perf_counter() - started) * 1000, 3), bytes_in=bytes_in, bytes_out=bytes_out
            )
        if not calls:
            if self.audit is None:
                return
            self.audit.write(
                {"event": "auth", "method": scope.get("method"), "path": clean(scope.get("path"), 256), **base}
            )
            return
        answers = parse_answers(response, content_type) if response else {}
        outcomes = state.setdefault("tool_outcomes", [])
        for call in calls:
            outcome = tool_outcome(status, state, answers, call.request_id)
            outcomes.append((call.name, outcome))
            if self.audit is None:
                continue  # no audit file: the outcomes are still wanted by the metrics
            self.audit.write(
                {
                    "event": "tool_call",
                    "tool": clean(call.name, 128),
                    "args": digest_arguments(call.arguments),
                    "outcome": outcome,
                    **base,
                }
            )
