"""The documented nginx configuration (docs/deploy/nginx.conf), run by a real nginx in front of the server.

Skipped, with the reason, when nginx is not installed (CI: `apt-get install -y nginx`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from support import free_port, http_server, mcp_session

pytestmark = pytest.mark.anyio

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
CONF = Path(__file__).parent.parent / "docs" / "deploy" / "nginx.conf"
CLIENT = "127.0.0.5"  # a loopback alias: the "remote" client, distinct from the proxy's 127.0.0.1


def start_nginx(tmp_path: Path, upstream_port: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    site = CONF.read_text()
    site = re.sub(r"server 127\.0\.0\.1:\d+;", f"server 127.0.0.1:{upstream_port};", site)
    site = re.sub(r"listen [^;]+;", f"listen 127.0.0.1:{port};", site)
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    main = f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
{"user root;" if _root() else ""}
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
{site}
}}
"""
    conf = prefix / "nginx.conf"
    conf.write_text(main)
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc, port
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                detail = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"nginx did not start: {detail}") from None
            time.sleep(0.05)


def _root() -> bool:
    import os

    return os.geteuid() == 0


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install -y nginx)")
async def test_nginx_in_front_with_trusted_proxy(tmp_path: Path) -> None:
    args = ("--trusted-proxy", "127.0.0.1", "--deny-ip", "127.0.0.6/32")
    with http_server(tmp_path, *args) as server:
        upstream = int(server.base_url.rsplit(":", 1)[1])
        proc, port = start_nginx(tmp_path, upstream)
        try:
            front = f"http://127.0.0.1:{port}"
            # The official client through nginx, on both transports: streaming passes unbuffered.
            for kind, path in (("http", "/mcp"), ("sse", "/sse")):
                async with mcp_session(kind, front + path) as session:
                    result = await session.call_tool("get_capabilities", {})
                    assert not result.is_error
            as_client = httpx.Client(transport=httpx.HTTPTransport(local_address=CLIENT), base_url=front)
            spoof = {"X-Forwarded-For": "127.0.0.6", "Forwarded": "for=127.0.0.6"}
            with as_client:
                init = {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": "2025-06-18",
                        "capabilities": {},
                        "clientInfo": {"name": "t", "version": "0"},
                    },
                }
                accept = {"Accept": "application/json, text/event-stream"}
                spoofed = as_client.post("/mcp", json=init, headers={**spoof, **accept})
                metrics = as_client.get("/metrics")
            denied_client = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.6"), base_url=front)
            with denied_client:
                denied = denied_client.get("/healthz")
        finally:
            proc.terminate()
            proc.wait(10)
    assert spoofed.status_code == 200  # a client cannot claim the denied address through nginx
    assert denied.status_code == 403  # the real client behind nginx is the one filtered
    assert metrics.status_code == 403  # blocked at nginx
    records = [json.loads(line) for line in (tmp_path / "data" / "audit.log").read_text().splitlines()]
    # The MCP clients ran on 127.0.0.1 itself; the spoofing client is seen as what it is, 127.0.0.5.
    assert {r["client_ip"] for r in records} == {"127.0.0.1", CLIENT}
    assert records[-1]["client_ip"] == CLIENT and records[-1]["status"] == 200
