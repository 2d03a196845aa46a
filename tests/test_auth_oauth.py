"""OAuth against a real local authorization server: discovery, RSA/EC keys, rotation, outages, introspection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from auth_helpers import (
    AuthorizationServer,
    bound_socket,
    call_tool,
    ec_key,
    mcp_test_app,
    open_session,
    rsa_key,
    serve,
)
from code_scalpel.auth.setup import build_auth
from code_scalpel.config import ServerConfig


@dataclass
class OAuthWorld:
    base: str
    audience: str
    ran: list
    verifier: object


@contextlib.contextmanager
def protected(tmp: Path, issuer: str, *, refresh_interval: float = 10.0, **config) -> Iterator[OAuthWorld]:
    sock = bound_socket()
    audience = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    setup = build_auth(
        ServerConfig(transport="streamable-http", auth="oauth", oauth_issuer=issuer, oauth_audience=audience, **config),
        None,
    )
    verifier = setup.chain.methods[0].verifier
    verifier.settings.refresh_interval = refresh_interval
    ran: list = []
    root = tmp / "src"
    root.mkdir(exist_ok=True)
    with serve(mcp_test_app(setup, ran, root), sock) as base:
        yield OAuthWorld(base, audience, ran, verifier)


def auth(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def tool_status(w: OAuthWorld, token: str, tool: str = "analyze_code") -> int:
    with httpx.Client(timeout=10) as client:
        session = open_session(client, w.base + "/mcp", auth(token))
        return call_tool(client, w.base + "/mcp", auth(token), tool, session).status_code


def token_from(auth_server: AuthorizationServer, audience: str, **form) -> str:
    data = {"grant_type": "client_credentials", "scope": "tools:read", "resource": audience, **form}
    response = httpx.post(auth_server.issuer + "/token", data=data)
    assert response.status_code == 200
    return response.json()["access_token"]


@contextlib.contextmanager
def authorization_server(*keys) -> Iterator[AuthorizationServer]:
    sock = bound_socket()
    server = AuthorizationServer(keys=list(keys) or [rsa_key("rsa-1"), ec_key("ec-1")])
    server.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serve(server.app(), sock):
        yield server


def test_key_rotation_rsa_and_ec(tmp_path: Path) -> None:
    with authorization_server() as auth_server, protected(tmp_path, auth_server.issuer, refresh_interval=0) as w:
        old_rsa = token_from(auth_server, w.audience, alg="RS256")
        assert tool_status(w, old_rsa) == 200
        assert tool_status(w, token_from(auth_server, w.audience, alg="ES256")) == 200
        # The issuer rotates: a new RSA key is published and the old one withdrawn.
        auth_server.keys = [rsa_key("rsa-2"), auth_server.keys[1]]
        new_rsa = token_from(auth_server, w.audience, alg="RS256")
        fetches = auth_server.jwks_fetches
        assert tool_status(w, new_rsa) == 200
        assert auth_server.jwks_fetches > fetches  # the unknown kid triggered one re-fetch
        # After the re-fetch the withdrawn key is gone: its tokens no longer verify.
        assert tool_status(w, old_rsa) == 401
        assert len(w.ran) == 3


def test_jwks_endpoint_down_is_503_never_accepted(tmp_path: Path) -> None:
    with authorization_server() as auth_server:
        closed = bound_socket()  # bound, never listening: connections are refused
        issuer = f"http://127.0.0.1:{closed.getsockname()[1]}"
        auth_server.issuer = issuer
        with protected(tmp_path, issuer) as w:
            token = auth_server.mint(aud=w.audience, scope="tools:read")
            with httpx.Client(timeout=10) as client:
                response = call_tool(client, w.base + "/mcp", auth(token), "analyze_code", None)
            assert response.status_code == 503
            assert response.headers.get("retry-after")
            assert "signing keys cannot be fetched" in response.json()["error_description"]
            assert w.ran == []
        closed.close()


def test_issuer_outage_keeps_cached_keys_and_refuses_new_ones(tmp_path: Path) -> None:
    keys = [rsa_key("rsa-1"), ec_key("ec-1")]
    sock = bound_socket()
    auth_server = AuthorizationServer(keys=keys)
    auth_server.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with protected(tmp_path, auth_server.issuer, refresh_interval=0) as w:
        with serve(auth_server.app(), sock):
            good = token_from(auth_server, w.audience)
            assert tool_status(w, good) == 200
        # The issuer is gone now.
        assert tool_status(w, good) == 200  # cached key: still verifiable
        new_key = rsa_key("rsa-9")
        assert tool_status(w, auth_server.mint(new_key, aud=w.audience, scope="tools:read")) == 503


def test_metadata_issuer_mismatch_is_refused(tmp_path: Path) -> None:
    with authorization_server() as auth_server:
        real_issuer = auth_server.issuer
        auth_server.issuer = real_issuer + "/other"  # the metadata now names another issuer
        with protected(tmp_path, real_issuer) as w:
            token = auth_server.mint(aud=w.audience, iss=real_issuer, scope="tools:read")
            assert tool_status(w, token) == 503
            assert w.ran == []


def test_explicit_jwks_url_skips_discovery(tmp_path: Path) -> None:
    with (
        authorization_server() as auth_server,
        protected(tmp_path, auth_server.issuer, oauth_jwks_url=auth_server.issuer + "/jwks") as w,
    ):
        assert tool_status(w, token_from(auth_server, w.audience)) == 200


@pytest.mark.parametrize(
    ("make_token", "status"),
    [
        (lambda a, aud: token_from(a, aud, token_format="opaque"), 200),
        (lambda a, aud: token_from(a, "https://someone-else.example/mcp", token_format="opaque"), 401),
        (lambda a, aud: "0" * 64, 401),
    ],
    ids=["opaque-valid", "opaque-wrong-audience", "opaque-unknown"],
)
def test_introspection(tmp_path: Path, make_token, status: int) -> None:
    with (
        authorization_server() as auth_server,
        protected(tmp_path, auth_server.issuer, oauth_introspection_url=auth_server.issuer + "/introspect") as w,
    ):
        token = make_token(auth_server, w.audience)
        assert tool_status(w, token) == status
        assert len(w.ran) == (1 if status == 200 else 0)


def test_introspection_endpoint_down_is_503(tmp_path: Path) -> None:
    closed = bound_socket()
    url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with protected(tmp_path, url, oauth_introspection_url=url + "/introspect") as w:
        with httpx.Client(timeout=10) as client:
            response = call_tool(client, w.base + "/mcp", auth("f" * 64), "analyze_code", None)
        assert response.status_code == 503 and w.ran == []
    closed.close()


def test_tools_list_shows_only_permitted_tools(tmp_path: Path) -> None:
    with authorization_server() as auth_server, protected(tmp_path, auth_server.issuer) as w:
        token = token_from(auth_server, w.audience, scope="tools:read")
        headers = auth(token)
        with httpx.Client(timeout=10) as client:
            session = open_session(client, w.base + "/mcp", headers)
            response = client.post(
                w.base + "/mcp",
                json={"jsonrpc": "2.0", "id": 5, "method": "tools/list"},
                headers=[
                    ("accept", "application/json, text/event-stream"),
                    ("mcp-protocol-version", "2025-11-25"),
                    ("mcp-session-id", session),
                    *headers,
                ],
            )
        names = {t["name"] for t in response.json()["result"]["tools"]}
        assert names == {"analyze_code", "get_file_context"}


def test_a_token_verified_once_still_expires(tmp_path: Path) -> None:
    import time

    with authorization_server() as auth_server, protected(tmp_path, auth_server.issuer) as w:
        w.verifier.settings.leeway = 0
        exp = int(time.time()) + 2
        token = auth_server.mint(aud=w.audience, scope="tools:read", exp=exp)
        assert tool_status(w, token) == 200  # verified and cached
        time.sleep(max(0.0, exp - time.time()) + 0.2)
        assert tool_status(w, token) == 401
