"""OAuth 2.1 resource server: verify access tokens an authorization server issued for us.

JWTs are checked against the issuer's JWKS (found through its RFC 8414
metadata unless ``--oauth-jwks-url`` is given); opaque tokens go through RFC
7662 introspection when it is configured.  Rules that are not negotiable:

* only asymmetric algorithms from an allowlist (never ``none``, never HMAC,
  whose "secret" would be our public key);
* ``iss`` must be exactly the configured issuer and ``aud`` must name our
  resource URL (RFC 8707) — on every token, there is no switch to turn it off;
* ``exp`` is required; ``exp``/``nbf`` get a small leeway for clock skew;
* an unknown ``kid`` re-fetches the JWKS at most once per ``refresh_interval``
  so forged kids cannot make us hammer the issuer;
* when the issuer cannot be reached and a key we do not have is needed, the
  request is refused with 503 (:class:`IssuerUnavailable`), never accepted.

The token is only ever sent to the configured introspection endpoint (which
is the issuer's) and is never logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import jwt

from code_scalpel.auth.principal import SCOPES, Principal

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_KTY_FOR_ALG = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
VERIFIED_CACHE_SECONDS = 60.0
ENV_CLIENT_ID = "CODE_SCALPEL_OAUTH_CLIENT_ID"
ENV_CLIENT_SECRET = "CODE_SCALPEL_OAUTH_CLIENT_SECRET"


class TokenRejected(Exception):
    """The token is not valid for us (→ 401 invalid_token). The message names no secret."""


class IssuerUnavailable(Exception):
    """We cannot check the token because the issuer is unreachable (→ 503)."""


@dataclass
class OAuthSettings:
    issuer: str
    #: Our resource URL (RFC 8707/9728), e.g. https://scalpel.example.com/mcp; every token's ``aud`` must name it.
    audience: str
    jwks_url: str | None = None
    introspection_url: str | None = None
    algorithms: tuple[str, ...] = ALGORITHMS
    leeway: float = 30.0
    refresh_interval: float = 10.0
    http_timeout: float = 5.0
    introspection_cache_seconds: float = 30.0
    scopes_supported: tuple[str, ...] = field(default=SCOPES)

    def __post_init__(self) -> None:
        if not 0 <= self.leeway <= 300:
            raise ValueError("--oauth-leeway must be between 0 and 300 seconds")
        bad = [a for a in self.algorithms if a not in ALGORITHMS]
        if bad:
            raise ValueError(f"algorithm(s) {', '.join(bad)} are not allowed; choose from {', '.join(ALGORITHMS)}")
        for name in ("issuer", "audience"):
            if urlsplit(getattr(self, name)).scheme not in ("https", "http"):
                raise ValueError(f"--oauth-{name} must be an http(s) URL")

    @property
    def resource_metadata_url(self) -> str:
        """RFC 9728 §3.1: the well-known path inserted before the resource's own path."""
        parts = urlsplit(self.audience)
        return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-protected-resource{parts.path.rstrip('/')}"

    def resource_metadata(self) -> dict[str, Any]:
        return {
            "resource": self.audience,
            "authorization_servers": [self.issuer],
            "scopes_supported": list(self.scopes_supported),
            "bearer_methods_supported": ["header"],
            "resource_name": "Code Scalpel",
        }


