"""The whole abuse-control stack through the real server (`codescalpel mcp`) and the official MCP client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from support import free_port, http_server, mcp_session, run_cli

pytestmark = pytest.mark.anyio

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}  # fmt: skip
ACCEPT = {"Accept": "application/json, text/event-stream"}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "server.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("kind", "path"), [("http", "/mcp"), ("sse", "/sse")])
async def test_audit_metrics_request_id_through_the_real_server(tmp_path: Path, kind: str, path: str) -> None:
    with http_server(tmp_path, "--log-format", "json") as server:
        async with mcp_session(kind, server.base_url + path) as session:
            ok = await session.call_tool("get_capabilities", {})
            assert not ok.is_error
            # Unknown arguments are a JSON-RPC error; they are still audited (digest and paths only).
            for arguments in ({"file_path": "mod.py"}, {"code": "SECRET_CODE_BODY = 1\n"}):
                with pytest.raises(MCPError):
                    await session.call_tool("get_capabilities", arguments)
        with server.client() as client:
            r = client.get("/healthz")
            assert len(r.headers["x-request-id"]) == 32
            metrics = client.get("/metrics")
        stderr = server.stderr()
    assert metrics.status_code == 200
    text = metrics.text
    assert 'codescalpel_tool_calls_total{outcome="ok",tool="get_capabilities"}' in text or kind == "sse"
    assert "codescalpel_http_requests_total" in text and "codescalpel_http_request_duration_seconds" in text
    assert "codescalpel_active_sessions" in text
    audit = tmp_path / "data" / "audit.log"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    calls = [r for r in records if r["event"] == "tool_call"]
    assert [c["tool"] for c in calls] == ["get_capabilities"] * 3
    assert calls[1]["args"]["paths"] == {"file_path": "mod.py"}
    assert calls[2]["args"]["keys"] == ["code"]
    if kind == "http":
        assert [c["outcome"] for c in calls] == ["ok", "error", "error"]
    else:
        assert {c["outcome"] for c in calls} == {"accepted"}  # the answer travels on the SSE stream
    assert "SECRET_CODE_BODY" not in audit.read_text()
    assert all(r["client_ip"] == "127.0.0.1" and r["request_id"] for r in records)
    verify = run_cli("audit", "verify", str(audit))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # --log-format json: every stderr line is one JSON object.
    for line in filter(None, stderr.splitlines()):
        assert isinstance(json.loads(line), dict), line


async def test_rate_limit_429_through_the_real_server(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[rate_limits]\nanonymous = "4/minute"\n')
    with http_server(tmp_path, "--config", str(config)) as server, server.client() as client:
        statuses = [client.post("/mcp", json=INIT, headers=ACCEPT) for _ in range(6)]
        health = client.get("/healthz")
    assert [r.status_code for r in statuses] == [200] * 4 + [429] * 2
    assert all("ratelimit-policy" in r.headers for r in statuses)
    refused = statuses[-1]
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 60
    assert refused.json()["error"]["data"]["retry_after"] == retry and refused.json()["id"] == 1
    assert health.status_code == 200


async def test_trusted_proxy_and_ip_filter_through_the_real_server(tmp_path: Path) -> None:
    args = ("--trusted-proxy", "127.0.0.1", "--deny-ip", "198.51.100.0/24")
    with http_server(tmp_path, *args) as server, server.client() as client:
        denied = client.post("/mcp", json=INIT, headers={**ACCEPT, "X-Forwarded-For": "198.51.100.4"})
        spoof = client.post("/mcp", json=INIT, headers={**ACCEPT, "X-Forwarded-For": "198.51.100.4, 203.0.113.1"})
        metrics_via_proxy = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.1"})
    assert denied.status_code == 403 and "not permitted" in denied.text
    assert spoof.status_code == 200  # the rightmost untrusted hop is the client, not the spoofed leftmost
    # A remote client behind the proxy is not loopback: /metrics needs an admin credential then.
    assert metrics_via_proxy.status_code == 403


async def test_bad_abuse_settings_refuse_to_start(tmp_path: Path) -> None:
    cases = [
        (["--rate-limit", "lots"], "limits notation"),
        (["--trusted-proxy", "10.0.0.0/33"], "--trusted-proxy"),
        (["--rate-limit-storage", "mongodb://x"], "memory:// or redis://"),
        (["--require-signature"], "--signing-secrets"),
        (["--allow-ip", "nope"], "--allow-ip"),
        (["--log-format", "xml"], "invalid choice"),
    ]
    for extra, message in cases:
        r = run_cli(
            "mcp",
            "--transport",
            "streamable-http",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path / "d"),
            *extra,
        )
        assert r.returncode == 2, (extra, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr


def create_key(tmp_path: Path, name: str, *scopes: str) -> dict:
    r = run_cli("keys", "create", "--data-dir", str(tmp_path / "data"), "--name", name, "--scopes", *scopes, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


async def test_with_real_api_keys(tmp_path: Path) -> None:
    """Per-credential limits, the failed-auth throttle and the audit log over the real authentication layer."""
    alice = create_key(tmp_path, "alice", "tools:read")
    bob = create_key(tmp_path, "bob", "tools:read")
    admin = create_key(tmp_path, "ops", "admin")
    config = write_config(tmp_path, '[rate_limits]\nauth_failures = "3/minute"\n')
    args = ("--auth", "apikey", "--rate-limit", "8/minute", "--config", str(config), "--trusted-proxy", "127.0.0.1")
    with http_server(tmp_path, *args) as server:
        async with mcp_session("http", server.base_url + "/mcp", headers={"X-API-Key": alice["key"]}) as session:
            assert not (await session.call_tool("get_capabilities", {})).is_error
        with server.client() as client:
            as_bob = {**ACCEPT, "X-API-Key": bob["key"]}
            statuses = [client.post("/mcp", json=INIT, headers=as_bob).status_code for _ in range(10)]
            over = client.post("/mcp", json=INIT, headers=as_bob)
            remote = {"X-Forwarded-For": "203.0.113.50"}
            guesses = [
                client.post("/mcp", json=INIT, headers={**ACCEPT, **remote, "X-API-Key": "csk_wrong_" + "a" * 40})
                for _ in range(4)
            ]
            locked = client.post("/mcp", json=INIT, headers={**ACCEPT, **remote, "X-API-Key": admin["key"]})
            metrics_user = client.get(
                "/metrics", headers={"X-Forwarded-For": "203.0.113.52", "X-API-Key": alice["key"]}
            )
            metrics_admin = client.get(
                "/metrics", headers={"X-Forwarded-For": "203.0.113.51", "X-API-Key": admin["key"]}
            )
    assert statuses == [200] * 8 + [429] * 2  # bob's own quota, untouched by alice's session
    assert over.status_code == 429 and over.headers["ratelimit-policy"] == '"principal";q=8;w=60'
    assert "for this credential" in over.json()["error"]["message"]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    assert locked.status_code == 429  # the right key from a locked-out address waits too
    assert metrics_user.status_code == 403 and metrics_admin.status_code == 200
    assert 'codescalpel_auth_failures_total{reason="invalid_token"} 3.0' in metrics_admin.text
    assert "codescalpel_rate_limited_requests_total" in metrics_admin.text
    log_text = (tmp_path / "data" / "audit.log").read_text()
    assert alice["key"] not in log_text and admin["key"] not in log_text and "csk_wrong_" not in log_text
    records = [json.loads(line) for line in log_text.splitlines()]
    call = next(r for r in records if r["event"] == "tool_call")
    assert call["principal"] == {"method": "apikey", "id": alice["id"]} and call["outcome"] == "ok"
    denied = [r for r in records if r["auth"] == "denied"]
    assert len(denied) == 3 and all(r["client_ip"] == "203.0.113.50" for r in denied)
    assert run_cli("audit", "verify", str(tmp_path / "data" / "audit.log")).returncode == 0


async def test_stdio_audit_log_when_asked(tmp_path: Path) -> None:
    audit = tmp_path / "stdio-audit.log"
    args = ["mcp", "--root", str(tmp_path), "--data-dir", str(tmp_path / "d"), "--audit-log", str(audit)]
    async with mcp_session("stdio", args) as session:
        assert not (await session.call_tool("get_capabilities", {})).is_error
        with pytest.raises(MCPError):
            await session.call_tool("get_capabilities", {"code": "SECRET_CODE_BODY"})
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["event"], r["tool"], r["outcome"], r["transport"]) for r in records] == [
        ("tool_call", "get_capabilities", "ok", "stdio"),
        ("tool_call", "get_capabilities", "error", "stdio"),
    ]
    assert records[0]["principal"] == {"method": "stdio", "id": "local"}
    assert "SECRET_CODE_BODY" not in audit.read_text()
    assert run_cli("audit", "verify", str(audit)).returncode == 0
    # Off by default on stdio: nothing written to the data directory.
    async with mcp_session("stdio", ["mcp", "--root", str(tmp_path), "--data-dir", str(tmp_path / "d2")]) as session:
        await session.call_tool("get_capabilities", {})
    assert not (tmp_path / "d2" / "audit.log").exists()


async def test_two_real_servers_share_one_limit_through_redis(tmp_path: Path) -> None:
    import random

    config = write_config(tmp_path, '[rate_limits]\nanonymous = "6/minute"\nstorage = "redis://127.0.0.1:6379/0"\n')
    args = ("--config", str(config), "--trusted-proxy", "127.0.0.1")
    # A fresh client address per run, so a rerun within the minute starts from an empty window.
    client_ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    headers = {**ACCEPT, "X-Forwarded-For": client_ip}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        http_server(tmp_path / "a", *args) as one,
        http_server(tmp_path / "b", *args) as two,
        one.client() as c1,
        two.client() as c2,
    ):
        statuses = [(c1 if i % 2 else c2).post("/mcp", json=INIT, headers=headers).status_code for i in range(10)]
    assert statuses == [200] * 6 + [429] * 4
