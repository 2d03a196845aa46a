"""Client address resolution behind trusted proxies: spoofing, chains, IPv6, malformed headers."""

from __future__ import annotations

import httpx
import pytest

from abuse_helpers import echo_app, serve
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware, parse_networks, resolve_client

TRUSTED = parse_networks(["10.0.0.0/8", "192.168.1.1", "2001:db8:ffff::/48"])

CASES = [
    # id, peer, X-Forwarded-For, Forwarded, expected client
    ("untrusted-peer-spoofs-xff", "203.0.113.9", "1.2.3.4", None, "203.0.113.9"),
    ("untrusted-peer-spoofs-forwarded", "203.0.113.9", None, "for=1.2.3.4", "203.0.113.9"),
    ("no-header-from-proxy", "10.0.0.1", None, None, "10.0.0.1"),
    ("one-proxy", "10.0.0.1", "198.51.100.7", None, "198.51.100.7"),
    ("client-prepends-fake-leftmost", "10.0.0.1", "6.6.6.6, 198.51.100.7", None, "198.51.100.7"),
    ("two-trusted-proxies", "10.0.0.1", "6.6.6.6, 198.51.100.7, 192.168.1.1", None, "198.51.100.7"),
    ("three-trusted-hops", "10.0.0.2", "198.51.100.7, 10.1.1.1, 10.2.2.2", None, "198.51.100.7"),
    ("untrusted-hop-in-middle-stops-walk", "10.0.0.1", "198.51.100.7, 203.0.113.5, 10.9.9.9", None, "203.0.113.5"),
    ("all-hops-trusted", "10.0.0.1", "10.3.3.3, 10.4.4.4", None, "10.3.3.3"),
    ("xff-with-port", "10.0.0.1", "198.51.100.7:5555", None, "198.51.100.7"),
    ("ipv6-client", "10.0.0.1", "2001:db8::17", None, "2001:db8::17"),
    ("ipv6-bracketed-port", "10.0.0.1", "[2001:db8::17]:4711", None, "2001:db8::17"),
    ("ipv6-proxy-peer", "2001:db8:ffff::1", "198.51.100.7", None, "198.51.100.7"),
    ("ipv4-mapped-peer", "::ffff:10.0.0.1", "198.51.100.7", None, "198.51.100.7"),
    ("ipv6-trusted-hop-skipped", "10.0.0.1", "2001:db8::17, 2001:db8:ffff::9", None, "2001:db8::17"),
    ("forwarded-simple", "10.0.0.1", None, "for=198.51.100.7", "198.51.100.7"),
    ("forwarded-chain", "10.0.0.1", None, "for=6.6.6.6, for=198.51.100.7;proto=https, for=10.5.5.5", "198.51.100.7"),
    ("forwarded-ipv6-quoted", "10.0.0.1", None, 'for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
    ("forwarded-case-insensitive-name", "10.0.0.1", None, "For=198.51.100.7;Proto=http", "198.51.100.7"),
    ("forwarded-and-xff-agree", "10.0.0.1", "198.51.100.7", "for=198.51.100.7", "198.51.100.7"),
    ("forwarded-and-xff-disagree", "10.0.0.1", "1.2.3.4", "for=198.51.100.7", "10.0.0.1"),
    # Malformed: the header is ignored and the proxy's own address is used.
    ("xff-garbage", "10.0.0.1", "not-an-ip", None, "10.0.0.1"),
    ("xff-empty-entry", "10.0.0.1", "198.51.100.7,,", None, "10.0.0.1"),
    ("xff-unknown", "10.0.0.1", "unknown", None, "10.0.0.1"),
    ("xff-bad-octet", "10.0.0.1", "198.51.100.300", None, "10.0.0.1"),
    ("xff-ipv4-in-brackets", "10.0.0.1", "[198.51.100.7]", None, "10.0.0.1"),
    ("xff-newline-injection", "10.0.0.1", "198.51.100.7\r\nX-Evil: 1", None, "10.0.0.1"),
    ("xff-too-many-hops", "10.0.0.1", ", ".join(["10.0.0.3"] * 100), None, "10.0.0.1"),
    ("forwarded-obfuscated", "10.0.0.1", None, "for=_hidden", "10.0.0.1"),
    ("forwarded-unknown", "10.0.0.1", None, "for=unknown", "10.0.0.1"),
    ("forwarded-no-for", "10.0.0.1", None, "proto=https", "10.0.0.1"),
    ("forwarded-unterminated-quote", "10.0.0.1", None, 'for="198.51.100.7', "10.0.0.1"),
    ("forwarded-duplicate-for", "10.0.0.1", None, "for=1.2.3.4;for=198.51.100.7", "10.0.0.1"),
    ("forwarded-ipv6-unbracketed-quoted", "10.0.0.1", None, 'for="2001:db8::1"', "2001:db8::1"),
    ("malformed-forwarded-falls-back-to-xff", "10.0.0.1", "198.51.100.7", "for=", "198.51.100.7"),
    ("non-ip-peer", "unix-socket", "198.51.100.7", None, "unix-socket"),
]


@pytest.mark.parametrize(("peer", "xff", "fwd", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resolution_table(peer: str, xff: str | None, fwd: str | None, expected: str) -> None:
    headers = {"x-forwarded-for": [xff] if xff is not None else [], "forwarded": [fwd] if fwd is not None else []}
    assert resolve_client(peer, headers, TRUSTED) == expected


def test_multiple_xff_lines_are_one_list() -> None:
    headers = {"x-forwarded-for": ["6.6.6.6", "198.51.100.7"], "forwarded": []}
    assert resolve_client("10.0.0.1", headers, TRUSTED) == "198.51.100.7"


def test_no_trusted_proxy_means_headers_ignored() -> None:
    assert resolve_client("10.0.0.1", {"x-forwarded-for": ["1.2.3.4"]}, []) == "10.0.0.1"


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "example.com", "", "10.0.0.0/8/8"])
def test_bad_cidr_is_refused_with_its_name(bad: str) -> None:
    with pytest.raises(ValueError, match="--trusted-proxy"):
        ClientAddressMiddleware(echo_app(), [bad])


LIVE = [
    # trusted proxies, XFF sent by the test client, expected client_ip
    ([], "1.2.3.4", "127.0.0.1"),
    (["127.0.0.1/32"], "1.2.3.4", "1.2.3.4"),
    (["127.0.0.0/8"], "9.9.9.9, 1.2.3.4, 127.0.0.5", "1.2.3.4"),
    (["127.0.0.1"], "garbage", "127.0.0.1"),
    (["::1", "127.0.0.1"], "2001:db8::5", "2001:db8::5"),
]


@pytest.mark.parametrize(("trusted", "xff", "expected"), LIVE)
def test_live_server_sees_resolved_address(trusted: list[str], xff: str, expected: str) -> None:
    with serve(ClientAddressMiddleware(echo_app(), trusted)) as url:
        r = httpx.post(f"{url}/mcp", json={"id": 1}, headers={"X-Forwarded-For": xff})
    assert r.status_code == 200
    result = r.json()["result"]
    assert result["client_ip"] == expected
    assert result["scope_client"] == expected  # request.client agrees for every other consumer
