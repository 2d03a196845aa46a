"""Per-API-key signing secrets, derived rather than stored.

An API key is kept only as a hash, but a signing secret must be recoverable
by the server, which recomputes the HMAC of every signed request.  Rather
than keep those secrets in clear in the key store, each key gets a random
salt (stored, not secret on its own) and its secret is derived from a server
master secret that lives in a separate file of the data directory::

    signing_secret = "css_" + base64url(HMAC-SHA256(master, "cs-sign-v1" 0 key_id 0 salt))

A copy of ``keys.sqlite3`` alone (a backup, a support bundle) then reveals no
secret; rotating a key draws a new salt, so the new key's secret is
unrelated to the old one.  Losing the master file makes every per-key secret
unverifiable (those keys must be rotated): back it up with the data directory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger("code_scalpel.auth")

MASTER_NAME = "signing-master.key"
MASTER_BYTES = 32
SALT_BYTES = 16
SECRET_PREFIX = "css_"
_LABEL = b"cs-sign-v1"


class MasterSecretError(Exception):
    """The master secret file exists but cannot be used; never replaced, since that would void every secret."""


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def derive(master: bytes, key_id: str, salt: str) -> str:
    """The signing secret of one key, as shown to its owner (and as the HMAC key: its UTF-8 bytes)."""
    # NUL separators keep (key id, salt) pairs unambiguous.
    message = b"\0".join((_LABEL, key_id.encode(), bytes.fromhex(salt)))
    digest = hmac.new(master, message, hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def master_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / MASTER_NAME


def read_master(data_dir: str | Path) -> bytes | None:
    """The master secret, or None when it was never created."""
    path = master_path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MasterSecretError(f"cannot read the signing master secret {path}: {exc.strerror}") from None
    if len(data) != MASTER_BYTES:
        raise MasterSecretError(
            f"the signing master secret {path} is damaged ({len(data)} bytes, expected {MASTER_BYTES}); "
            "restore it from a backup of the data directory"
        )
    return data


def load_or_create_master(data_dir: str | Path) -> bytes:
    """The master secret, created (owner-only) on first use; safe when several processes race to create it."""
    existing = read_master(data_dir)
    if existing is not None:
        return existing
    path = master_path(data_dir)
    tmp = path.with_name(f".{MASTER_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(MASTER_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the name exists: the first writer wins and nobody sees a half-written file.
        try:
            os.link(tmp, path)
            log.info("created the signing master secret %s", path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    master = read_master(data_dir)
    assert master is not None
    return master
