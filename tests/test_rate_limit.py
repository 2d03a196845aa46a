"""Rate limits: exact counts per window, 429 + Retry-After, headers, costs, auth throttling,
bounded state, fail-closed store, and one limit shared by two processes through Redis."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import uuid
from pathlib import Path

import anyio
import httpx
import pytest

from abuse_helpers import FakeBearerAuth, echo_app, serve, tool_call
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware
from code_scalpel.http.middleware.rate_limit import (
    RATE_LIMITED_CODE,
    AuthFailureThrottle,
    RateLimiter,
    RateLimitMiddleware,
    RateLimitSettings,
)
from code_scalpel.http.middleware.request_id import RequestIdMiddleware

REDIS = "redis://127.0.0.1:6379/0"


def build(settings: RateLimitSettings, fake_limits: dict[str, str] | None = None) -> tuple[object, RateLimiter]:
    limiter = RateLimiter(settings)
    inner = FakeBearerAuth(RateLimitMiddleware(echo_app(), limiter), rate_limits=fake_limits)
    app = RequestIdMiddleware(ClientAddressMiddleware(AuthFailureThrottle(inner, limiter), ["127.0.0.1"]))
    return app, limiter


def check_429(r: httpx.Response, window: int) -> None:
    assert r.status_code == 429
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= window
    body = r.json()
    assert body["error"]["code"] == RATE_LIMITED_CODE
    assert body["error"]["data"]["retry_after"] == retry
    assert f"retry after {retry} s" in body["error"]["message"]
    assert "ratelimit-policy" in r.headers and "ratelimit" in r.headers


def test_exactly_n_per_window_per_key_then_429() -> None:
    """The bounded load test: 3 keys x 25 requests against 10/minute."""
    n, per_key = 10, 25
    app, _ = build(RateLimitSettings(default=f"{n}/minute"))
    keys = [f"k{uuid.uuid4().hex[:8]}" for _ in range(3)]
    results: dict[str, list[httpx.Response]] = {k: [] for k in keys}
    sent: dict[str, list[tuple[float, float]]] = {k: [] for k in keys}  # (before, after) each request
    with serve(app) as url, httpx.Client(base_url=url) as client:
        for i in range(per_key):
            for k in keys:
                before = time.time()
                results[k].append(client.post("/mcp", json={"id": i}, headers={"Authorization": f"Bearer good-{k}"}))
                sent[k].append((before, time.time()))
    for k in keys:
        statuses = [r.status_code for r in results[k]]
        assert statuses.count(200) == n, statuses
        assert statuses.count(429) == per_key - n
        assert statuses[:n] == [200] * n  # accepted first, refused after: nothing sneaks through later
        assert all(s < 500 for s in statuses)
        for idx, r in enumerate(results[k]):
            # Every response carries the policy and the remaining quota.
            assert r.headers["ratelimit-policy"] == f'"principal";q={n};w=60'
            if r.status_code == 200:
                assert r.headers["ratelimit"].startswith(f'"principal";r={n - 1 - idx};t=')
            else:
                check_429(r, 60)
                assert r.headers["ratelimit"].startswith('"principal";r=0;t=')
                # Retry-After is when the oldest accepted request leaves the 60 s window (whole seconds).
                first_before, first_after = sent[k][0]
                before, after = sent[k][idx]
                retry = int(r.headers["retry-after"])
                assert first_before + 60 - after - 1 <= retry <= first_after + 60 - before + 1


def test_anonymous_traffic_is_limited_per_client_address() -> None:
    limiter = RateLimiter(RateLimitSettings(anonymous="3/minute"))
    anon = ClientAddressMiddleware(RateLimitMiddleware(echo_app(), limiter), ["127.0.0.1"])
    with serve(anon) as url, httpx.Client(base_url=url) as client:
        a = [client.post("/mcp", json={}, headers={"X-Forwarded-For": "198.51.100.1"}).status_code for _ in range(5)]
        b = [client.post("/mcp", json={}, headers={"X-Forwarded-For": "198.51.100.2"}).status_code for _ in range(5)]
        health = [client.get("/healthz").status_code for _ in range(10)]
        r = client.post("/mcp", json={}, headers={"X-Forwarded-For": "198.51.100.1"})
    assert a == [200, 200, 200, 429, 429]
    assert b == [200, 200, 200, 429, 429]  # a different client address has its own quota
    assert health == [200] * 10  # health checks are exempt
    assert r.headers["ratelimit-policy"] == '"address";q=3;w=60'


COST_CASES = [
    # tool sequence (crawl costs 4, outline 1) against 10/minute, expected statuses
    (["crawl", "crawl", "crawl"], [200, 200, 429]),
    (["crawl", "crawl", "outline", "outline", "outline"], [200, 200, 200, 200, 429]),
    (["outline"] * 11, [200] * 10 + [429]),
]


@pytest.mark.parametrize(("tools", "expected"), COST_CASES)
def test_tool_cost_weights(tools: list[str], expected: list[int]) -> None:
    app, _ = build(RateLimitSettings(default="10/minute", tool_costs={"crawl": 4}))
    key = f"Bearer good-{uuid.uuid4().hex[:8]}"
    with serve(app) as url, httpx.Client(base_url=url) as client:
        got = [
            client.post("/mcp", json=tool_call(t, rid=i), headers={"Authorization": key}) for i, t in enumerate(tools)
        ]
    assert [r.status_code for r in got] == expected
    refused = got[expected.index(429)]
    assert refused.json()["id"] == expected.index(429)  # the in-band error answers the right request


def test_per_tool_limit_and_principal_override() -> None:
    app, _ = build(
        RateLimitSettings(default="100/minute", tool_limits={"crawl": "2/minute"}),
        fake_limits={"slow": "3/minute"},
    )
    with serve(app) as url, httpx.Client(base_url=url) as client:
        fast = {"Authorization": "Bearer good-fast"}
        crawl = [client.post("/mcp", json=tool_call("crawl"), headers=fast) for _ in range(3)]
        other = client.post("/mcp", json=tool_call("outline"), headers=fast)
        slow = [client.post("/mcp", json={}, headers={"Authorization": "Bearer good-slow"}) for _ in range(4)]
    assert [r.status_code for r in crawl] == [200, 200, 429]
    assert crawl[2].json()["error"]["data"]["policy"] == "tool"
    assert other.status_code == 200  # the tool limit does not spill over to other tools
    assert [r.status_code for r in slow] == [200, 200, 200, 429]  # principal.rate_limit override
    assert slow[3].headers["ratelimit-policy"].startswith('"principal";q=3;w=60')


def test_failed_auth_is_throttled_per_address_before_auth() -> None:
    app, _ = build(RateLimitSettings(auth_failures="3/minute"))
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    with serve(app) as url, httpx.Client(base_url=url) as client:
        guesses = [
            client.post("/mcp", json={}, headers={**attacker, "Authorization": f"Bearer bad{i}"}) for i in range(5)
        ]
        # Even the right token is refused now: the address is locked out until the window passes.
        right = client.post("/mcp", json={}, headers={**attacker, "Authorization": "Bearer good-a"})
        other = client.post(
            "/mcp", json={}, headers={"X-Forwarded-For": "203.0.113.67", "Authorization": "Bearer good-a"}
        )
    assert [r.status_code for r in guesses] == [401, 401, 401, 429, 429]
    assert guesses[0].headers["ratelimit-policy"] == '"auth-failures";q=3;w=60'
    check_429(guesses[3], 60)
    assert "failed authentications" in guesses[3].json()["error"]["message"]
    assert right.status_code == 429
    assert other.status_code == 200


@pytest.mark.anyio
async def test_memory_state_is_bounded_across_10000_addresses() -> None:
    """10,000 distinct client addresses, then the window passes: the limiter's state drains."""
    limiter = RateLimiter(RateLimitSettings(anonymous="2/second"))
    app = ClientAddressMiddleware(RateLimitMiddleware(echo_app(), limiter), ["127.0.0.1"])
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1234))
    storage = limiter.storage
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for i in range(10_000):
            ip = f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"
            r = await client.post("/mcp", json={}, headers={"X-Forwarded-For": ip})
            assert r.status_code == 200
        # One key per address still inside its 1 s window; older ones were already swept during the run.
        assert 0 < len(storage.events) <= 10_000
        await anyio.sleep(1.2)
        # The next hit after the sweep interval expires every idle key, inline.
        await client.post("/mcp", json={}, headers={"X-Forwarded-For": "192.0.2.1"})
    assert set(storage.events) == {"LIMITER/address/192.0.2.1/2/1/second"}
    assert len(storage.locks) <= 1


