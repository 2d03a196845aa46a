"""The ordered chain of authentication methods.

A request is decided by the first enabled method whose credential it
carries; a credential that is present but invalid is rejected, never passed
on to the next method (otherwise a revoked key could fall through to some
weaker check).  Which method a bearer value belongs to is decided by its
shape: ``csk_…`` is an API key, ``a.b.c`` a JWT (OAuth), anything else a
static token (or, with only OAuth introspection enabled, an opaque OAuth
token).  Every failure is an :class:`AuthFailure` carrying the HTTP status
and the RFC 6750 error; its description never contains the credential.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from code_scalpel.auth import apikeys
from code_scalpel.auth.keystore import KeyStore
from code_scalpel.auth.mtls import CertRejected, MTLSAuthenticator, client_cert_pem
from code_scalpel.auth.oauth import IssuerUnavailable, OAuthVerifier, TokenRejected, looks_like_jwt
from code_scalpel.auth.principal import Principal
from code_scalpel.auth.tokens import TokenStore

log = logging.getLogger("code_scalpel.auth")

METHODS = ("token", "apikey", "oauth", "mtls")
#: Longest Authorization / X-API-Key value we read; a JWT with many claims fits, a flood does not.
MAX_CREDENTIAL_BYTES = 8192
#: Query parameters that carry credentials in other APIs; we refuse them rather than ignore them.
QUERY_CREDENTIALS = frozenset(
    {
        "access_token",
        "token",
        "api_key",
        "apikey",
        "api-key",
        "key",
        "auth",
        "authorization",
        "bearer",
        "jwt",
        "id_token",
    }
)
# RFC 6750 §2.1: b64token, one space after the scheme, nothing else.
_BEARER_RE = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")


@dataclass
class AuthFailure(Exception):
    status: int
    description: str
    #: RFC 6750 error code for the challenge (None: no credential of ours was presented).
    error: str | None = None
    method: str | None = None

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class Credentials:
    """What a request presents, parsed once."""

    bearer: str | None = None
    api_key_header: str | None = None
    client_cert: str | None = None

    @property
    def bearer_kind(self) -> str | None:
        if self.bearer is None:
            return None
        if apikeys.looks_like_key(self.bearer):
            return "apikey"
        return "jwt" if looks_like_jwt(self.bearer) else "opaque"


def parse_credentials(scope: dict[str, Any]) -> Credentials:
    """Read the credential headers strictly; anything ambiguous is a 400/431, not a guess."""
    for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if name.lower() in QUERY_CREDENTIALS:
            raise AuthFailure(
                400,
                f"credentials are not accepted in the URL query string ({name}=); "
                "send them in the Authorization header",
                "invalid_request",
            )
    authorization: list[bytes] = []
    api_keys: list[bytes] = []
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            authorization.append(value)
        elif key == b"x-api-key":
            api_keys.append(value)
        else:
            continue
        if len(value) > MAX_CREDENTIAL_BYTES:
            raise AuthFailure(431, f"the {key.decode()} header is longer than {MAX_CREDENTIAL_BYTES} bytes")
    if len(authorization) + len(api_keys) > 1:
        raise AuthFailure(
            400, "send exactly one credential (one Authorization or one X-API-Key header)", "invalid_request"
        )
    bearer = None
    if authorization:
        raw = authorization[0].decode("latin-1")
        scheme, sep, value = raw.partition(" ")
        if scheme.lower() != "bearer":
            raise AuthFailure(401, "use the Bearer authentication scheme: 'Authorization: Bearer <credential>'")
        if not sep or not value:
            raise AuthFailure(400, "the Bearer credential is empty", "invalid_request")
        if not _BEARER_RE.match(value):
            raise AuthFailure(
                400,
                "the Bearer credential is malformed: one space after 'Bearer', then the "
                "credential with no spaces or other separators",
                "invalid_request",
            )
        bearer = value
    api_key = None
    if api_keys:
        api_key = api_keys[0].decode("latin-1")
        if not api_key or not _BEARER_RE.match(api_key):
            raise AuthFailure(400, "the X-API-Key header is empty or malformed", "invalid_request")
    return Credentials(bearer, api_key, client_cert_pem(scope))


class Method(Protocol):
    name: str

    def claims(self, creds: Credentials, enabled: frozenset[str]) -> bool: ...

    async def authenticate(self, creds: Credentials) -> Principal: ...


class TokenMethod:
    name = "token"

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def claims(self, creds: Credentials, enabled: frozenset[str]) -> bool:
        kind = creds.bearer_kind
        return (
            kind == "opaque"
            or (kind == "jwt" and "oauth" not in enabled)
            or (kind == "apikey" and "apikey" not in enabled)
        )

    async def authenticate(self, creds: Credentials) -> Principal:
        assert creds.bearer is not None
        principal = self.store.verify(creds.bearer)
        if principal is None:
            raise AuthFailure(401, "the bearer token is not valid", "invalid_token", self.name)
        return principal


class ApiKeyMethod:
    name = "apikey"

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def claims(self, creds: Credentials, enabled: frozenset[str]) -> bool:
        return creds.api_key_header is not None or creds.bearer_kind == "apikey"

    async def authenticate(self, creds: Credentials) -> Principal:
        key = creds.api_key_header if creds.api_key_header is not None else creds.bearer
        assert key is not None
        if not apikeys.well_formed(key):
            raise AuthFailure(
                401, "the API key is malformed or mistyped (its checksum does not match)", "invalid_token", self.name
            )
        record = self.store.lookup(key)
        if record is None:
            raise AuthFailure(401, "the API key is not known to this server", "invalid_token", self.name)
        state = record.state()
        if state != "active":
            raise AuthFailure(401, f"the API key {record.id} is {state}", "invalid_token", self.name)
        self.store.record_use(record.id)
        return Principal(
            method="apikey",
            subject=f"apikey:{record.id}",
            name=record.name,
            scopes=frozenset(record.scopes),
            expires_at=record.expires,
            key_id=record.id,
            tools=frozenset(record.tools) if record.tools is not None else None,
            rate_limit=record.rate_limit,
            # The signing middleware refuses this principal's unsigned requests, and signatures by another key id.
            extra={"require_signature": True} if record.require_signature else {},
        )


class OAuthMethod:
    name = "oauth"

    def __init__(self, verifier: OAuthVerifier) -> None:
        self.verifier = verifier

    def claims(self, creds: Credentials, enabled: frozenset[str]) -> bool:
        kind = creds.bearer_kind
        return kind == "jwt" or (
            kind == "opaque" and "token" not in enabled and self.verifier.settings.introspection_url is not None
        )

    async def authenticate(self, creds: Credentials) -> Principal:
        assert creds.bearer is not None
        try:
            return await self.verifier.verify(creds.bearer)
        except TokenRejected as exc:
            raise AuthFailure(401, str(exc), "invalid_token", self.name) from None
        except IssuerUnavailable as exc:
            raise AuthFailure(503, str(exc), None, self.name) from None


class MTLSMethod:
    name = "mtls"

    def __init__(self, authenticator: MTLSAuthenticator) -> None:
        self.authenticator = authenticator

    def claims(self, creds: Credentials, enabled: frozenset[str]) -> bool:
        return creds.client_cert is not None

    async def authenticate(self, creds: Credentials) -> Principal:
        assert creds.client_cert is not None
        try:
            return self.authenticator.principal(creds.client_cert)
        except CertRejected as exc:
            raise AuthFailure(401, str(exc), None, self.name) from None


class FailureLog:
    """Failed attempts per client address, logged (the rate-limit layer can read ``count``)."""

    def __init__(self, max_clients: int = 10_000) -> None:
        self.max_clients = max_clients
        self._counts: OrderedDict[str, int] = OrderedDict()

    def record(self, client: str, failure: AuthFailure, path: str) -> int:
        count = self._counts.pop(client, 0) + 1
        self._counts[client] = count
        while len(self._counts) > self.max_clients:
            self._counts.popitem(last=False)
        log.warning(
            "authentication failed: client=%s path=%s method=%s status=%d reason=%s failures_from_client=%d",
            client,
            path,
            failure.method or "-",
            failure.status,
            failure.description,
            count,
        )
        return count

    def count(self, client: str) -> int:
        return self._counts.get(client, 0)


class AuthChain:
    def __init__(
        self,
        methods: Sequence[Method],
        *,
        resource_metadata_url: str | None = None,
        default_scope: str = "tools:read tools:security",
    ) -> None:
        if not methods:
            raise ValueError("an authentication chain needs at least one method")
        self.methods = list(methods)
        self.enabled = frozenset(m.name for m in methods)
        self.resource_metadata_url = resource_metadata_url
        self.default_scope = default_scope
        self.failures = FailureLog()

    @property
    def bearer_enabled(self) -> bool:
        return bool(self.enabled - {"mtls"})

    def challenge(self, error: str | None = None, description: str | None = None, scope: str | None = None) -> str:
        """The ``WWW-Authenticate`` value (RFC 6750 §3; RFC 9728 §5.1 for ``resource_metadata``)."""
        if not self.bearer_enabled:
            return 'Mutual realm="code-scalpel"'
        parts = ['realm="code-scalpel"']
        if self.resource_metadata_url:
            parts.append(f'resource_metadata="{self.resource_metadata_url}"')
        parts.append(f'scope="{scope or self.default_scope}"')
        if error:
            parts.append(f'error="{error}"')
            if description:
                parts.append('error_description="{}"'.format(description.replace('"', "'").replace("\\", "/")))
        return "Bearer " + ", ".join(parts)

    async def authenticate(self, scope: dict[str, Any]) -> Principal:
        creds = parse_credentials(scope)
        for method in self.methods:
            if method.claims(creds, self.enabled):
                # Each method checks expiry itself (OAuth with its clock-skew leeway).
                return await method.authenticate(creds)
        if creds.bearer is not None or creds.api_key_header is not None:
            raise AuthFailure(401, "this kind of credential is not accepted by this server", "invalid_token")
        raise AuthFailure(401, "authentication required: " + self._how())

    def _how(self) -> str:
        hows = {
            "token": "a bearer token",
            "apikey": "an API key (Authorization: Bearer csk_… or X-API-Key)",
            "oauth": "an OAuth access token for this resource",
            "mtls": "a client certificate signed by the configured CA",
        }
        return "send " + " or ".join(hows[m.name] for m in self.methods)
