"""End to end: the real ``codescalpel mcp`` with each method, through the official MCP client (Streamable HTTP, SSE)."""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auth_helpers import (
    TOKEN_ALL,
    TOKEN_READ,
    AuthorizationServer,
    bound_socket,
    ec_key,
    flip_last,
    issue_cert,
    make_ca,
    rsa_key,
    serve,
    write,
    write_token_file,
)
from support import http_server, mcp_session, run_cli

pytestmark = pytest.mark.anyio

KINDS = [("http", "/mcp"), ("sse", "/sse")]


async def _use(kind: str, url: str, headers: dict[str, str] | None = None, verify: object = True) -> set[str]:
    async with mcp_session(kind, url, headers=headers, verify=verify) as session:
        names = {t.name for t in (await session.list_tools()).tools}
        if "get_capabilities" in names:
            result = await session.call_tool("get_capabilities", {})
            assert not result.is_error
            assert set(result.structured_content["tools"]) == names
        return names


def all_tool_names(scope: str = "tools:read") -> set[str]:
    """The tools a principal holding only ``scope`` sees (the security tools need ``tools:security``).

    These servers run without a license, so the community tier bounds the list too: scopes and tiers are
    two independent policies and a tool is listed only when both allow it.
    """
    from code_scalpel.licensing.tiers import load_tiers
    from code_scalpel.tools.registry import all_tools

    community = load_tiers().get(load_tiers().lowest).tools
    return {name for name, spec in all_tools().items() if spec.scope == scope and name in community}


