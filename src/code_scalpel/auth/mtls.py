"""Mutual TLS: the client certificate, verified by the TLS layer, becomes the principal.

The TLS handshake does the cryptographic work (uvicorn with
``ssl_cert_reqs=CERT_OPTIONAL`` and ``ssl_ca_certs=--ssl-client-ca``): a
certificate from another CA, or an expired one, never completes a handshake.
``CERT_OPTIONAL`` rather than ``CERT_REQUIRED`` so a client without a
certificate gets a readable 401 (and other methods can be enabled beside
mTLS) instead of a bare TLS alert.

uvicorn does not put the peer certificate in the ASGI scope, so
:func:`client_cert_protocol` wraps its HTTP protocol to add the ASGI TLS
extension (``scope["extensions"]["tls"]["client_cert_chain"]``, PEM).

Scope mapping file (``--mtls-scope-map``, TOML)::

    identity = "subject"            # or "san:dns", "san:email", "san:uri"
    default_scopes = []             # for verified certificates not listed below
    [[clients]]
    id = "CN=ci,O=Example"          # RFC 4514 subject, or the SAN value
    scopes = ["tools:read"]
    tools = ["analyze_code"]        # optional
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from code_scalpel.auth.principal import SCOPES, Principal
from code_scalpel.errors import InvalidArgument
from code_scalpel.tomlfile import read_toml

IDENTITIES = ("subject", "san:dns", "san:email", "san:uri")
_SAN_TYPES = {"san:dns": x509.DNSName, "san:email": x509.RFC822Name, "san:uri": x509.UniformResourceIdentifier}


class CertRejected(Exception):
    """A verified certificate that still does not identify a client we accept."""


@dataclass(frozen=True)
class ScopeMap:
    identity: str = "subject"
    default_scopes: frozenset[str] = frozenset()
    clients: dict[str, tuple[frozenset[str], frozenset[str] | None]] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None) -> ScopeMap:
        if path is None:
            return cls(clients={})
        where = f"mTLS scope map {os.fspath(path)!r}"
        data = read_toml(path, "mTLS scope map")
        identity = data.get("identity", "subject")
        if identity not in IDENTITIES:
            raise InvalidArgument(f"{where}: identity must be one of {', '.join(IDENTITIES)}")

        def scopes(value: Any, ctx: str) -> frozenset[str]:
            if not isinstance(value, list) or any(s not in SCOPES for s in value):
                raise InvalidArgument(f"{where}: {ctx} must be a list of {', '.join(SCOPES)}")
            return frozenset(value)

        clients: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {}
        for i, item in enumerate(data.get("clients", []), 1):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise InvalidArgument(f"{where}: client #{i} needs an 'id'")
            tools = item.get("tools")
            clients[item["id"]] = (
                scopes(item.get("scopes", []), f"scopes of {item['id']!r}"),
                frozenset(tools) if isinstance(tools, list) else None,
            )
        return cls(identity, scopes(data.get("default_scopes", []), "default_scopes"), clients)


class MTLSAuthenticator:
    def __init__(self, scope_map: ScopeMap) -> None:
        self.scope_map = scope_map
        self._cache: OrderedDict[str, Principal] = OrderedDict()

    def identity(self, cert: x509.Certificate) -> str:
        if self.scope_map.identity == "subject":
            return cert.subject.rfc4514_string()
        try:
            san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        except x509.ExtensionNotFound:
            raise CertRejected("the client certificate has no subjectAltName") from None
        values = san.get_values_for_type(_SAN_TYPES[self.scope_map.identity])
        if not values:
            raise CertRejected(f"the client certificate has no {self.scope_map.identity} subjectAltName")
        return str(values[0])

    def principal(self, pem: str) -> Principal:
        cached = self._cache.get(pem)
        now = dt.datetime.now(dt.UTC)
        if cached is not None and (cached.expires_at or 0) > now.timestamp():
            return cached
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except ValueError:
            raise CertRejected("the client certificate cannot be read") from None
        # The handshake already checked validity; checked again so a cached principal never outlives its cert.
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise CertRejected("the client certificate is outside its validity period")
        ident = self.identity(cert)
        scopes, tools = (self.scope_map.clients or {}).get(ident, (self.scope_map.default_scopes, None))
        principal = Principal(
            method="mtls",
            subject=ident,
            name=cert.subject.rfc4514_string(),
            scopes=scopes,
            tools=tools,
            expires_at=cert.not_valid_after_utc.timestamp(),
        )
        self._cache[pem] = principal
        while len(self._cache) > 1024:
            self._cache.popitem(last=False)
        return principal


def client_cert_pem(scope: dict[str, Any]) -> str | None:
    chain = (scope.get("extensions") or {}).get("tls", {}).get("client_cert_chain") or ()
    return chain[0] if chain else None


def _with_client_cert(app: Any, pem: str) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = scope.setdefault("extensions", {})
            extensions["tls"] = {**extensions.get("tls", {}), "client_cert_chain": [pem]}
        await app(scope, receive, send)

    return wrapped


def client_cert_protocol(base: type | None = None) -> type:
    """uvicorn's HTTP protocol class, extended to pass the verified client certificate to the app."""
    if base is None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol as base

    class ClientCertProtocol(base):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            if der:
                self.app = _with_client_cert(self.app, ssl.DER_cert_to_PEM_cert(der))

    return ClientCertProtocol


def uvicorn_options(client_ca: str) -> dict[str, Any]:
    """What to add to ``uvicorn.Config`` (beside ``ssl_certfile``/``ssl_keyfile``) to enable mTLS."""
    if not os.path.isfile(client_ca):
        raise InvalidArgument(f"--ssl-client-ca {client_ca!r} is not a readable file")
    return {"ssl_cert_reqs": ssl.CERT_OPTIONAL, "ssl_ca_certs": client_ca, "http": client_cert_protocol()}