def scopes_of(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        items = raw.split()
    else:
        items = [s for s in raw if isinstance(s, str)] if isinstance(raw, list) else []
    return frozenset(s for s in items if s in SCOPES)


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def _metadata_urls(issuer: str) -> list[str]:
    parts = urlsplit(issuer)
    base, path = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    return [f"{base}/.well-known/oauth-authorization-server{path}", f"{base}/.well-known/openid-configuration{path}"]


class OAuthVerifier:
    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self._jwks_url = settings.jwks_url
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._loaded = False
        self._last_attempt = float("-inf")
        self._last_failed = False
        self._lock: anyio.Lock | None = None
        self._introspected: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        # Verified JWTs by digest: a signature is checked once, not on every request of a session.  Expiry is
        # re-checked on every hit, entries live at most a minute, and a JWKS re-fetch (rotation) clears them all.
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        #: How many times the JWKS was fetched (for the "no hammering" guarantee and for operators).
        self.jwks_fetches = 0

    # -- JWKS --------------------------------------------------------------
    async def _get_json(self, client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        response = await client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    async def _discover(self, client: httpx.AsyncClient) -> str:
        for url in _metadata_urls(self.settings.issuer):
            try:
                meta = await self._get_json(client, url)
            except httpx.HTTPStatusError:
                continue
            if meta.get("issuer") != self.settings.issuer:
                raise ValueError(f"metadata at {url} names issuer {meta.get('issuer')!r}, not the configured one")
            if not isinstance(meta.get("jwks_uri"), str):
                raise ValueError(f"metadata at {url} has no jwks_uri")
            return meta["jwks_uri"]
        raise ValueError("the issuer publishes no authorization server metadata")

    async def _fetch_keys(self) -> None:
        self._last_attempt = time.monotonic()
        self.jwks_fetches += 1
        try:
            async with httpx.AsyncClient(timeout=self.settings.http_timeout, follow_redirects=False) as client:
                if self._jwks_url is None:
                    self._jwks_url = await self._discover(client)
                data = await self._get_json(client, self._jwks_url)
            keys: dict[str | None, jwt.PyJWK] = {}
            for item in data.get("keys", []):
                if not isinstance(item, dict) or item.get("use", "sig") != "sig" or item.get("kty") == "oct":
                    continue
                try:
                    keys[item.get("kid")] = jwt.PyJWK(item)
                except jwt.PyJWTError:
                    continue  # a key type or curve we do not support
        except (httpx.HTTPError, ValueError) as exc:
            self._last_failed = True
            log.error("cannot fetch the signing keys of issuer %s: %s", self.settings.issuer, exc)
            raise IssuerUnavailable(
                "the authorization server's signing keys cannot be fetched right now; retry shortly"
            ) from None
        self._keys, self._loaded, self._last_failed = keys, True, False
        self._verified.clear()
        log.info("fetched %d signing key(s) from %s", len(keys), self._jwks_url)

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        key = self._find(kid) if self._loaded else None
        if key is not None:
            return key
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            key = self._find(kid) if self._loaded else None
            if key is not None:
                return key
            if time.monotonic() - self._last_attempt < self.settings.refresh_interval:
                if self._last_failed or not self._loaded:
                    raise IssuerUnavailable(
                        "the authorization server's signing keys cannot be fetched right now; retry shortly"
                    )
                raise TokenRejected("the token is signed with a key the issuer does not publish")
            await self._fetch_keys()
        key = self._find(kid)
        if key is None:
            raise TokenRejected("the token is signed with a key the issuer does not publish")
        return key

    async def _verify_jwt(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("the token is not a well-formed JWT") from None
        alg = header.get("alg")
        if alg not in self.settings.algorithms:
            raise TokenRejected(f"the token's algorithm is not one of {', '.join(self.settings.algorithms)}")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenRejected("the token's kid is not a string")
        key = await self._key(kid)
        # A key published for one algorithm family must not verify another (alg confusion).
        if key.key_type != _KTY_FOR_ALG.get(alg[:2]):
            raise TokenRejected("the token's algorithm does not match its key")
        declared = key._jwk_data.get("alg")
        if declared is not None and declared != alg:
            raise TokenRejected("the token's algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway,
                options={"require": ["exp", "iss", "aud"], "verify_aud": True, "verify_iss": True},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("the token is not valid yet (nbf)") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected(f"the token was not issued for this resource ({self.settings.audience})") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("the token was not issued by the configured issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"the token lacks the required {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("the token's signature does not verify") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise TokenRejected("the token does not verify") from None
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        client_id = claims.get("client_id") or claims.get("azp")
        subject = claims.get("sub") or client_id
        if not isinstance(subject, str) or not subject:
            raise TokenRejected("the token names no subject (sub or client_id)")
        exp = claims.get("exp")
        return Principal(
            method="oauth",
            subject=subject,
            name=str(client_id or subject),
            scopes=scopes_of(claims),
            expires_at=float(exp) if isinstance(exp, int | float) else None,
            extra={"iss": claims.get("iss"), "client_id": client_id},
        )

    # -- introspection -----------------------------------------------------
    async def _introspect(self, token: str) -> Principal:
        url = self.settings.introspection_url
        assert url is not None
        cache_key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._introspected.get(cache_key)
        now = time.time()
        if cached is not None and cached[0] > now:
            return cached[1]
        auth = None
        if os.environ.get(ENV_CLIENT_ID):
            auth = httpx.BasicAuth(os.environ[ENV_CLIENT_ID], os.environ.get(ENV_CLIENT_SECRET, ""))
        try:
            async with httpx.AsyncClient(timeout=self.settings.http_timeout, follow_redirects=False) as client:
                response = await client.post(
                    url,
                    data={"token": token, "token_type_hint": "access_token"},
                    auth=auth,
                    headers={"Accept": "application/json"},
                )
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("token introspection at %s failed: %s", url, type(exc).__name__)
            raise IssuerUnavailable(
                "the authorization server cannot check this token right now; retry shortly"
            ) from None
        if not isinstance(data, dict) or data.get("active") is not True:
            raise TokenRejected("the token is not active")
        if data.get("iss", self.settings.issuer) != self.settings.issuer:
            raise TokenRejected("the token was not issued by the configured issuer")
        aud = data.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if self.settings.audience not in audiences:
            raise TokenRejected(f"the token was not issued for this resource ({self.settings.audience})")
        exp = data.get("exp")
        if isinstance(exp, int | float) and exp + self.settings.leeway < now:
            raise TokenRejected("the token has expired")
        nbf = data.get("nbf")
        if isinstance(nbf, int | float) and nbf - self.settings.leeway > now:
            raise TokenRejected("the token is not valid yet (nbf)")
        principal = self._principal(data)
        until = now + self.settings.introspection_cache_seconds
        if isinstance(exp, int | float):
            until = min(until, exp)
        self._introspected[cache_key] = (until, principal)
        while len(self._introspected) > 10_000:
            self._introspected.popitem(last=False)
        return principal

    async def _verify_jwt_cached(self, token: str) -> Principal:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.time()
        hit = self._verified.get(digest)
        if hit is not None:
            until, principal = hit
            if now < until:
                return principal
            del self._verified[digest]
            if principal.expires_at is not None and principal.expires_at + self.settings.leeway <= now:
                raise TokenRejected("the token has expired")
        principal = await self._verify_jwt(token)
        until = now + VERIFIED_CACHE_SECONDS
        if principal.expires_at is not None:
            until = min(until, principal.expires_at + self.settings.leeway)
        self._verified[digest] = (until, principal)
        while len(self._verified) > 10_000:
            self._verified.popitem(last=False)
        return principal

    async def verify(self, token: str) -> Principal:
        if looks_like_jwt(token):
            return await self._verify_jwt_cached(token)
        if self.settings.introspection_url:
            return await self._introspect(token)
        raise TokenRejected("the token is not a JWT and no introspection endpoint is configured")
