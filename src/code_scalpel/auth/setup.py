"""Build the authentication layer from the server configuration, in one place.

The app assembly calls :func:`check_startup` before binding, :func:`build_auth`
once, :func:`wrap_app` around the MCP app, and ``setup.start()`` /
``setup.close()`` in its lifespan (the key store's usage counters are
flushed on close).  Without ``--auth`` nothing here runs and every HTTP
caller is the ``ANONYMOUS`` principal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from code_scalpel.auth.authenticators import (
    METHODS,
    ApiKeyMethod,
    AuthChain,
    Method,
    MTLSMethod,
    OAuthMethod,
    TokenMethod,
)
from code_scalpel.auth.keystore import KeyStore
from code_scalpel.auth.mtls import MTLSAuthenticator, ScopeMap, uvicorn_options
from code_scalpel.auth.oauth import OAuthSettings, OAuthVerifier
from code_scalpel.auth.principal import Principal
from code_scalpel.auth.tokens import TokenStore
from code_scalpel.errors import InvalidArgument

log = logging.getLogger("code_scalpel.auth")

OPEN_LAN_WARNING = (
    "listening on %s UNAUTHENTICATED (no --auth): anyone on the network can call every tool "
    "(add --auth token|apikey|oauth|mtls; --require-auth refuses to start like this)"
)


def parse_methods(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    methods: list[str] = []
    for item in items:
        for name in str(item).replace(" ", ",").split(","):
            if not name:
                continue
            if name not in METHODS:
                raise InvalidArgument(f"--auth {name!r} is not one of {', '.join(METHODS)}")
            if name not in methods:
                methods.append(name)
    return methods


def enabled_methods(config: Any) -> list[str]:
    methods = parse_methods(getattr(config, "auth", None))
    if getattr(config, "ssl_client_ca", None) and "mtls" not in methods:
        methods.append("mtls")
    return methods


def check_startup(config: Any) -> None:
    """Refuse (InvalidArgument → exit 2) an HTTP server without authentication when --require-auth is set."""
    if config.transport == "stdio" or enabled_methods(config):
        return
    if getattr(config, "require_auth", False):
        raise InvalidArgument(
            "--require-auth is set but no authentication method is configured: add --auth token|apikey|oauth|mtls"
        )


def default_resource_url(config: Any) -> str:
    scheme = "https" if config.ssl_cert else "http"
    host = f"[{config.host}]" if ":" in config.host else config.host
    return f"{scheme}://{host}:{config.port}/mcp"


@dataclass
class AuthSetup:
    chain: AuthChain
    keystore: KeyStore | None = None
    tokens: TokenStore | None = None
    oauth: OAuthSettings | None = None
    #: Extra ``uvicorn.Config`` keyword arguments (mTLS).
    uvicorn_options: dict[str, Any] = field(default_factory=dict)

    def record_call(self, principal: Principal, tool: str, error: bool) -> None:
        if self.keystore is not None and principal.method == "apikey" and principal.key_id:
            self.keystore.record_use(principal.key_id, tool, error)

    def start(self, *, sighup: bool = True) -> None:
        from code_scalpel.auth.redact import install_access_log_redaction

        install_access_log_redaction()
        if self.keystore is not None:
            self.keystore.start()
        if self.tokens is not None and sighup:
            try:
                self.tokens.install_sighup()
            except ValueError:  # not the main thread (tests running the server in a thread)
                log.debug("SIGHUP reload not installed: not in the main thread")

    def close(self) -> None:
        if self.keystore is not None:
            self.keystore.close()


def build_auth(config: Any, data_dir: str | Path | None) -> AuthSetup | None:
    methods = enabled_methods(config)
    if not methods:
        return None
    built: list[Method] = []
    setup_kwargs: dict[str, Any] = {}
    resource_metadata_url = None
    for name in methods:
        if name == "token":
            tokens = TokenStore(getattr(config, "token_file", None))
            setup_kwargs["tokens"] = tokens
            built.append(TokenMethod(tokens))
        elif name == "apikey":
            if data_dir is None:
                raise InvalidArgument("--auth apikey needs a data directory (--data-dir)")
            keystore = KeyStore(data_dir)
            setup_kwargs["keystore"] = keystore
            built.append(ApiKeyMethod(keystore))
        elif name == "oauth":
            issuer = getattr(config, "oauth_issuer", None)
            if not issuer:
                raise InvalidArgument("--auth oauth needs --oauth-issuer URL (the authorization server)")
            try:
                settings = OAuthSettings(
                    issuer=issuer,
                    audience=getattr(config, "oauth_audience", None) or default_resource_url(config),
                    jwks_url=getattr(config, "oauth_jwks_url", None),
                    introspection_url=getattr(config, "oauth_introspection_url", None),
                    **({"leeway": config.oauth_leeway} if getattr(config, "oauth_leeway", None) is not None else {}),
                )
            except ValueError as exc:
                raise InvalidArgument(str(exc)) from None
            setup_kwargs["oauth"] = settings
            resource_metadata_url = settings.resource_metadata_url
            built.append(OAuthMethod(OAuthVerifier(settings)))
        elif name == "mtls":
            client_ca = getattr(config, "ssl_client_ca", None)
            if not client_ca:
                raise InvalidArgument("--auth mtls needs --ssl-client-ca FILE (the CA that signs client certificates)")
            if not config.ssl_cert:
                raise InvalidArgument("--ssl-client-ca needs HTTPS: give --ssl-cert and --ssl-key too")
            setup_kwargs["uvicorn_options"] = uvicorn_options(client_ca)
            built.append(MTLSMethod(MTLSAuthenticator(ScopeMap.load(getattr(config, "mtls_scope_map", None)))))
    chain = AuthChain(built, resource_metadata_url=resource_metadata_url)
    return AuthSetup(chain=chain, **setup_kwargs)


def wrap_app(app: ASGIApp, setup: AuthSetup, tool_scopes: Mapping[str, str]) -> ASGIApp:
    """The authentication stack around the MCP app: metadata → authentication → tool scopes → app."""
    from code_scalpel.http.middleware.authentication import AuthenticationMiddleware
    from code_scalpel.http.middleware.protected_resource import ProtectedResourceMetadataMiddleware
    from code_scalpel.http.middleware.tool_scopes import ToolScopeMiddleware

    app = ToolScopeMiddleware(app, tool_scopes, challenge=setup.chain.challenge, on_call=setup.record_call)
    app = AuthenticationMiddleware(app, setup.chain)
    if setup.oauth is not None:
        app = ProtectedResourceMetadataMiddleware(app, setup.oauth.resource_metadata())
    return app
