"""Throughput of tools/call over Streamable HTTP: the whole abuse-control stack against the bare server.

Two server processes run the same core app on 127.0.0.1; one bare (no
authentication, no abuse-control layers, no call guard), one with the whole
stack: request id, client address (trusted proxy), metrics, IP filter, audit
log (written to disk, hash-chained), failed-auth throttle, API-key
authentication and tool scopes, signature check, rate limit (memory store, a
limit high enough never to refuse) and the call guard.  Rounds alternate
between the two, so noise hits both alike; the best round of each is compared.
Target: the stack keeps >= 85% of bare throughput.

Run: ``python bench/stack_bench.py [--requests 1500] [--concurrency 8] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench_license import throughput_license

ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def serve(mode: str, data_dir: str) -> None:
    """Child process: build the app as `codescalpel mcp` would, optionally without the abuse layers."""
    import uvicorn

    import code_scalpel.http.app as app_module
    from code_scalpel.auth.setup import build_auth
    from code_scalpel.config import ServerConfig
    from code_scalpel.server.launch import build_runtime
    from code_scalpel.server.mcp_server import build_server

    license_file, public_key = throughput_license(Path(data_dir) / "lic")
    config = ServerConfig(
        transport="streamable-http",
        data_dir=data_dir,
        root=[data_dir],
        log_level="WARNING",
        trusted_proxy=["10.0.0.0/8"],
        allow_ip=["127.0.0.0/8"],
        rate_limits={"default": "10000000/minute", "anonymous": "10000000/minute"},
        auth=None if mode == "bare" else "apikey",
        license_file=str(license_file),
        license_public_key=str(public_key),
    )
    runtime = build_runtime(config)
    auth = build_auth(config, runtime.data_dir) if mode == "full" else None
    if mode == "bare":
        real = app_module.build_abuse_controls

        def no_controls(*args: object, **kwargs: object) -> object:
            controls = real(*args, **kwargs)  # type: ignore[arg-type]
            controls.edge = controls.before_auth = controls.after_auth = list  # type: ignore[method-assign]
            return controls

        app_module.build_abuse_controls = no_controls  # type: ignore[assignment]
        runtime.call_guard = None
    app = app_module.build_http_app(config, runtime, build_server(runtime), auth)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(
        uvicorn.Config(app, log_level="warning", log_config=None, proxy_headers=False, access_log=False)
    ).run(sockets=[sock])


async def session(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    init = {
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "b", "version": "1"}},
    }  # fmt: skip
    r = await client.post(url, json=init, headers=ACCEPT)
    r.raise_for_status()
    headers = {**ACCEPT, "Mcp-Session-Id": r.headers["mcp-session-id"], "MCP-Protocol-Version": "2025-06-18"}
    await client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    return headers


async def measure(url: str, requests: int, concurrency: int, key: str | None) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    auth = {"X-API-Key": key} if key else {}
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=auth) as client:
        headers = await session(client, url)

        def body(rid: int) -> bytes:
            # Ids must be unique within a session: the SDK routes each answer by its request id.
            call = {"name": "get_capabilities", "arguments": {}}
            return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": call}).encode()

        counter = iter(range(1000, 1000 + requests))
        failures = 0

        async def worker() -> None:
            nonlocal failures
            for rid in counter:
                r = await client.post(url, content=body(rid), headers=headers)
                if r.status_code != 200 or b'"result"' not in r.content:
                    failures += 1

        for rid in range(1, 21):  # warm-up
            await client.post(url, content=body(rid), headers=headers)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{failures} failed calls against {url}")
        return requests / elapsed


async def per_request_cost(calls: int, tmp: str) -> tuple[float, float]:
    """Microseconds per tools/call through a trivial ASGI app, alone and inside the abuse layers (no network)."""
    from starlette.applications import Starlette

    from code_scalpel.config import ServerConfig
    from code_scalpel.http.abuse_stack import build_abuse_controls
    from code_scalpel.tools.registry import all_tools

    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_capabilities", "arguments": {}}}
    ).encode()
    answer = b'{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}'

    async def trivial(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})

    config = ServerConfig(
        transport="streamable-http", trusted_proxy=["10.0.0.0/8"], allow_ip=["127.0.0.0/8"],
        rate_limits={"default": "10000000/minute", "anonymous": "10000000/minute"},
    )  # fmt: skip
    controls = build_abuse_controls(config, all_tools(), Path(tmp))
    stack = Starlette(middleware=[*controls.edge(), *controls.before_auth(), *controls.after_auth()])
    stack.router = trivial  # type: ignore[assignment]

    async def run(app) -> float:  # type: ignore[no-untyped-def]
        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(_: dict) -> None:
            return None

        scope = {
            "type": "http", "method": "POST", "path": "/mcp", "raw_path": b"/mcp", "query_string": b"",
            "headers": [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080), "scheme": "http",
        }  # fmt: skip
        started = time.perf_counter()
        for _ in range(calls):
            await app(dict(scope, state={}), receive, send)
        return (time.perf_counter() - started) / calls * 1e6

    best_bare, best_stack = float("inf"), float("inf")
    for _ in range(3):
        best_bare = min(best_bare, await run(trivial))
        best_stack = min(best_stack, await run(stack))
    return best_bare, best_stack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=("bare", "full"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.data_dir)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        procs, urls = {}, {}
        try:
            keys: dict[str, str | None] = {"bare": None}
            for mode in ("bare", "full"):
                data = Path(tmp) / mode
                data.mkdir()
                if mode == "full":
                    created = subprocess.run(
                        [sys.executable, "-m", "code_scalpel", "keys", "create", "--data-dir", str(data),
                         "--name", "bench", "--scopes", "tools:read", "--json"],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    keys["full"] = json.loads(created.stdout)["key"]
                proc = subprocess.Popen(
                    [sys.executable, __file__, "--serve", mode, "--data-dir", str(data)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                procs[mode] = proc
                urls[mode] = f"http://127.0.0.1:{int(proc.stdout.readline())}/mcp"  # type: ignore[union-attr]
            time.sleep(0.5)
            # Sanity: the full server really authenticates (and the bare one does not).
            assert httpx.post(urls["full"], json={}, headers=ACCEPT).status_code == 401
            best = {"bare": 0.0, "full": 0.0}
            for round_no in range(1, args.rounds + 1):
                for mode in ("bare", "full") if round_no % 2 else ("full", "bare"):
                    rate = asyncio.run(measure(urls[mode], args.requests, args.concurrency, keys[mode]))
                    best[mode] = max(best[mode], rate)
                    print(f"round {round_no} {mode:>4}: {rate:8.0f} calls/s")
            audit = Path(tmp) / "full" / "audit.log"
            records = [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
            lines = sum(1 for r in records if (r.get("principal") or {}).get("method") == "apikey")
        finally:
            for proc in procs.values():
                proc.terminate()
                proc.wait(10)
        bare_us, stack_us = asyncio.run(per_request_cost(3000, tmp))
    ratio = best["full"] / best["bare"]
    print(f"bare server      : {best['bare']:8.0f} tools/call per s (best of {args.rounds})")
    print(f"full abuse stack : {best['full']:8.0f} tools/call per s  ({lines} audit lines by the API key)")
    print(f"ratio            : {ratio:.1%} of bare (target >= 85%)")
    print(
        f"in process       : {stack_us - bare_us:8.1f} us added per tools/call by the abuse layers "
        f"({bare_us:.1f} us trivial app alone, {stack_us:.1f} us with the layers, audit to disk included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
