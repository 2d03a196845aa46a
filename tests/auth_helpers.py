"""Real servers for the authentication tests: uvicorn on 127.0.0.1, an OAuth AS, an MCP app, TLS certs."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# -- uvicorn in a thread ---------------------------------------------------


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serve(app: Any, sock: socket.socket | None = None, **options: Any) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 (an ephemeral port) until the block ends; yields the base URL."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    scheme = "https" if config.is_ssl else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# -- a real OAuth authorization server -------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def flip_last(key: str) -> str:
    """The key with its last character changed (to another one: a key may already end with any letter)."""
    return key[:-1] + ("A" if key[-1] != "A" else "B")


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        algo = RSAAlgorithm if self.alg.startswith(("RS", "PS")) else ECAlgorithm
        data = algo.to_jwk(self.private.public_key(), as_dict=True)
        return {**data, "kid": self.kid, "alg": self.alg, "use": "sig"}


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str) -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class AuthorizationServer:
    """Metadata, JWKS, token and introspection endpoints, like a small real AS."""

    keys: list[SigningKey]
    issuer: str = ""
    jwks_fetches: int = 0
    opaque: dict[str, dict[str, Any]] = field(default_factory=dict)

    def mint(self, key: SigningKey | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        payload = {"iss": self.issuer, "sub": "user-1", "client_id": "client-1", "iat": now, "exp": now + 300}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})})

    def app(self) -> Starlette:
        async def metadata(request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "issuer": self.issuer,
                    "jwks_uri": f"{self.issuer}/jwks",
                    "token_endpoint": f"{self.issuer}/token",
                    "introspection_endpoint": f"{self.issuer}/introspect",
                    "grant_types_supported": ["client_credentials"],
                }
            )

        async def jwks(request: Request) -> JSONResponse:
            self.jwks_fetches += 1
            return JSONResponse({"keys": [k.jwk() for k in self.keys]})

        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            scope = str(form.get("scope", ""))
            resource = str(form.get("resource", ""))
            if form.get("token_format") == "opaque":
                value = uuid.uuid4().hex + uuid.uuid4().hex
                self.opaque[value] = {
                    "active": True,
                    "iss": self.issuer,
                    "aud": resource,
                    "scope": scope,
                    "sub": "user-opaque",
                    "client_id": "client-2",
                    "exp": int(time.time()) + 300,
                }
                return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": 300})
            key = next((k for k in self.keys if k.alg == form.get("alg")), self.keys[0])
            access = self.mint(key, aud=resource, scope=scope, client_id=str(form.get("client_id", "client-1")))
            return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 300})

        async def introspect(request: Request) -> JSONResponse:
            form = await request.form()
            return JSONResponse(self.opaque.get(str(form.get("token")), {"active": False}))

        return Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", metadata),
                Route("/jwks", jwks),
                Route("/token", token, methods=["POST"]),
                Route("/introspect", introspect, methods=["POST"]),
            ]
        )


def unsigned_jwt(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)])


# -- certificates ----------------------------------------------------------


@dataclass
class CertAuthority:
    key: Any
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_ca(name: str) -> CertAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return CertAuthority(key, cert)


def issue_cert(
    ca: CertAuthority,
    cn: str,
    *,
    server: bool = False,
    days: tuple[int, int] = (-1, 30),
    sans: list[x509.GeneralName] | None = None,
) -> tuple[bytes, bytes]:
    """(cert PEM, key PEM) signed by ``ca``; ``days`` is the validity window relative to now."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if server:
        sans = [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def write(path: Path, data: bytes | str) -> str:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


# -- an MCP app with three tools, behind the auth stack ----------------------

TOOL_SCOPES = {
    "analyze_code": "tools:read",
    "get_file_context": "tools:read",
    "security_scan": "tools:security",
    "edit_file": "tools:write",
}


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def mcp_test_app(setup: Any, ran: list[tuple[str, str]], sandbox_root: Path) -> Any:
    """A stand-in for the product's app: the SDK's Streamable HTTP + SSE transports, tools gated by ScopePolicy.

    ``ran`` receives (principal subject, tool) for every tool that actually executed.
    """
    from mcp import types
    from mcp.server.lowlevel import Server
    from mcp.server.sse import SseServerTransport
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from code_scalpel.auth.principal import ANONYMOUS, principal_of
    from code_scalpel.auth.scope_policy import ScopePolicy
    from code_scalpel.auth.setup import wrap_app
    from code_scalpel.sandbox import Sandbox
    from code_scalpel.tools.base import Args, ToolContext, ToolSpec

    specs = {
        name: ToolSpec(
            name=name,
            title=name,
            description=name,
            args=Args,
            output_schema={"type": "object"},
            run=lambda a, c: {},
            summarize=lambda r: "",
            scope=scope,
        )
        for name, scope in TOOL_SCOPES.items()
    }
    policy = ScopePolicy()
    sandbox = Sandbox([str(sandbox_root)])

    def context(ctx: Any) -> ToolContext:
        principal = principal_of(ctx.request.scope) if ctx.request is not None else None
        return ToolContext(sandbox=sandbox, principal=principal or ANONYMOUS)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        tc = context(ctx)
        return types.ListToolsResult(
            tools=[
                types.Tool(name=s.name, input_schema={"type": "object"})
                for s in specs.values()
                if policy.deny(s, tc) is None
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tc = context(ctx)
        spec = specs.get(params.name)
        if spec is None:
            return types.CallToolResult(content=[types.TextContent(type="text", text="unknown tool")], is_error=True)
        refusal = policy.deny(spec, tc)
        if refusal is not None:
            return types.CallToolResult(content=[types.TextContent(type="text", text=refusal.message)], is_error=True)
        ran.append((tc.principal.subject, spec.name))
        failed = bool((params.arguments or {}).get("fail"))
        return types.CallToolResult(content=[types.TextContent(type="text", text=f"ran {spec.name}")], is_error=failed)

    server = Server("auth-test", on_list_tools=list_tools, on_call_tool=call_tool)
    manager = StreamableHTTPSessionManager(app=server, json_response=True)
    sse = SseServerTransport("/messages/")

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            async with manager.run():
                if setup is not None:
                    setup.start(sighup=False)
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
                if setup is not None:
                    setup.close()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        if path == "/mcp":
            await manager.handle_request(scope, receive, send)
        elif path == "/sse":
            async with sse.connect_sse(scope, receive, send) as (read, write):
                await server.run(read, write, server.create_initialization_options())
        elif path.startswith("/messages/"):
            await sse.handle_post_message(scope, receive, send)
        else:
            body = b'{"status":"ok"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200 if path == "/healthz" else 404,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})

    return wrap_app(inner, setup, TOOL_SCOPES) if setup is not None else inner


# -- the shared world: an AS, a token file, a key store, the MCP app behind token,apikey,oauth ----------

PROTOCOL = "2025-11-25"
TOKEN_READ = "read-token-0123456789abcdef"
TOKEN_ALL = "all-token-0123456789abcdef"
TOKEN_ONLY_ANALYZE = "analyze-only-token-0123456789"


@dataclass
class World:
    base: str
    audience: str
    auth_server: AuthorizationServer
    setup: Any
    ran: list[tuple[str, str]]
    keys: dict[str, str]
    key_ids: dict[str, str]
    token_file: Path
    data_dir: Path
    other_keys: dict[str, SigningKey]


def write_token_file(path: Path, extra: str = "") -> None:
    import hashlib

    digest = hashlib.sha256(TOKEN_ALL.encode()).hexdigest()
    path.write_text(
        f'[[tokens]]\nname = "reader"\nscopes = ["tools:read"]\ntoken = "{TOKEN_READ}"\n\n'
        f'[[tokens]]\nname = "admin-ci"\nscopes = ["tools:read", "tools:security"]\nsha256 = "{digest}"\n\n'
        f'[[tokens]]\nname = "narrow"\nscopes = ["tools:read"]\ntools = ["analyze_code"]\n'
        f'token = "{TOKEN_ONLY_ANALYZE}"\n' + extra
    )


@contextlib.contextmanager
def running_world(
    tmp: Path,
    methods: str = "token,apikey,oauth",
    *,
    refresh_interval: float | None = None,
    introspection: bool = False,
) -> Iterator[World]:
    from code_scalpel.auth.keystore import KeyStore
    from code_scalpel.auth.setup import build_auth
    from code_scalpel.config import ServerConfig

    tmp.mkdir(parents=True, exist_ok=True)
    as_sock = bound_socket()
    auth_server = AuthorizationServer(keys=[rsa_key("rsa-1"), ec_key("ec-1")])
    auth_server.issuer = f"http://127.0.0.1:{as_sock.getsockname()[1]}"
    sock = bound_socket()
    audience = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    token_file = tmp / "tokens.toml"
    write_token_file(token_file)
    data_dir = tmp / "data"
    data_dir.mkdir()
    store = KeyStore(data_dir)
    keys: dict[str, str] = {}
    ids: dict[str, str] = {}
    for label, scopes, kwargs in [
        ("read", ["tools:read"], {}),
        ("security", ["tools:read", "tools:security"], {}),
        ("analyze-only", ["tools:read"], {"tools": ["analyze_code"]}),
        ("revoked", ["tools:read"], {}),
        ("expired", ["tools:read"], {"expires_in": 1}),
        ("rotated", ["tools:read"], {}),
    ]:
        record, key = store.create(label, scopes, **kwargs)
        keys[label], ids[label] = key, record.id
    store.revoke(ids["revoked"])
    _, keys["rotated-new"], _ = store.rotate(ids["rotated"], grace=0)
    config = ServerConfig(
        transport="streamable-http",
        auth=methods,
        token_file=str(token_file),
        oauth_issuer=auth_server.issuer,
        oauth_audience=audience,
        oauth_introspection_url=f"{auth_server.issuer}/introspect" if introspection else None,
    )
    setup = build_auth(config, data_dir)
    if refresh_interval is not None:
        for method in setup.chain.methods:
            if method.name == "oauth":
                method.verifier.settings.refresh_interval = refresh_interval
    ran: list[tuple[str, str]] = []
    (tmp / "src").mkdir()
    with serve(auth_server.app(), as_sock), serve(mcp_test_app(setup, ran, tmp / "src"), sock) as base:
        # The "expired" key was created with a 1 s lifetime.
        wait_for(lambda: store.get(ids["expired"]).state() == "expired", 5)
        yield World(
            base, audience, auth_server, setup, ran, keys, ids, token_file, data_dir, {"stranger": rsa_key("rsa-1")}
        )


def rpc(method: str, params: dict[str, Any] | None = None, id: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return message


INIT = rpc(
    "initialize",
    {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "attack-table", "version": "1"}},
)
BASE_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": PROTOCOL,
}


def open_session(client: Any, url: str, headers: list[tuple[str, str]]) -> str | None:
    response = client.post(url, json=INIT, headers=[*BASE_HEADERS.items(), *headers])
    if response.status_code != 200:
        return None
    session = response.headers.get("mcp-session-id")
    client.post(
        url,
        json={"jsonrpc": "2.0", "method": "notifications/initialized"},
        headers=[*BASE_HEADERS.items(), *headers, ("mcp-session-id", session)],
    )
    return session


def call_tool(
    client: Any, url: str, headers: list[tuple[str, str]], tool: str, session: str | None, **arguments: Any
) -> Any:
    extra = [("mcp-session-id", session)] if session else []
    return client.post(
        url,
        json=rpc("tools/call", {"name": tool, "arguments": arguments}, 2),
        headers=[*BASE_HEADERS.items(), *headers, *extra],
    )
