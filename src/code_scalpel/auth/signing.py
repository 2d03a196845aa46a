"""Signed requests, the client side and the shared definition: HMAC-SHA256 over the request.

Scheme ``CS1-HMAC-SHA256``.  The string signed is, one per line::

    CS1-HMAC-SHA256
    <METHOD>
    <path?query as sent>
    <unix timestamp, seconds>
    <nonce>
    <key id>
    <hex SHA-256 of the body>

and the signature is ``v1=<hex HMAC-SHA256(secret, that string)>``.  The
request carries ``X-Scalpel-Key-Id``, ``X-Scalpel-Timestamp``,
``X-Scalpel-Nonce`` and ``X-Scalpel-Signature``.  The secret is a signing
secret, never the API key: stealing a request's bearer credential is not
enough to sign new requests, and a captured signed request cannot be replayed
(nonce) or kept for later (timestamp window).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from code_scalpel.tomlfile import read_toml

SCHEME = "CS1-HMAC-SHA256"
HEADER_KEY_ID = "X-Scalpel-Key-Id"
HEADER_TIMESTAMP = "X-Scalpel-Timestamp"
HEADER_NONCE = "X-Scalpel-Nonce"
HEADER_SIGNATURE = "X-Scalpel-Signature"
HEADERS = (HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, target: str, timestamp: str, nonce: str, key_id: str, digest: str) -> bytes:
    return "\n".join((SCHEME, method.upper(), target, timestamp, nonce, key_id, digest)).encode()


def signature(secret: bytes, message: bytes) -> str:
    return "v1=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def request_target(url: str) -> str:
    """``path?query`` exactly as the client sends it (what the server sees as raw path + query)."""
    parts = urlsplit(url)
    target = parts.path or "/"
    return f"{target}?{parts.query}" if parts.query else target


def sign_request(
    key_id: str,
    secret: str | bytes,
    method: str,
    url: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers to add to a request so the server accepts it as signed by ``key_id``."""
    key = secret.encode() if isinstance(secret, str) else secret
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(18)
    message = string_to_sign(method, request_target(url), ts, nonce, key_id, body_digest(body))
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(key, message),
    }


def new_signing_secret() -> str:
    return "sss_" + secrets.token_urlsafe(32)


def load_signing_secrets(path: str | Path) -> dict[str, bytes]:
    """The ``--signing-secrets`` file: ``[[signing_keys]]`` tables with ``id`` and ``secret``."""
    data = read_toml(path, "signing secrets file", ValueError)
    result: dict[str, bytes] = {}
    for i, entry in enumerate(data.get("signing_keys", [])):
        key_id, secret = entry.get("id"), entry.get("secret")
        if not isinstance(key_id, str) or not isinstance(secret, str) or len(secret) < 16:
            raise ValueError(
                f"signing secrets file {str(path)!r}: entry {i + 1} needs an 'id' and a 'secret' of 16+ characters"
            )
        result[key_id] = secret.encode()
    return result
