"""Verify signed requests (scheme in :mod:`code_scalpel.auth.signing`) and refuse replays.

Placed right after authentication, so it knows whether the principal's key
requires a signature (``principal.extra["require_signature"]``); with
``require_all`` every request must be signed.  A request that carries a
signature is always verified, required or not.  Order of checks: headers
complete, key known, timestamp within ±window, signature over method, target,
timestamp, nonce, key id and body digest, and only then the nonce (so only
holders of a secret can add to the nonce cache).  Every refusal is a 401 that
says what to fix; it counts as a failed authentication for the throttle.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

from code_scalpel.auth import signing
from code_scalpel.auth.principal import principal_of
from code_scalpel.http import jsonrpc_peek
from code_scalpel.http.responses import ASGIApp, Receive, Scope, Send, header, send_jsonrpc_error, state_of

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 300
SIGNATURE_ERROR_CODE = -32001
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_TIMESTAMP = re.compile(r"^\d{1,12}$")

SecretLookup = Callable[[str], bytes | None]


class NonceStore(Protocol):
    async def add(self, key_id: str, nonce: str, ttl: int) -> bool:
        """Record a nonce; False when it was already seen within ``ttl``."""
        ...


class MemoryNonceStore:
    """Nonces of the last ``ttl`` seconds for one process; expired ones are dropped as new ones arrive."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self.seen: dict[tuple[str, str], float] = {}
        self.order: deque[tuple[float, tuple[str, str]]] = deque()
        self.max_entries = max_entries

    async def add(self, key_id: str, nonce: str, ttl: int) -> bool:
        now = time.monotonic()
        while self.order and self.order[0][0] <= now:
            _, old = self.order.popleft()
            if self.seen.get(old, 0) <= now:
                self.seen.pop(old, None)
        key = (key_id, nonce)
        if self.seen.get(key, 0) > now:
            return False
        if len(self.seen) >= self.max_entries:
            raise RuntimeError("nonce cache full")
        self.seen[key] = now + ttl
        self.order.append((now + ttl, key))
        return True


class RedisNonceStore:
    """Nonces shared by several processes: ``SET NX EX`` is atomic, so two servers cannot both accept one."""

    def __init__(self, url: str, prefix: str = "codescalpel:nonce:") -> None:
        import redis.asyncio as redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.prefix = prefix

    async def add(self, key_id: str, nonce: str, ttl: int) -> bool:
        return bool(await self.client.set(f"{self.prefix}{key_id}:{nonce}", b"1", nx=True, ex=ttl))


def nonce_store_for(storage: str) -> NonceStore:
    return RedisNonceStore(storage) if storage.startswith("redis") else MemoryNonceStore()


class SignatureRefused(Exception):
    def __init__(self, reason: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


class SignatureMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        secret_for: SecretLookup,
        *,
        require_all: bool = False,
        nonces: NonceStore | None = None,
        window: int = DEFAULT_WINDOW,
        exempt_prefixes: Iterable[str] = ("/healthz", "/.well-known/"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.secret_for = secret_for
        self.require_all = require_all
        self.nonces = nonces or MemoryNonceStore()
        self.window = window
        self.exempt = tuple(exempt_prefixes)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        try:
            receive = await self.check(scope, receive)
        except SignatureRefused as refused:
            state = state_of(scope)
            state["auth_failure"] = f"signature_{refused.reason}"
            headers = [(b"www-authenticate", f'{signing.SCHEME} error="{refused.reason}"'.encode())]
            await send_jsonrpc_error(send, refused.status, SIGNATURE_ERROR_CODE, refused.message, headers=headers)
            return
        await self.app(scope, receive, send)

    async def check(self, scope: Scope, receive: Receive) -> Receive:
        values = {name: header(scope, name.lower().encode()) for name in signing.HEADERS}
        principal = principal_of(scope)
        per_key = bool(principal is not None and principal.extra.get("require_signature"))
        if not any(values.values()):
            if self.require_all or per_key:
                who = (
                    f"API key {principal.key_id} requires"
                    if per_key and principal is not None and principal.key_id
                    else "this server requires"
                )
                raise SignatureRefused(
                    "missing",
                    f"a signature is required: {who} signed requests; add the X-Scalpel-Key-Id, "
                    "X-Scalpel-Timestamp, X-Scalpel-Nonce and X-Scalpel-Signature headers (see `codescalpel sign`)",
                )
            return receive
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise SignatureRefused("incomplete", f"signed request is missing {', '.join(missing)}")
        key_id = str(values[signing.HEADER_KEY_ID])
        ts, nonce = str(values[signing.HEADER_TIMESTAMP]), str(values[signing.HEADER_NONCE])
        given = str(values[signing.HEADER_SIGNATURE])
        if per_key and principal is not None and principal.key_id and key_id != principal.key_id:
            raise SignatureRefused(
                "wrong_key",
                f"this API key must sign with its own id: X-Scalpel-Key-Id {principal.key_id} and its signing secret",
            )
        secret = self.secret_for(key_id)
        if secret is None:
            raise SignatureRefused("unknown_key", "unknown signing key id")
        if not _TIMESTAMP.match(ts):
            raise SignatureRefused("bad_timestamp", "X-Scalpel-Timestamp must be Unix time in whole seconds")
        skew = int(ts) - int(self.clock())
        if abs(skew) > self.window:
            when = "in the future" if skew > 0 else "old"
            raise SignatureRefused(
                "stale",
                f"signature timestamp is {abs(skew)} s {when}; the window is ±{self.window} s: "
                "check the client's clock and sign again",
            )
        if not _NONCE.match(nonce):
            raise SignatureRefused("bad_nonce", "X-Scalpel-Nonce must be 16-128 characters of [A-Za-z0-9_-]")
        body, receive = await jsonrpc_peek.peek_body(scope, receive)
        if body is None:
            if state_of(scope).get("body_too_large"):
                raise SignatureRefused("too_large", "the body is too large to verify its signature", 413)
            body = b""
        target = scope.get("raw_path", b"").decode("latin-1") or str(scope.get("path", "/"))
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        message = signing.string_to_sign(str(scope["method"]), target, ts, nonce, key_id, signing.body_digest(body))
        if not hmac.compare_digest(signing.signature(secret, message).encode(), given.encode("latin-1")):
            raise SignatureRefused(
                "bad_signature",
                "signature does not match: method, path, timestamp, nonce, key id or body differ from what was signed",
            )
        try:
            fresh = await self.nonces.add(key_id, nonce, 2 * self.window + 1)
        except Exception as exc:  # memory cache full, or redis down / timing out (its own error types)
            log.error("nonce store unavailable (%s); refusing signed requests", type(exc).__name__)
            raise SignatureRefused(
                "unavailable", "replay protection is temporarily unavailable; retry shortly", 503
            ) from None
        if not fresh:
            raise SignatureRefused("replay", "this nonce was already used: every signed request needs a new nonce")
        state_of(scope)["signature"] = {"key_id": key_id}
        return receive


def static_secrets(secrets: dict[str, bytes]) -> SecretLookup:
    return secrets.get


def chain_lookups(*lookups: SecretLookup | None) -> SecretLookup:
    """The first lookup that knows the key id wins (e.g. the key store, then the secrets file)."""
    active = [lookup for lookup in lookups if lookup is not None]

    def lookup(key_id: str) -> bytes | None:
        for candidate in active:
            secret = candidate(key_id)
            if secret is not None:
                return secret
        return None

    return lookup
