"""Real servers and real clients for the tests: subprocesses on 127.0.0.1, the official MCP client."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

SERVER_CMD = [sys.executable, "-m", "code_scalpel"]


def tls_verify(verify: str | bool) -> ssl.SSLContext | bool:
    """A CA file path becomes a context trusting only that CA."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    stderr_path: Path
    verify: str | bool = True

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, verify=tls_verify(self.verify), timeout=10, **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def http_server(
    tmp_path: Path,
    *extra: str,
    transport: str = "streamable-http",
    root: Path | None = None,
    env: dict[str, str] | None = None,
    scheme: str = "http",
    verify: str | bool = True,
) -> Iterator[RunningServer]:
    """Start ``codescalpel mcp`` on an ephemeral loopback port and wait until /healthz answers."""
    port = free_port()
    stderr_path = tmp_path / f"server-{port}.err"
    args = [
        *SERVER_CMD, "mcp", "--transport", transport, "--port", str(port),
        "--root", str(root or tmp_path), "--data-dir", str(tmp_path / "data"), *extra,
    ]  # fmt: skip
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}
        )
    server = RunningServer(proc, f"{scheme}://127.0.0.1:{port}", stderr_path, verify)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {server.stderr()}")
            try:
                with server.client() as c:
                    if c.get("/healthz").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {server.stderr()}")
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 30, cwd: Path | None = None, prefix=()):
    return subprocess.run(
        [*prefix, *SERVER_CMD, *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=cwd, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def mcp_session(
    kind: str,
    target: str | Sequence[str],
    *,
    headers: dict[str, str] | None = None,
    verify: str | bool = True,
    env: dict[str, str] | None = None,
) -> AsyncIterator[ClientSession]:
    """An initialized official-client session over ``stdio`` (target: server args), ``http`` or ``sse`` (a URL)."""
    import httpx2

    async with contextlib.AsyncExitStack() as stack:
        if kind == "stdio":
            params = StdioServerParameters(command=SERVER_CMD[0], args=[*SERVER_CMD[1:], *target], env=env)
            read, write = await stack.enter_async_context(stdio_client(params, errlog=sys.stderr))
        elif kind == "http":
            client = await stack.enter_async_context(
                httpx2.AsyncClient(
                    headers=headers or {}, verify=tls_verify(verify), timeout=httpx2.Timeout(30, read=60)
                )
            )
            read, write = await stack.enter_async_context(streamable_http_client(str(target), http_client=client))
        elif kind == "sse":

            def factory(headers=None, timeout=None, auth=None):
                return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, verify=tls_verify(verify))

            read, write = await stack.enter_async_context(
                sse_client(str(target), headers=headers, httpx_client_factory=factory)
            )
        else:
            raise ValueError(kind)
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()
        yield session


@dataclass
class Certificates:
    ca: Path
    cert: Path
    key: Path
    other_key: Path


def make_certificates(folder: Path) -> Certificates:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost, plus an unrelated key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Code Scalpel test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = Certificates(folder / "ca.pem", folder / "cert.pem", folder / "key.pem", folder / "other-key.pem")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(pem_key(key))
    paths.other_key.write_bytes(pem_key(ec.generate_private_key(ec.SECP256R1())))
    return paths
