"""What authentication costs: tools/call throughput over Streamable HTTP with each method against none.

Every server is a real ``codescalpel mcp`` process started by this script; the
OAuth issuer is a local authorization server (tests/auth_helpers.py) and the
mTLS certificates are made here.  Rounds of calls alternate between the
servers so that machine noise hits every method alike; the figure per method
is the median of its rounds, printed beside the unauthenticated baseline of
the same run (plain HTTP for token/apikey/oauth, HTTPS for mTLS, since TLS
itself is not the cost being measured).  Target: each method within 5%.

The whole-server figures swing by ±10% on a shared 2-core machine, so the
script also times the authentication stack alone, in process (the ASGI
middlewares around a no-op app, same request as above), and prints its cost
per request as a share of the measured unauthenticated round trip.

Run: ``python bench/auth_bench.py [--rounds 15] [--calls 100]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from auth_helpers import (
    TOKEN_READ,
    AuthorizationServer,
    bound_socket,
    ec_key,
    issue_cert,
    make_ca,
    rsa_key,
    serve,
    write,
    write_token_file,
)
from bench_license import license_flags

INIT = {
    "jsonrpc": "2.0", "id": 0, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}  # fmt: skip
CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_capabilities", "arguments": {}}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(root: Path, name: str, *extra: str, scheme: str = "http", verify: object = True):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "code_scalpel", "mcp", "--transport", "streamable-http", "--port", str(port),
         "--root", str(root), "--data-dir", str(root / "data"), "--log-level", "ERROR",
         *license_flags(root / "license"), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"{scheme}://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz", verify=verify, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} server did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


class Caller:
    def __init__(self, base: str, headers: dict[str, str], verify: object = True) -> None:
        self.client = httpx.Client(base_url=base, verify=verify, timeout=30)
        self.headers = {"accept": "application/json, text/event-stream", **headers}
        response = self.client.post("/mcp", json=INIT, headers=self.headers)
        response.raise_for_status()
        self.headers.update(
            {"mcp-session-id": response.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"}
        )
        self.client.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=self.headers)

    def round(self, calls: int) -> float:
        start = time.perf_counter()
        for _ in range(calls):
            response = self.client.post("/mcp", json=CALL, headers=self.headers)
            if response.status_code != 200 or b'"isError":true' in response.content:
                raise RuntimeError(f"call failed: {response.status_code} {response.text[:200]}")
        return calls / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (root / "data").mkdir(mode=0o700)
        token_file = root / "tokens.toml"
        write_token_file(token_file)

        from code_scalpel.auth.keystore import KeyStore

        _, api_key = KeyStore(root / "data").create("bench", ["tools:read"])

        as_sock = bound_socket()
        issuer = AuthorizationServer(keys=[rsa_key("rsa-1"), ec_key("ec-1")])
        issuer.issuer = f"http://127.0.0.1:{as_sock.getsockname()[1]}"
        stack.enter_context(serve(issuer.app(), as_sock))

        ca = make_ca("bench CA")
        server_cert, server_key = issue_cert(ca, "localhost", server=True)
        ca_file = write(root / "ca.pem", ca.pem())
        tls = [
            "--ssl-cert",
            write(root / "server.crt", server_cert),
            "--ssl-key",
            write(root / "server.key", server_key),
        ]
        scope_map = write(root / "map.toml", '[[clients]]\nid = "O=Example,CN=bench"\nscopes = ["tools:read"]\n')
        client_cert, client_key = issue_cert(ca, "bench")
        client_ctx = ssl.create_default_context(cafile=ca_file)
        client_ctx.load_cert_chain(write(root / "client.crt", client_cert), write(root / "client.key", client_key))
        plain_ctx = ssl.create_default_context(cafile=ca_file)

        bases = {
            "none": stack.enter_context(server(root, "none")),
            "token": stack.enter_context(server(root, "token", "--auth", "token", "--token-file", str(token_file))),
            "apikey": stack.enter_context(server(root, "apikey", "--auth", "apikey")),
            "oauth": stack.enter_context(server(root, "oauth", "--auth", "oauth", "--oauth-issuer", issuer.issuer)),
            "https-none": stack.enter_context(server(root, "https", *tls, scheme="https", verify=plain_ctx)),
            "mtls": stack.enter_context(server(root, "mtls", *tls, "--ssl-client-ca", ca_file, "--mtls-scope-map",
                                               scope_map, scheme="https", verify=plain_ctx)),
        }  # fmt: skip
        jwt = issuer.mint(aud=bases["oauth"] + "/mcp", scope="tools:read", exp=int(time.time()) + 3600)
        callers = {
            "none": Caller(bases["none"], {}),
            "token": Caller(bases["token"], {"authorization": f"Bearer {TOKEN_READ}"}),
            "apikey": Caller(bases["apikey"], {"x-api-key": api_key}),
            "oauth": Caller(bases["oauth"], {"authorization": f"Bearer {jwt}"}),
            "https-none": Caller(bases["https-none"], {}, plain_ctx),
            "mtls": Caller(bases["mtls"], {}, client_ctx),
        }
        for caller in callers.values():  # warm-up: imports, JWKS fetch, caches
            caller.round(20)
        rates: dict[str, list[float]] = {name: [] for name in callers}
        for _ in range(args.rounds):
            order = list(callers)
            random.shuffle(order)
            for name in order:
                rates[name].append(callers[name].round(args.calls))
        stack_costs = in_process_costs(root, token_file, api_key, issuer, client_cert.decode())

    median = {name: statistics.median(values) for name, values in rates.items()}
    baseline_of = {"token": "none", "apikey": "none", "oauth": "none", "mtls": "https-none"}
    print(f"tools/call get_capabilities over Streamable HTTP, {args.rounds} rounds x {args.calls} calls (median)")
    print(f"{'method':12} {'calls/s':>9} {'baseline':>10} {'ratio':>7} {'cost':>7}")
    for name in ("none", "https-none", "token", "apikey", "oauth", "mtls"):
        if name in baseline_of:
            base = median[baseline_of[name]]
            ratio = median[name] / base
            print(f"{name:12} {median[name]:9.0f} {base:10.0f} {ratio:7.3f} {(1 - ratio) * 100:6.1f}%")
        else:
            print(f"{name:12} {median[name]:9.0f} {'(baseline)':>10}")
    round_trip_us = 1e6 / median["none"]
    print(f"\nauthentication stack alone, in process (us per request; share of a {round_trip_us:.0f} us round trip)")
    for name, cost in stack_costs.items():
        print(f"{name:12} {cost:9.1f} us {cost / round_trip_us * 100:6.2f}%")
    return 0


def in_process_costs(root: Path, token_file: Path, api_key: str, issuer: AuthorizationServer, cert_pem: str):
    """Per-request cost of the middlewares (metadata, authentication, tool scopes) minus a bare no-op app."""
    import asyncio

    from code_scalpel.auth.setup import build_auth, wrap_app
    from code_scalpel.config import ServerConfig

    audience = "http://127.0.0.1:8080/mcp"
    body = json.dumps(CALL).encode()

    async def noop(scope, receive, send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    def stack(methods: str, **config) -> object:
        cfg = ServerConfig(transport="streamable-http", auth=methods, token_file=str(token_file),
                           oauth_issuer=issuer.issuer, oauth_audience=audience, **config)  # fmt: skip
        if "mtls" in methods:
            cfg.ssl_cert, cfg.ssl_client_ca, cfg.mtls_scope_map = "x", str(root / "ca.pem"), str(root / "map.toml")
        setup = build_auth(cfg, root / "data")
        return wrap_app(noop, setup, {"get_capabilities": "tools:read"})

    jwt = issuer.mint(aud=audience, scope="tools:read", exp=int(time.time()) + 3600)
    cases = {
        "none": (noop, []),
        "token": (stack("token"), [(b"authorization", f"Bearer {TOKEN_READ}".encode())]),
        "apikey": (stack("apikey"), [(b"x-api-key", api_key.encode())]),
        "oauth": (stack("oauth"), [(b"authorization", f"Bearer {jwt}".encode())]),
        "mtls": (stack("mtls"), []),
    }

    tls = {"tls": {"client_cert_chain": [cert_pem]}}

    async def run(app, headers, n: int) -> float:
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message) -> None:
            if message["type"] == "http.response.start" and message["status"] != 200:
                raise RuntimeError(f"refused: {message['status']}")

        start = time.perf_counter()
        for _ in range(n):
            scope = {"type": "http", "method": "POST", "path": "/mcp", "query_string": b"", "client": ("127.0.0.1", 1),
                     "headers": [(b"content-type", b"application/json"), *headers], "state": {},
                     "extensions": tls if app is cases["mtls"][0] else {}}  # fmt: skip
            await app(scope, receive, send)
        return (time.perf_counter() - start) / n * 1e6

    async def main() -> dict[str, float]:
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for app, headers in cases.values():
            await run(app, headers, 200)  # warm-up (JWKS fetch)
        for _ in range(7):
            for name, (app, headers) in cases.items():
                timings[name].append(await run(app, headers, 2000))
        base = statistics.median(timings.pop("none"))
        return {name: statistics.median(values) - base for name, values in timings.items()}

    return asyncio.run(main())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
