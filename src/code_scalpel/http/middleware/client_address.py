"""Resolve the real client address, trusting forwarding headers only from configured proxies.

The direct peer is the client unless it is inside a ``--trusted-proxy`` range.
Only then are ``X-Forwarded-For`` and ``Forwarded`` (RFC 7239) read, from the
right: each proxy appends the address it saw, so the rightmost entry that is
not itself a trusted proxy is the first address nobody we trust vouches for
beyond — the client.  The leftmost entry is whatever the client chose to send
and is never taken on its own word.  A malformed header (an unparseable hop,
an obfuscated identifier, ``unknown``) is ignored as a whole, and when both
headers are present but disagree the peer is used: one of them then came from
the client, not from the proxy.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable

from code_scalpel.http.responses import ASGIApp, Receive, Scope, Send, headers_all, state_of

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Hard bounds so a hostile header costs us nothing.
MAX_HEADER_CHARS = 8192
MAX_HOPS = 64


def parse_networks(values: Iterable[str], what: str = "CIDR") -> list[IPNetwork]:
    """CIDRs (or single addresses) from the command line; a bad one is a start-up error naming it."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an IPv4/IPv6 address or CIDR range (e.g. 10.0.0.0/8)") from None
    return networks


def parse_ip(text: str) -> IPAddress | None:
    """An address as it appears on the socket: IPv4-mapped IPv6 counts as the IPv4 address."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def in_networks(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


_PORT_V4 = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$")
_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.%\w]+)\](?::(\d{1,5}))?$")


def parse_hop(text: str) -> IPAddress | None:
    """One hop of a forwarding chain: ``1.2.3.4``, ``1.2.3.4:80``, ``::1``, ``[::1]`` or ``[::1]:80``."""
    text = text.strip()
    if not text:
        return None
    if m := _BRACKETED.match(text):
        ip = parse_ip(m.group(1))
        return ip if isinstance(ip, ipaddress.IPv6Address) or (ip and ":" in m.group(1)) else None
    if m := _PORT_V4.match(text):
        return parse_ip(m.group(1))
    return parse_ip(text)


def xff_hops(values: list[str]) -> list[IPAddress] | None:
    """Hops of X-Forwarded-For (several header lines are one list, in order); None when malformed."""
    joined = ",".join(values)
    if len(joined) > MAX_HEADER_CHARS:
        return None
    parts = joined.split(",")
    if len(parts) > MAX_HOPS:
        return None
    hops = []
    for part in parts:
        ip = parse_hop(part)
        if ip is None:
            return None
        hops.append(ip)
    return hops


# RFC 7239 grammar: element = pair *( ";" pair ); pair = token "=" ( token / quoted-string )
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PAIR = re.compile(rf'\s*({_TOKEN})=({_TOKEN}|"(?:[^"\\]|\\.)*")\s*')


def forwarded_hops(values: list[str]) -> list[IPAddress] | None:
    """The ``for=`` of each element of Forwarded, in order; None when any element is malformed."""
    joined = ",".join(values)
    if len(joined) > MAX_HEADER_CHARS:
        return None
    hops: list[IPAddress] = []
    pos = 0
    text = joined
    while True:
        if len(hops) > MAX_HOPS:
            return None
        found_for: str | None = None
        seen: set[str] = set()
        while True:
            m = _PAIR.match(text, pos)
            if not m:
                return None
            name = m.group(1).lower()
            if name in seen:
                return None  # a parameter twice in one element is ambiguous
            seen.add(name)
            value = m.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            if name == "for":
                found_for = value
            pos = m.end()
            if pos < len(text) and text[pos] == ";":
                pos += 1
                continue
            break
        if found_for is None:
            return None
        ip = parse_hop(found_for)
        if ip is None:
            return None  # "unknown", "_hidden" or garbage: we cannot tell who the client is
        hops.append(ip)
        if pos >= len(text):
            return hops
        if text[pos] != ",":
            return None
        pos += 1


def resolve_chain(hops: list[IPAddress], trusted: list[IPNetwork]) -> IPAddress | None:
    """Right to left, skip trusted proxies; the first untrusted hop is the client."""
    for ip in reversed(hops):
        if not in_networks(ip, trusted):
            return ip
    # Every hop is a trusted proxy, so every entry was written by someone we trust.
    return hops[0] if hops else None


def resolve_client(peer: str | None, headers: dict[str, list[str]], trusted: list[IPNetwork]) -> str:
    """The client address for a request from ``peer`` carrying these (lower-cased) headers."""
    peer_ip = parse_ip(peer) if peer else None
    if peer_ip is None:
        return peer or "unknown"  # a Unix socket or a test client: nothing to resolve
    if not trusted or not in_networks(peer_ip, trusted):
        return str(peer_ip)
    candidates: list[IPAddress] = []
    for name, parser in (("forwarded", forwarded_hops), ("x-forwarded-for", xff_hops)):
        values = headers.get(name)
        if not values:
            continue
        hops = parser(values)
        if hops is None:
            log.debug("ignoring a malformed %s header from proxy %s", name, peer_ip)
            continue
        resolved = resolve_chain(hops, trusted)
        if resolved is not None:
            candidates.append(resolved)
    if len(candidates) == 2 and candidates[0] != candidates[1]:
        log.debug("Forwarded and X-Forwarded-For disagree; using the proxy's address %s", peer_ip)
        return str(peer_ip)
    return str(candidates[0]) if candidates else str(peer_ip)


class ClientAddressMiddleware:
    """Puts the resolved address at ``scope["state"]["client_ip"]`` and in ``scope["client"]``."""

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = parse_networks(trusted_proxies, "--trusted-proxy")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = client[0] if client else None
            headers: dict[str, list[str]] = {}
            if self.trusted:
                headers = {
                    "forwarded": headers_all(scope, b"forwarded"),
                    "x-forwarded-for": headers_all(scope, b"x-forwarded-for"),
                }
            resolved = resolve_client(peer, headers, self.trusted)
            state = state_of(scope)
            state["client_ip"] = resolved
            state["peer_ip"] = peer
            if resolved != peer:
                # Layers that read scope["client"] (uvicorn's access log, Starlette's request.client) agree.
                scope["client"] = (resolved, 0)
        await self.app(scope, receive, send)
