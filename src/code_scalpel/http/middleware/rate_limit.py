"""Rate limits with the ``limits`` library: per principal, per client address, per tool cost,
and a throttle on failed authentication.

Two middlewares share one :class:`RateLimiter`:

* :class:`AuthFailureThrottle` sits *outside* authentication.  It counts the
  401s the inner stack answers, per client address, and once an address is
  over ``auth_failures`` it refuses that address with 429 before any
  credential is checked, so tokens cannot be brute-forced.
* :class:`RateLimitMiddleware` sits *inside* authentication, where the
  principal is known.  Authenticated traffic is limited per principal (the
  principal's own ``rate_limit`` or the default); unauthenticated traffic per
  client address.  A ``tools/call`` costs its tool's weight instead of 1, and
  a tool may have its own per-principal limit.

Over a limit the answer is a real HTTP 429 with ``Retry-After`` and a JSON-RPC
error saying when to retry; every response that passes the limiter carries
``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers).
State lives in ``memory://`` (idle keys expire with their window) or
``redis://`` (shared by several processes).  When the store cannot be reached
the limiter fails closed (503) unless ``fail_open`` is set; either way it logs.
"""

from __future__ import annotations

import bisect
import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import limits
from limits.aio import strategies
from limits.aio.storage import MemoryStorage
from limits.storage import storage_from_string

from code_scalpel.auth.principal import Principal, principal_of
from code_scalpel.http import jsonrpc_peek
from code_scalpel.http.responses import ASGIApp, Message, Receive, Scope, Send, client_ip, send_jsonrpc_error, state_of

log = logging.getLogger(__name__)

#: JSON-RPC error code for "rate limited" (server-defined range).
RATE_LIMITED_CODE = -32029
UNAVAILABLE_CODE = -32030

STRATEGIES = {
    "moving-window": strategies.MovingWindowRateLimiter,
    "sliding-window": strategies.SlidingWindowCounterRateLimiter,
    "fixed-window": strategies.FixedWindowRateLimiter,
}


def parse_limit(text: str, what: str = "rate limit") -> limits.RateLimitItem:
    """A single limit in ``limits`` notation (``120/minute``, ``10 per second``)."""
    try:
        item = limits.parse(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not in limits notation, e.g. '120/minute' or '10/second'") from None
    return item


@lru_cache(maxsize=1024)
def _cached_limit(text: str) -> limits.RateLimitItem | None:
    try:
        return limits.parse(text)
    except ValueError:
        log.warning("ignoring the malformed per-principal rate limit %r", text)
        return None


class SweepingMemoryStorage(MemoryStorage):
    """``limits``' async memory storage with a cheaper idle-key sweep.

    The stock storage starts a sweep of *every* key after each hit, hopping to
    a worker thread per key: with 10,000 live client addresses that burns a
    core continuously.  Here the same expiry (a key leaves once its window has
    passed) runs inline, without awaits, at most once per ``interval``: state
    stays bounded by the keys active in the last window, for a few ms a second.
    """

    interval = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._last_sweep = time.monotonic()

    def sweep(self) -> None:
        now = time.time()
        for key in list(self.events):
            events = self.events[key]
            # Newest first: keep the entries whose expiry is still ahead.
            keep = bisect.bisect_left(events, -now, key=lambda entry: -entry.expiry)
            if keep:
                del events[keep:]
            else:
                del self.events[key]
                self.locks.pop(key, None)
        for key in [k for k, expiry in self.expirations.items() if expiry <= now]:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)

    async def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep >= self.interval:
            self._last_sweep = now
            self.sweep()

    # The stock storage calls its private scheduler on every hit; route it to ours.
    _MemoryStorage__schedule_expiry = _sweep_now_and_then


def _memory_storage_supported() -> bool:
    return hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry")