def create_key(data_dir: Path, *args: str) -> dict:
    result = run_cli("keys", "create", "--data-dir", str(data_dir), "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_token(tmp_path: Path) -> None:
    token_file = tmp_path / "tokens.toml"
    write_token_file(token_file)
    with http_server(tmp_path, "--auth", "token", "--token-file", str(token_file)) as server:
        for kind, path in KINDS:
            names = await _use(kind, server.base_url + path, {"Authorization": f"Bearer {TOKEN_READ}"})
            assert names == all_tool_names()
        with server.client() as client:
            assert client.post("/mcp", json={}).status_code == 401
        assert TOKEN_READ not in server.stderr()


async def test_apikey_bearer_and_x_api_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    full = create_key(data, "--name", "full", "--scopes", "tools:read")
    narrow = create_key(data, "--name", "narrow", "--scopes", "tools:read", "--tools", "analyze_code")
    with http_server(tmp_path, "--auth", "apikey") as server:
        for kind, path in KINDS:
            assert all_tool_names() == await _use(
                kind, server.base_url + path, {"Authorization": f"Bearer {full['key']}"}
            )
            narrowed = await _use(kind, server.base_url + path, {"X-API-Key": narrow["key"]})
            assert narrowed == {"analyze_code"} & all_tool_names()
        with server.client() as client:
            # The narrow key is refused get_capabilities with a real 403 on Streamable HTTP.
            init = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            }
            hdrs = {"x-api-key": narrow["key"], "accept": "application/json, text/event-stream"}
            sid = client.post("/mcp", json=init, headers=hdrs).headers["mcp-session-id"]
            call = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "get_capabilities", "arguments": {}},
            }
            response = client.post(
                "/mcp", json=call, headers={**hdrs, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
            )
            assert response.status_code == 403
            assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
            # A session opened with one key is not usable with another.
            other = client.post(
                "/mcp",
                json=call,
                headers={**hdrs, "x-api-key": full["key"], "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"},
            )
            assert other.status_code == 404
    # Clean shutdown flushed the usage counters.
    shown = json.loads(run_cli("keys", "show", full["id"], "--data-dir", str(data), "--json").stdout)
    assert shown["calls"] >= 1 and shown["last_used"] is not None
    assert any(u["tool"] == "get_capabilities" for u in shown["usage"])


async def test_scope_refusal_over_sse_is_a_json_rpc_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = create_key(data, "--name", "security-only", "--scopes", "tools:security")["key"]
    with http_server(tmp_path, "--auth", "apikey") as server:
        async with mcp_session("sse", server.base_url + "/sse", headers={"X-API-Key": key}) as session:
            assert {t.name for t in (await session.list_tools()).tools} == all_tool_names("tools:security")
            with pytest.raises(Exception, match="tools:read"):
                await session.call_tool("get_capabilities", {})


@contextlib.contextmanager
def local_issuer() -> Iterator[AuthorizationServer]:
    sock = bound_socket()
    auth_server = AuthorizationServer(keys=[rsa_key("rsa-1"), ec_key("ec-1")])
    auth_server.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serve(auth_server.app(), sock):
        yield auth_server


async def test_oauth(tmp_path: Path) -> None:
    with (
        local_issuer() as auth_server,
        http_server(tmp_path, "--auth", "oauth", "--oauth-issuer", auth_server.issuer) as server,
    ):
        resource = server.base_url + "/mcp"
        with server.client() as client:
            challenge = client.post("/mcp", json={}).headers["www-authenticate"]
            assert f'resource_metadata="{server.base_url}/.well-known/oauth-protected-resource/mcp"' in challenge
            meta = client.get("/.well-known/oauth-protected-resource/mcp").json()
            assert meta == {**meta, "resource": resource, "authorization_servers": [auth_server.issuer]}
        for alg in ("RS256", "ES256"):
            token = httpx.post(auth_server.issuer + "/token", data={
                "grant_type": "client_credentials", "scope": "tools:read", "resource": resource, "alg": alg,
            }).json()["access_token"]  # fmt: skip
            for kind, path in KINDS:
                assert all_tool_names() == await _use(
                    kind, server.base_url + path, {"Authorization": f"Bearer {token}"}
                )
        wrong_aud = auth_server.mint(aud="http://127.0.0.1:1/mcp", scope="tools:read")
        with server.client() as client:
            assert client.post("/mcp", json={}, headers={"Authorization": f"Bearer {wrong_aud}"}).status_code == 401


@pytest.mark.parametrize("where", ["flag", "config-file"])
def test_require_auth_refuses_to_start(tmp_path: Path, where: str) -> None:
    config = tmp_path / "scalpel.toml"
    config.write_text("require_auth = true\n")
    extra = ["--require-auth"] if where == "flag" else ["--config", str(config)]
    result = run_cli("mcp", "--transport", "streamable-http", *extra, "--port", "1",
                     "--root", str(tmp_path), "--data-dir", str(tmp_path / "d"))  # fmt: skip
    assert result.returncode == 2
    assert "--require-auth" in result.stderr and "Traceback" not in result.stderr


def test_allow_lan_without_auth_says_so_in_one_line(tmp_path: Path) -> None:
    with http_server(tmp_path, "--host", "0.0.0.0", "--allow-lan") as server:
        lines = [line for line in server.stderr().splitlines() if "anyone on the network" in line]
        assert len(lines) == 1 and "--auth" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth", "token"], "--token-file"),
        (["--auth", "oauth"], "--oauth-issuer"),
        (["--auth", "mtls"], "--ssl-client-ca"),
        (["--auth", "passwords"], "not one of"),
        (["--auth", "token", "--token-file", "/nonexistent/tokens.toml"], "cannot be read"),
    ],
)
def test_misconfigured_auth_is_refused_at_start(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("mcp", "--transport", "streamable-http", "--port", "1", "--root", str(tmp_path),
                     "--data-dir", str(tmp_path / "d"), *args, env={"CODE_SCALPEL_TOKEN": ""})  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


# -- mutual TLS ----------------------------------------------------------------------------------


@contextlib.contextmanager
def mtls_server(tmp_path: Path) -> Iterator[tuple[object, dict[str, ssl.SSLContext], str]]:
    ca, other_ca = make_ca("clients CA"), make_ca("someone else's CA")
    server_cert, server_key = issue_cert(ca, "localhost", server=True)
    folder = tmp_path / "tls"
    folder.mkdir()
    ca_file = write(folder / "ca.pem", ca.pem())
    scope_map = write(
        folder / "map.toml", 'identity = "subject"\n[[clients]]\nid = "O=Example,CN=ci"\nscopes = ["tools:read"]\n'
    )

    def client_context(cert_key: tuple[bytes, bytes] | None, name: str) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=ca_file)
        if cert_key:
            ctx.load_cert_chain(write(folder / f"{name}.crt", cert_key[0]), write(folder / f"{name}.key", cert_key[1]))
        return ctx

    contexts = {
        "valid": client_context(issue_cert(ca, "ci"), "valid"),
        "unmapped": client_context(issue_cert(ca, "stranger"), "unmapped"),
        "none": client_context(None, "none"),
        "other-ca": client_context(issue_cert(other_ca, "ci"), "other"),
        "expired": client_context(issue_cert(ca, "ci", days=(-30, -1)), "expired"),
    }
    with http_server(
        tmp_path, "--ssl-cert", write(folder / "server.crt", server_cert), "--ssl-key",
        write(folder / "server.key", server_key), "--ssl-client-ca", ca_file, "--mtls-scope-map", scope_map,
        scheme="https", verify=ca_file,
    ) as server:  # fmt: skip
        yield server, contexts, ca_file


