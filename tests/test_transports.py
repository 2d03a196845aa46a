"""The same tools answer over stdio, Streamable HTTP, legacy SSE and HTTPS, through the official client."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import http_server, make_certificates, mcp_session

pytestmark = pytest.mark.anyio


async def _exercise(session, root: Path, transport: str) -> None:
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert "get_capabilities" in tools
    cap = tools["get_capabilities"]
    assert cap.annotations is not None and cap.annotations.read_only_hint is True
    assert cap.output_schema is not None
    result = await session.call_tool("get_capabilities", {})
    assert not result.is_error
    assert result.structured_content["transport"] == transport
    assert result.structured_content["roots"] == [str(root.resolve())]
    assert set(result.structured_content["tools"]) == set(tools)
    await session.send_ping()


async def test_stdio(tmp_path: Path) -> None:
    async with mcp_session("stdio", ["mcp", "--root", str(tmp_path), "--data-dir", str(tmp_path / "d")]) as session:
        await _exercise(session, tmp_path, "stdio")


@pytest.mark.parametrize(("transport", "kind", "path"), [("streamable-http", "http", "/mcp"), ("sse", "sse", "/sse")])
async def test_http_transports(tmp_path: Path, transport: str, kind: str, path: str) -> None:
    with http_server(tmp_path, transport=transport) as server:
        async with mcp_session(kind, server.base_url + path) as session:
            await _exercise(session, tmp_path, transport)


async def test_both_endpoints_served_whatever_the_transport_flag(tmp_path: Path) -> None:
    # Old clients configured with /sse keep working against a server started for Streamable HTTP.
    with http_server(tmp_path, transport="streamable-http") as server:
        async with mcp_session("sse", server.base_url + "/sse") as session:
            await _exercise(session, tmp_path, "streamable-http")


@pytest.mark.parametrize(("kind", "path"), [("http", "/mcp"), ("sse", "/sse")])
async def test_https(tmp_path: Path, kind: str, path: str) -> None:
    certs = make_certificates(tmp_path / "tls")
    with http_server(
        tmp_path, "--ssl-cert", str(certs.cert), "--ssl-key", str(certs.key), scheme="https", verify=str(certs.ca)
    ) as server:
        with server.client() as client:
            assert client.get("/healthz").json() == {
                "status": "ok", "version": client.get("/healthz").json()["version"],
                "transport": "streamable-http", "tls": True,
            }  # fmt: skip
        async with mcp_session(kind, server.base_url + path, verify=str(certs.ca)) as session:
            result = await session.call_tool("get_capabilities", {})
            assert result.structured_content["tls"] is True
        # HTTPS only: plain HTTP on the same port gets no MCP answer.
        import httpx

        with pytest.raises(httpx.HTTPError):
            httpx.get(server.base_url.replace("https", "http") + "/healthz", timeout=5)


async def test_stateless_2026_07_28_protocol(tmp_path: Path) -> None:
    # The SDK's unified Client negotiates the newest protocol: no initialize handshake, no session id.
    from mcp import Client

    with http_server(tmp_path) as server:
        async with Client(server.base_url + "/mcp") as client:
            assert client.protocol_version == "2026-07-28"
            result = await client.call_tool("get_capabilities", {})
            assert not result.is_error
            assert result.structured_content["transport"] == "streamable-http"
        # A GET on the endpoint under the stateless protocol is not allowed.
        with server.client() as http:
            response = http.get("/mcp", headers={"mcp-protocol-version": "2026-07-28", "accept": "text/event-stream"})
            assert response.status_code in (400, 405)
