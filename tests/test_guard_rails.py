"""Guard rails that need no credentials: binding, Host/Origin, body size, TLS start-up checks.

Each is a table of cases against a real server process.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from support import free_port, http_server, make_certificates, run_cli

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}  # fmt: skip
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


# --- binding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com"])
def test_non_loopback_bind_refused_without_allow_lan(tmp_path: Path, host: str) -> None:
    result = run_cli("mcp", "--transport", "streamable-http", "--host", host, "--port", str(free_port()),
                     "--root", str(tmp_path), "--data-dir", str(tmp_path / "d"))  # fmt: skip
    assert result.returncode == 2
    assert "--allow-lan" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_allow_lan_starts_with_a_loud_warning(tmp_path: Path) -> None:
    with http_server(tmp_path, "--host", "0.0.0.0", "--allow-lan") as server:
        assert "UNAUTHENTICATED" in server.stderr()


# --- Host and Origin (DNS rebinding) ------------------------------------------------------------

HOST_ORIGIN_CASES = [
    # (Host header or None for the real one, Origin or None, expected status)
    (None, None, 200),
    ("localhost:{port}", None, 200),
    ("LOCALHOST:{port}", None, 200),
    ("127.0.0.1", None, 200),
    ("[::1]:{port}", None, 200),
    ("evil.example", None, 421),
    ("evil.example:{port}", None, 421),
    ("127.0.0.1.evil.example", None, 421),
    ("localhost.evil.example:{port}", None, 421),
    ("", None, 421),
    (None, "http://localhost:3000", 200),
    (None, "http://127.0.0.1:{port}", 200),
    (None, "https://[::1]:8443", 200),
    (None, "http://evil.example", 403),
    (None, "http://localhost.evil.example", 403),
    (None, "null", 403),
    (None, "file://", 403),
    (None, "http://localhost:3000/path", 403),
    ("docs.internal:{port}", None, 200),  # --allowed-host docs.internal
    (None, "https://app.example.com", 200),  # --allowed-origin
    (None, "https://app.example.com:444", 403),
]
ENDPOINTS = [("POST", "/mcp"), ("GET", "/sse"), ("POST", "/messages/?session_id=0"), ("GET", "/healthz")]


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("guarded")
    with http_server(tmp, "--allowed-host", "docs.internal", "--allowed-origin", "https://app.example.com") as server:
        yield server


@pytest.mark.parametrize(("host", "origin", "expected"), HOST_ORIGIN_CASES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_host_and_origin(guarded_server, host, origin, expected, method, path) -> None:
    port = guarded_server.base_url.rsplit(":", 1)[1]
    headers = dict(MCP_HEADERS)
    if host is not None:
        headers["host"] = host.format(port=port)
    if origin is not None:
        headers["origin"] = origin.format(port=port)
    with guarded_server.client() as client:
        if path == "/sse" and expected == 200:
            with client.stream(method, path, headers=headers) as response:
                assert response.status_code == 200
            return
        response = client.request(method, path, headers=headers, json=INIT if method == "POST" else None)
    if expected == 200:
        assert response.status_code not in (403, 421), response.text
    else:
        assert response.status_code == expected
        error = response.json()["error"]
        assert ("--allowed-host" if expected == 421 else "--allowed-origin") in error["message"]


# --- request size -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_body_server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("small")
    config = tmp / "scalpel.toml"
    config.write_text("[limits]\nmax_request_bytes = 65536\n")
    with http_server(tmp, "--config", str(config)) as server:
        yield server


def _chunks(total: int):
    chunk = b" " * 8192
    for _ in range(total // len(chunk)):
        yield chunk


@pytest.mark.parametrize(
    ("path", "body", "chunked"),
    [
        ("/mcp", b"x" * 70_000, False),
        ("/mcp", None, True),
        ("/messages/?session_id=00000000000000000000000000000000", b"x" * 70_000, False),
        ("/mcp", b" " * (50 * 1024 * 1024), False),
    ],
)
def test_oversized_bodies_get_413(small_body_server, path: str, body: bytes | None, chunked: bool) -> None:
    with small_body_server.client() as client:
        content = _chunks(200_000) if chunked else body
        response = client.post(path, content=content, headers=MCP_HEADERS)
        assert response.status_code == 413
        assert "65536" in response.json()["error"]["message"]
        # ...and the server keeps serving.
        assert client.post("/mcp", json=INIT, headers=MCP_HEADERS).status_code == 200


# --- TLS ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.mark.parametrize(
    ("cert", "key", "named"),
    [
        ("missing.pem", "key", "missing.pem"),
        ("cert", "missing-key.pem", "missing-key.pem"),
        ("cert", "other_key", "does not match"),
        ("garbage.pem", "key", "garbage.pem"),
        ("cert", "unreadable.pem", "not readable"),
        ("directory", "key", "not a regular file"),
    ],
)
def test_bad_tls_material_is_refused_at_start(tmp_path: Path, certs, cert: str, key: str, named: str) -> None:
    prefix: list[str] = []
    if key == "unreadable.pem" and os.geteuid() == 0:
        # Root reads a chmod 000 file; run the server as nobody so the permission check is real.
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop privileges")
        tmp_path = Path(tempfile.mkdtemp(prefix="scalpel-tls-"))  # under /tmp, reachable by nobody
        tmp_path.chmod(0o777)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        probe = subprocess.run([*prefix, sys.executable, "-c", "import code_scalpel"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("user nobody cannot read this checkout (a private folder), so the check cannot run as nobody")
    for name in ("cert.pem", "key.pem", "other-key.pem"):
        shutil.copy(certs.cert.parent / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    shutil.copy(certs.key, tmp_path / "unreadable.pem")
    (tmp_path / "unreadable.pem").chmod(0)
    (tmp_path / "directory").mkdir()
    lookup = {"cert": "cert.pem", "key": "key.pem", "other_key": "other-key.pem"}

    def path(name: str) -> str:
        return str(tmp_path / lookup.get(name, name))

    result = run_cli("mcp", "--transport", "streamable-http", "--port", str(free_port()), "--root", str(tmp_path),
                     "--data-dir", str(tmp_path / "d"), "--ssl-cert", path(cert), "--ssl-key", path(key),
                     prefix=prefix)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_cert_without_key_is_refused(tmp_path: Path, certs) -> None:
    result = run_cli("mcp", "--transport", "sse", "--port", str(free_port()), "--root", str(tmp_path),
                     "--data-dir", str(tmp_path / "d"), "--ssl-cert", str(certs.cert))  # fmt: skip
    assert result.returncode == 2
    assert "--ssl-key" in result.stderr


@pytest.mark.parametrize(
    ("maximum", "accepted"),
    [(ssl.TLSVersion.TLSv1_1, False), (ssl.TLSVersion.TLSv1_2, True), (ssl.TLSVersion.TLSv1_3, True)],
)
def test_tls_minimum_version(tmp_path: Path, certs, maximum: ssl.TLSVersion, accepted: bool) -> None:
    with http_server(tmp_path, "--ssl-cert", str(certs.cert), "--ssl-key", str(certs.key),
                     scheme="https", verify=str(certs.ca)) as server:  # fmt: skip
        ctx = ssl.create_default_context(cafile=str(certs.ca))
        try:
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = maximum
        except ValueError:
            pytest.skip("this OpenSSL cannot offer that version at all")
        if not accepted:
            # OpenSSL's default security level may refuse to even offer TLS 1.1 as a client.
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        try:
            ok = httpx.get(server.base_url + "/healthz", verify=ctx, timeout=5).status_code == 200
        except httpx.ConnectError:
            ok = False
        assert ok is accepted