MTLS_CASES = [("none", 401), ("other-ca", "tls"), ("expired", "tls"), ("unmapped", 403), ("valid", 200)]


async def test_mtls(tmp_path: Path) -> None:
    with mtls_server(tmp_path) as (server, contexts, _):
        for name, expected in MTLS_CASES:
            body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_capabilities"}}
            try:
                with httpx.Client(base_url=server.base_url, verify=contexts[name], timeout=10) as client:
                    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                        "protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
                    hdrs = {"accept": "application/json, text/event-stream"}
                    first = client.post("/mcp", json=init, headers=hdrs)
                    sid = first.headers.get("mcp-session-id", "")
                    response = client.post(
                        "/mcp", json=body, headers={**hdrs, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
                    )
                status: object = response.status_code
            except httpx.ConnectError:
                status = "tls"
            except httpx.ReadError:
                status = "tls"  # TLS 1.3: the server's refusal arrives after the handshake
            except httpx.RemoteProtocolError:
                status = "tls"
            assert status == expected, name
            if expected == 401:
                assert response.headers["www-authenticate"].startswith("Mutual")
        for kind, path in KINDS:
            assert all_tool_names() == await _use(kind, server.base_url + path, verify=contexts["valid"])


def test_token_rotation_without_restart(tmp_path: Path) -> None:
    import signal
    import time

    token_file = tmp_path / "tokens.toml"
    write_token_file(token_file)
    new = "fresh-token-0123456789abcdef"
    with http_server(tmp_path, "--auth", "token", "--token-file", str(token_file)) as server:
        with server.client() as client:

            def status(token: str) -> int:
                return client.post("/mcp", json={}, headers={"Authorization": f"Bearer {token}"}).status_code

            assert status(new) == 401
            token_file.write_text(f'[[tokens]]\nname = "fresh"\nscopes = ["tools:read"]\ntoken = "{new}"\n')
            server.process.send_signal(signal.SIGHUP)  # would end the process if no handler were installed
            deadline = time.monotonic() + 10
            while status(new) == 401 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert status(new) != 401 and status(TOKEN_READ) == 401
            assert status(TOKEN_ALL) == 401
        assert server.process.poll() is None
        assert "token file reloaded" in server.stderr()


async def test_stateless_protocol_with_credentials(tmp_path: Path) -> None:
    """The 2026-07-28 protocol (no session): every request is authenticated and authorized on its own."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    data = tmp_path / "data"
    key = create_key(data, "--name", "modern", "--scopes", "tools:read")["key"]
    with http_server(tmp_path, "--auth", "apikey") as server:
        async with (
            httpx2.AsyncClient(headers={"X-API-Key": key}) as http,
            Client(streamable_http_client(server.base_url + "/mcp", http_client=http)) as client,
        ):
            assert client.protocol_version == "2026-07-28"
            result = await client.call_tool("get_capabilities", {})
            assert not result.is_error
        async with httpx2.AsyncClient(headers={"X-API-Key": flip_last(key)}) as http:
            with pytest.raises(Exception):  # noqa: B017 - the SDK wraps the 401 in its own error types
                async with Client(streamable_http_client(server.base_url + "/mcp", http_client=http)) as client:
                    await client.call_tool("get_capabilities", {})


async def test_sse_session_reused_by_another_principal_is_404(tmp_path: Path) -> None:
    data = tmp_path / "data"
    owner = create_key(data, "--name", "owner", "--scopes", "tools:read")["key"]
    intruder = create_key(data, "--name", "intruder", "--scopes", "tools:read")["key"]
    with (
        http_server(tmp_path, "--auth", "apikey") as server,
        server.client() as client,
        client.stream("GET", "/sse", headers={"X-API-Key": owner}) as stream,
    ):
        endpoint = None
        lines = stream.iter_lines()  # kept referenced: a discarded iterator would close the stream
        for line in lines:
            if line.startswith("data: "):
                endpoint = line[len("data: ") :]
                break
        assert endpoint and "session_id=" in endpoint
        message = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        with server.client() as other:
            assert other.post(endpoint, json=message, headers={"X-API-Key": intruder}).status_code == 404
            assert other.post(endpoint, json=message).status_code == 401
            assert other.post(endpoint, json=message, headers={"X-API-Key": owner}).status_code == 202


def test_key_management_over_http_needs_admin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    admin = {"X-API-Key": create_key(data, "--name", "root", "--scopes", "admin")["key"]}
    reader = {"X-API-Key": create_key(data, "--name", "reader", "--scopes", "tools:read")["key"]}
    with http_server(tmp_path, "--auth", "apikey") as server, server.client() as client:
        assert client.get("/admin/keys/").status_code == 401
        refused = client.get("/admin/keys/", headers=reader)
        assert refused.status_code == 403 and 'scope="admin"' in refused.headers["www-authenticate"]
        assert client.post("/admin/keys/", headers=reader, json={"name": "x", "scopes": ["admin"]}).status_code == 403

        created = client.post(
            "/admin/keys/", headers=admin, json={"name": "ci", "scopes": ["tools:read"], "expires": "30d"}
        )
        assert created.status_code == 200
        new = created.json()
        assert {k["name"] for k in client.get("/admin/keys/", headers=admin).json()["keys"]} == {"root", "reader", "ci"}
        assert new["key"] not in client.get("/admin/keys/", headers=admin).text
        assert client.post("/mcp", json={}, headers={"X-API-Key": new["key"]}).status_code != 401

        rotated = client.post(f"/admin/keys/{new['id']}/rotate", headers=admin, json={"grace": "1h"}).json()
        assert rotated["replaces"]["id"] == new["id"] and rotated["key"] != new["key"]
        assert client.delete(f"/admin/keys/{new['id']}", headers=admin).json()["revoked"] is True
        assert client.post("/mcp", json={}, headers={"X-API-Key": new["key"]}).status_code == 401
        assert client.get(f"/admin/keys/{rotated['id']}", headers=admin).json()["usage"] == []

        assert client.get("/admin/keys/key_000000000000", headers=admin).status_code == 404
        bad = client.post("/admin/keys/", headers=admin, json={"name": "x", "scopes": ["everything"]})
        assert bad.status_code == 400 and "unknown scope" in bad.json()["error"]["message"]
        assert client.post("/admin/keys/", headers=admin, content=b"not json").status_code == 400
