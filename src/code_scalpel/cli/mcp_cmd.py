"""``codescalpel mcp``: run the MCP server on stdio, Streamable HTTP or SSE."""

from __future__ import annotations

import argparse

from code_scalpel.config import LOG_LEVELS, TRANSPORTS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mcp", help="run the MCP server", description=__doc__)
    # Defaults are None so that build_config can tell a given flag from an absent one.
    p.add_argument("--transport", choices=TRANSPORTS, help="stdio (default), streamable-http or sse")
    p.add_argument("--host", help="address to bind for HTTP (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port for HTTP (default 8080)")
    p.add_argument("--allow-lan", action="store_true", default=None, help="permit binding a non-loopback address")
    p.add_argument("--root", action="append", metavar="DIR", help="a directory tools may read (repeatable)")
    p.add_argument("--ssl-cert", metavar="FILE", help="TLS certificate (PEM); HTTPS only when given")
    p.add_argument("--ssl-key", metavar="FILE", help="TLS private key (PEM)")
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help="default from $SCALPEL_MCP_OUTPUT")
    p.add_argument("--config", metavar="FILE", help="TOML settings; flags override the file")
    p.add_argument("--data-dir", metavar="DIR", help="where state is kept (default $CODE_SCALPEL_HOME)")
    p.add_argument("--allowed-host", action="append", metavar="NAME", help="extra accepted Host (repeatable)")
    p.add_argument("--allowed-origin", action="append", metavar="ORIGIN", help="extra accepted Origin (repeatable)")
    abuse = p.add_argument_group("abuse controls and accountability (docs/abuse-controls.md)")
    abuse.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="CIDR",
        help="read X-Forwarded-For/Forwarded only from these peers (repeatable)",
    )
    abuse.add_argument("--allow-ip", action="append", metavar="CIDR", help="only these client addresses (repeatable)")
    abuse.add_argument("--deny-ip", action="append", metavar="CIDR", help="refuse these client addresses (repeatable)")
    abuse.add_argument("--rate-limit", metavar="LIMIT", help="per credential, limits notation (default 600/minute)")
    abuse.add_argument("--rate-limit-storage", metavar="URI", help="memory:// (default) or redis://HOST:PORT/DB")
    abuse.add_argument(
        "--rate-limit-fail-open",
        action="store_true",
        default=None,
        help="let requests through when the rate-limit store is down (default: refuse, 503)",
    )
    abuse.add_argument(
        "--require-signature",
        action="store_true",
        default=None,
        help="every request must be signed (see `codescalpel sign`)",
    )
    abuse.add_argument("--signing-secrets", metavar="FILE", help="TOML [[signing_keys]] id/secret for signatures")
    abuse.add_argument(
        "--audit-log", metavar="FILE", help="audit log file, or 'off' (HTTP default: audit.log in the data directory)"
    )
    abuse.add_argument("--log-format", choices=("text", "json"), help="stderr log format (default text)")
    auth = p.add_argument_group("authentication (HTTP transports)")
    auth.add_argument("--auth", metavar="METHODS", help="comma-separated: token, apikey, oauth, mtls")
    auth.add_argument("--token-file", metavar="FILE", help="TOML [[tokens]] for --auth token (re-read on change)")
    auth.add_argument("--oauth-issuer", metavar="URL", help="authorization server issuer for --auth oauth")
    auth.add_argument(
        "--oauth-audience", metavar="URL", help="this server's resource URL (default http(s)://host:port/mcp)"
    )
    auth.add_argument("--oauth-jwks-url", metavar="URL", help="JWKS URL (default: from the issuer's metadata)")
    auth.add_argument("--oauth-introspection-url", metavar="URL", help="RFC 7662 endpoint for opaque tokens")
    auth.add_argument("--oauth-leeway", type=float, metavar="SECONDS", help="clock skew allowed on exp/nbf (30)")
    auth.add_argument("--ssl-client-ca", metavar="FILE", help="CA bundle for client certificates (enables mTLS)")
    auth.add_argument("--mtls-scope-map", metavar="FILE", help="TOML mapping certificate identities to scopes")
    auth.add_argument(
        "--require-auth",
        action="store_true",
        default=None,
        help="refuse to start an HTTP server without authentication",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from code_scalpel.server.launch import launch

    return launch(args)