@dataclass(frozen=True)
class RateLimitSettings:
    #: Per authenticated principal, unless the principal carries its own ``rate_limit``.
    default: str = "600/minute"
    #: Per client address for requests without a principal (or the anonymous one).
    anonymous: str = "300/minute"
    #: Failed authentications (401) per client address before it is refused outright.
    auth_failures: str = "10/minute"
    #: Weight of one ``tools/call`` per tool (1 when absent).
    tool_costs: Mapping[str, int] = field(default_factory=dict)
    #: Extra per-principal limits for one tool, e.g. ``{"crawl_project": "10/minute"}``.
    tool_limits: Mapping[str, str] = field(default_factory=dict)
    storage: str = "memory://"
    fail_open: bool = False
    strategy: str = "moving-window"
    #: Paths never limited (health checks must keep answering).
    exempt_paths: tuple[str, ...] = ("/healthz",)

    def validate(self) -> None:
        parse_limit(self.default, "rate_limit")
        parse_limit(self.anonymous, "rate_limits.anonymous")
        parse_limit(self.auth_failures, "rate_limits.auth_failures")
        for tool, text in self.tool_limits.items():
            parse_limit(text, f"rate_limits.tool_limits.{tool}")
        for tool, cost in self.tool_costs.items():
            if not isinstance(cost, int) or cost < 1:
                raise ValueError(f"rate_limits.tool_costs.{tool} must be a whole number >= 1, not {cost!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"rate limit strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if not self.storage.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
            raise ValueError(f"rate limit storage {self.storage!r} must be memory:// or redis://HOST:PORT[/DB]")


@dataclass(frozen=True)
class Decision:
    policy: str
    allowed: bool
    limit: int
    window: int
    remaining: int
    reset_after: int

    def policy_header(self) -> str:
        return f'"{self.policy}";q={self.limit};w={self.window}'

    def state_header(self) -> str:
        return f'"{self.policy}";r={max(self.remaining, 0)};t={self.reset_after}'


class StoreUnavailable(Exception):
    """The shared store could not be reached (the message names no secret)."""


class RateLimiter:
    """The engine: a ``limits`` strategy over async storage, with policies named for headers."""

    def __init__(self, settings: RateLimitSettings) -> None:
        settings.validate()
        self.settings = settings
        uri = settings.storage
        options: dict[str, Any] = {"wrap_exceptions": True}
        if uri.startswith("redis"):
            options.update(implementation="redispy", socket_connect_timeout=2, socket_timeout=2)
        if uri.startswith("memory") and _memory_storage_supported():
            self.storage: Any = SweepingMemoryStorage(**options)
        else:  # a future limits release renamed the internals: the stock storage still expires keys
            self.storage = storage_from_string("async+" + uri, **options)
        self.strategy = STRATEGIES[settings.strategy](self.storage)
        self.default = parse_limit(settings.default)
        self.anonymous = parse_limit(settings.anonymous)
        self.auth_failures = parse_limit(settings.auth_failures)
        self.tool_limits = {tool: parse_limit(text) for tool, text in settings.tool_limits.items()}
        self._last_store_error = 0.0

    def cost_of(self, tool: str) -> int:
        return int(self.settings.tool_costs.get(tool, 1))

    async def hit(self, policy: str, item: limits.RateLimitItem, key: Iterable[str], cost: int = 1) -> Decision:
        ident = (policy, *key)
        try:
            allowed = await self.strategy.hit(item, *ident, cost=cost)
            stats = await self.strategy.get_window_stats(item, *ident)
        except Exception as exc:  # limits wraps every backend error in StorageError; be broad on purpose
            raise StoreUnavailable(type(exc).__name__) from exc
        return self._decision(policy, item, allowed, stats)

    async def peek(self, policy: str, item: limits.RateLimitItem, key: Iterable[str], cost: int = 1) -> Decision:
        ident = (policy, *key)
        try:
            allowed = await self.strategy.test(item, *ident, cost=cost)
            stats = await self.strategy.get_window_stats(item, *ident)
        except Exception as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return self._decision(policy, item, allowed, stats)

    def _decision(self, policy: str, item: limits.RateLimitItem, allowed: bool, stats: Any) -> Decision:
        window = int(item.get_expiry())
        reset_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(policy, allowed, item.amount, window, int(stats.remaining), min(reset_after, window))

    def store_failed(self, exc: StoreUnavailable) -> None:
        # Logged at most every 10 s: an outage must be visible without flooding stderr.
        now = time.monotonic()
        if now - self._last_store_error > 10:
            self._last_store_error = now
            action = "letting requests through (fail-open)" if self.settings.fail_open else "refusing requests (503)"
            log.error("rate-limit store %s unreachable (%s); %s", _redacted_uri(self.settings.storage), exc, action)


def _redacted_uri(uri: str) -> str:
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def _headers(decisions: list[Decision]) -> list[tuple[bytes, bytes]]:
    if not decisions:
        return []
    return [
        (b"ratelimit-policy", ", ".join(d.policy_header() for d in decisions).encode()),
        (b"ratelimit", ", ".join(d.state_header() for d in decisions).encode()),
    ]


def _tightest(decisions: list[Decision]) -> list[Decision]:
    """Every policy that applied, the most constraining first (clients often read only the first)."""
    return sorted(decisions, key=lambda d: (d.allowed, d.remaining, -d.reset_after))


def _wrap_send(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start" and extra:
            names = {name for name, _ in extra}
            headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
            message["headers"] = [*headers, *extra]
        await send(message)

    return sender


async def _refuse(send: Send, decision: Decision, headers: list[tuple[bytes, bytes]], what: str, rid: Any) -> None:
    retry = decision.reset_after
    message = f"rate limit exceeded: {decision.limit} per {decision.window} s for {what}; retry after {retry} s"
    await send_jsonrpc_error(
        send,
        429,
        RATE_LIMITED_CODE,
        message,
        request_id=rid,
        data={"retry_after": retry, "policy": decision.policy, "limit": decision.limit, "window": decision.window},
        headers=[(b"retry-after", str(retry).encode()), *headers],
    )


async def _unavailable(send: Send, rid: Any) -> None:
    await send_jsonrpc_error(
        send,
        503,
        UNAVAILABLE_CODE,
        "the rate limiter is temporarily unavailable; retry in a few seconds",
        request_id=rid,
        headers=[(b"retry-after", b"5")],
    )


async def _store_down(
    app: ASGIApp, limiter: RateLimiter, exc: StoreUnavailable, scope: Scope, receive: Receive, send: Send, rid: Any
) -> None:
    """The counter store cannot be reached: pass the request on when configured to fail open, else 503."""
    limiter.store_failed(exc)
    if limiter.settings.fail_open:
        await app(scope, receive, send)
    else:
        state_of(scope)["refused"] = "rate_limit_unavailable"
        await _unavailable(send, rid)


def identity(principal: Principal | None, client_ip: str) -> tuple[str, tuple[str, ...]]:
    """The limiter key: (policy name, key parts).  The credential itself is never part of it."""
    if principal is None or principal.method == "anonymous":
        return "address", (client_ip,)
    return "principal", (principal.method, principal.key_id or principal.subject)


class RateLimitMiddleware:
    """Per principal / per address / per tool; place it after authentication."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.limiter.settings.exempt_paths:
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        state = state_of(scope)
        principal = principal_of(scope)
        policy, key = identity(principal, client_ip(scope))
        item = limiter.anonymous if policy == "address" else limiter.default
        if principal is not None and principal.rate_limit and policy == "principal":
            item = _cached_limit(principal.rate_limit) or item
        body, receive = await jsonrpc_peek.peek_body(scope, receive)
        parsed = jsonrpc_peek.request_messages(scope, body)
        calls = jsonrpc_peek.tool_calls(parsed)
        rid = calls[0].request_id if calls else jsonrpc_peek.first_request_id(parsed)
        cost = sum(limiter.cost_of(c.name) for c in calls) if calls else 1
        decisions: list[Decision] = []
        try:
            for call in calls:
                tool_item = limiter.tool_limits.get(call.name)
                if tool_item is not None:
                    d = await limiter.hit("tool", tool_item, (*key, call.name), limiter.cost_of(call.name))
                    decisions.append(d)
                    if not d.allowed:
                        break
            if all(d.allowed for d in decisions):
                decisions.append(await limiter.hit(policy, item, key, cost))
        except StoreUnavailable as exc:
            await _store_down(self.app, limiter, exc, scope, receive, send, rid)
            return
        ordered = _tightest(decisions)
        headers = _headers(ordered)
        if not ordered[0].allowed:
            state["refused"] = "rate_limit"
            state["rate_limited_policy"] = ordered[0].policy
            what = {"address": "this client address", "principal": "this credential", "tool": "this tool"}
            await _refuse(send, ordered[0], headers, what[ordered[0].policy], rid)
            return
        await self.app(scope, receive, _wrap_send(send, headers))


class AuthFailureThrottle:
    """Refuse an address that failed authentication too often; place it before authentication."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.limiter.settings.exempt_paths:
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        item = limiter.auth_failures
        key = (client_ip(scope),)
        state = state_of(scope)
        try:
            current = await limiter.peek("auth-failures", item, key)
        except StoreUnavailable as exc:
            await _store_down(self.app, limiter, exc, scope, receive, send, None)
            return
        if not current.allowed:
            state["refused"] = "auth_throttle"
            state["rate_limited_policy"] = "auth-failures"
            await _refuse(send, current, _headers([current]), "failed authentications from this address", None)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 401:
                try:
                    decision = await limiter.hit("auth-failures", item, key)
                except StoreUnavailable as exc:
                    limiter.store_failed(exc)
                else:
                    headers = list(message.get("headers", ()))
                    if not any(k.lower() == b"ratelimit" for k, _ in headers):
                        message["headers"] = [*headers, *_headers([decision])]
            await send(message)

        await self.app(scope, receive, counting_send)
