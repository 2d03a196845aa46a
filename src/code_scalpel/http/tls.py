"""The server's TLS context: HTTPS only, TLS 1.2 at least, and errors that name the file at fault."""

from __future__ import annotations

import os
import ssl

from code_scalpel.errors import InvalidArgument


def _check_readable(kind: str, path: str) -> None:
    if not os.path.exists(path):
        raise InvalidArgument(f"{kind} file {path!r} does not exist")
    if not os.path.isfile(path):
        raise InvalidArgument(f"{kind} file {path!r} is not a regular file")
    if not os.access(path, os.R_OK):
        raise InvalidArgument(f"{kind} file {path!r} is not readable by this user")


def build_ssl_context(cert: str, key: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A server context; with ``client_ca`` every client must present a certificate signed by it."""
    _check_readable("--ssl-cert", cert)
    _check_readable("--ssl-key", key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        if "KEY_VALUES_MISMATCH" in reason.upper():
            raise InvalidArgument(f"--ssl-key {key!r} does not match the certificate in --ssl-cert {cert!r}") from None
        raise InvalidArgument(
            f"cannot load the TLS certificate {cert!r} with key {key!r}: {reason}; both must be PEM files"
        ) from None
    if client_ca:
        _check_readable("--ssl-client-ca", client_ca)
        try:
            ctx.load_verify_locations(client_ca)
        except ssl.SSLError as exc:
            raise InvalidArgument(f"cannot load --ssl-client-ca {client_ca!r}: {exc.reason or exc}") from None
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