STORE_DOWN = [(False, 503), (True, 200)]


@pytest.mark.parametrize(("fail_open", "status"), STORE_DOWN)
def test_unreachable_store(fail_open: bool, status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, "code_scalpel")
    app, _ = build(RateLimitSettings(storage="redis://:s3cret@127.0.0.1:1/0", fail_open=fail_open))
    with serve(app) as url:
        r = httpx.post(f"{url}/mcp", json={"id": 7}, headers={"Authorization": "Bearer good-x"})
    assert r.status_code == status
    if status == 503:
        assert r.headers["retry-after"] == "5"
        assert "temporarily unavailable" in r.json()["error"]["message"]
    logged = caplog.text
    assert "rate-limit store redis://127.0.0.1:1/0 unreachable" in logged
    assert "s3cret" not in logged and "s3cret" not in r.text


def test_two_processes_share_one_limit_through_redis() -> None:
    settings = json.dumps({"default": "8/minute", "storage": REDIS})
    script = str(Path(__file__).with_name("abuse_app.py"))
    procs = [subprocess.Popen([sys.executable, script, settings], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        ports = [int(p.stdout.readline().split()[1]) for p in procs]  # type: ignore[union-attr]
        key = {"Authorization": f"Bearer good-{uuid.uuid4().hex}"}
        statuses = []
        for i in range(16):
            url = f"http://127.0.0.1:{ports[i % 2]}/mcp"
            for _ in range(50):  # the process may still be binding
                try:
                    statuses.append(httpx.post(url, json={"id": i}, headers=key).status_code)
                    break
                except httpx.ConnectError:
                    anyio.run(anyio.sleep, 0.1)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    assert statuses.count(200) == 8  # one limit, not 8 per process
    assert statuses.count(429) == 8
    assert set(statuses[:8]) == {200}


def test_bad_settings_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="limits notation"):
        RateLimiter(RateLimitSettings(default="lots"))
    with pytest.raises(ValueError, match="memory:// or redis://HOST"):
        RateLimiter(RateLimitSettings(storage="mongodb://x"))
    with pytest.raises(ValueError, match=r"tool_costs\.crawl"):
        RateLimiter(RateLimitSettings(tool_costs={"crawl": 0}))
