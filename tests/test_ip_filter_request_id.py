"""--allow-ip / --deny-ip before authentication, and X-Request-Id on every response."""

from __future__ import annotations

import httpx
import pytest

from abuse_helpers import FakeBearerAuth, echo_app, serve
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware
from code_scalpel.http.middleware.ip_filter import FORBIDDEN_MESSAGE, IPFilterMiddleware
from code_scalpel.http.middleware.request_id import RequestIdMiddleware

FILTER_CASES = [
    # allow, deny, address, permitted
    ([], [], "203.0.113.1", True),
    (["10.0.0.0/8"], [], "10.1.2.3", True),
    (["10.0.0.0/8"], [], "11.1.2.3", False),
    (["10.0.0.0/8"], ["10.6.0.0/16"], "10.6.1.1", False),
    ([], ["10.6.0.0/16"], "10.7.1.1", True),
    ([], ["10.6.0.0/16"], "10.6.1.1", False),
    (["2001:db8::/32"], [], "2001:db8::1", True),
    (["2001:db8::/32"], [], "2001:db9::1", False),
    (["10.0.0.0/8"], [], "::ffff:10.0.0.1", True),  # IPv4-mapped IPv6 is the IPv4 address
    (["10.0.0.0/8"], [], "::1", False),  # an IPv6 address never matches an IPv4 range
    ([], ["::/0"], "2001:db8::1", False),
    ([], ["::/0"], "10.0.0.1", True),
    (["127.0.0.1"], [], "unknown", False),  # unparseable with an allowlist: refused
    ([], ["127.0.0.1"], "unknown", True),
]


@pytest.mark.parametrize(("allow", "deny", "address", "permitted"), FILTER_CASES)
def test_filter_table(allow: list[str], deny: list[str], address: str, permitted: bool) -> None:
    assert IPFilterMiddleware(echo_app(), allow, deny).permits(address) is permitted


def stack(allow: list[str], deny: list[str], trusted: list[str]) -> object:
    # Order as in production: request id, client address, ip filter, then authentication.
    inner = IPFilterMiddleware(FakeBearerAuth(echo_app()), allow, deny)
    return RequestIdMiddleware(ClientAddressMiddleware(inner, trusted))


LIVE = [
    # allow, deny, trusted, XFF, expected status
    (["127.0.0.1"], [], [], None, 200),
    (["10.0.0.0/8"], [], [], None, 403),
    ([], ["127.0.0.0/8"], [], None, 403),
    # Spoofing the allowlisted address from an untrusted peer does not help.
    (["10.0.0.0/8"], [], [], "10.0.0.5", 403),
    # Behind a trusted proxy the real client is filtered, not the proxy.
    (["10.0.0.0/8"], [], ["127.0.0.1"], "10.0.0.5", 200),
    ([], ["198.51.100.0/24"], ["127.0.0.1"], "198.51.100.9", 403),
]


@pytest.mark.parametrize(("allow", "deny", "trusted", "xff", "status"), LIVE)
def test_live_filter_runs_before_auth(allow, deny, trusted, xff, status) -> None:
    headers = {"Authorization": "Bearer good-alice"}
    if xff:
        headers["X-Forwarded-For"] = xff
    with serve(stack(allow, deny, trusted)) as url:
        r = httpx.post(f"{url}/mcp", json={"id": 1}, headers=headers)
        unauth = httpx.post(
            f"{url}/mcp", json={"id": 1}, headers={k: v for k, v in headers.items() if k != "Authorization"}
        )
    assert r.status_code == status
    assert r.headers["x-request-id"]
    if status == 403:
        # Refused before authentication: even without a credential it is 403, not 401.
        assert unauth.status_code == 403
        body = r.json()
        assert body["error"]["message"] == FORBIDDEN_MESSAGE
        text = r.text
        for secret in ("10.0.0.0", "127.0.0", "198.51.100", "allow", "deny"):
            assert secret not in text


REQUEST_IDS = [
    ("abc-123", "abc-123"),
    ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
    ("has space", None),
    ("a" * 200, None),
    ("evil\u00e9", None),
    ("-leading-dash", None),
    ("", None),
]


@pytest.mark.parametrize(("incoming", "kept"), REQUEST_IDS)
def test_request_id_table(incoming: str, kept: str | None) -> None:
    with serve(RequestIdMiddleware(echo_app())) as url:
        r = httpx.post(f"{url}/mcp", json={"id": 1}, headers={"X-Request-Id": incoming.encode("utf-8")})
        generated = httpx.post(f"{url}/mcp", json={"id": 1})
    rid = r.headers["x-request-id"]
    assert r.json()["result"]["request_id"] == rid
    if kept is not None:
        assert rid == kept
    else:
        assert rid != incoming and len(rid) == 32
    assert len(generated.headers["x-request-id"]) == 32
    assert r.headers.get_list("x-request-id") == [rid]


def test_request_id_on_error_responses_too() -> None:
    with serve(RequestIdMiddleware(IPFilterMiddleware(echo_app(), ["10.0.0.0/8"]))) as url:
        r = httpx.get(f"{url}/mcp")
    assert r.status_code == 403 and len(r.headers["x-request-id"]) == 32
