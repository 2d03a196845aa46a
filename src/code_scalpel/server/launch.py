"""Start the server: check the settings, then serve on the chosen transport.

Every refusal here is a one-line message on stderr and exit code 2, never a
traceback: a misconfigured server must not start half-secured.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import ssl
import sys

from code_scalpel.config import ServerConfig, build_config
from code_scalpel.datadir import resolve_data_dir
from code_scalpel.errors import InvalidArgument
from code_scalpel.sandbox import Sandbox
from code_scalpel.server.logs import configure_logging
from code_scalpel.server.runtime import Runtime
from code_scalpel.tool_limits import DEFAULT_LIMITS

log = logging.getLogger("code_scalpel")

EXIT_CONFIG = 2
#: ``--audit-log`` values that switch the audit log off.
AUDIT_OFF = ("off", "none", "false", "")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(config: ServerConfig) -> None:
    if config.transport == "stdio" or is_loopback(config.host):
        return
    if not config.allow_lan:
        raise InvalidArgument(
            f"refusing to bind {config.host!r}: it is not a loopback address and would expose the server to the "
            "network; pass --allow-lan to do that on purpose (and consider --auth)"
        )


def build_runtime(config: ServerConfig) -> Runtime:
    from code_scalpel.licensing.setup import install_licensing
    from code_scalpel.server.call_guard import CallGuard
    from code_scalpel.tools.registry import all_tools

    # Checked here so a typo in [limits] is refused at start; licensing applies them (tightening only).
    DEFAULT_LIMITS.with_overrides(config.limits)
    runtime = Runtime(
        sandbox=Sandbox(config.roots),
        tools=all_tools(),
        data_dir=resolve_data_dir(config.data_dir),
        transport=config.transport,
        tls=bool(config.ssl_cert),
    )
    if config.transport == "stdio" and config.audit_log and config.audit_log.strip().lower() not in AUDIT_OFF:
        from code_scalpel.audit.log import AuditLog

        runtime.audit_log = AuditLog(config.audit_log)
    if config.transport != "stdio":
        # Imported for HTTP only: stdio needs no credentials, and start-up time is a feature.
        from code_scalpel.auth.scope_policy import ScopePolicy
        from code_scalpel.auth.setup import enabled_methods

        if enabled_methods(config):
            runtime.policies.append(ScopePolicy())
    install_licensing(runtime, config)
    # Concurrency per principal follows the tier in force at each call (a license change applies at once).
    limits = runtime.limits_provider
    runtime.call_guard = CallGuard.from_table(config.rate_limits or {}, lambda _p: limits().max_concurrent_calls)
    return runtime


def launch(args: argparse.Namespace) -> int:
    try:
        config = build_config(args)
        configure_logging(config.effective_log_level, config.log_format)
        check_binding(config)
        if config.transport != "stdio":
            from code_scalpel.auth.setup import check_startup

            check_startup(config)
        if bool(config.ssl_cert) != bool(config.ssl_key):
            raise InvalidArgument("--ssl-cert and --ssl-key go together; pass both or neither")
        runtime = build_runtime(config)
        if config.transport == "stdio":
            return serve_stdio(runtime)
        return serve_http(config, runtime)
    except InvalidArgument as exc:
        print(f"codescalpel mcp: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    except ValueError as exc:  # limits overrides and similar settings
        print(f"codescalpel mcp: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def serve_stdio(runtime: Runtime) -> int:
    import anyio
    from mcp.server.stdio import stdio_server

    from code_scalpel.server.mcp_server import build_server
    from code_scalpel.server.stdio_guard import guard_stdio

    server = build_server(runtime)

    async def serve(read: object, write: object) -> None:
        await server.run(read, write, server.create_initialization_options())  # type: ignore[arg-type]

    async def main() -> None:
        async with stdio_server() as (read, write):
            await guard_stdio(read, write, serve)

    anyio.run(main)
    return 0


def serve_http(config: ServerConfig, runtime: Runtime) -> int:
    import uvicorn

    from code_scalpel.auth.mtls import client_cert_protocol
    from code_scalpel.auth.setup import OPEN_LAN_WARNING, build_auth
    from code_scalpel.http.app import build_http_app
    from code_scalpel.http.tls import build_ssl_context
    from code_scalpel.server.mcp_server import build_server

    auth = build_auth(config, runtime.data_dir)
    ssl_context = (
        build_ssl_context(config.ssl_cert, config.ssl_key, config.ssl_client_ca)
        if config.ssl_cert and config.ssl_key
        else None
    )
    mtls_options: dict[str, object] = {}
    if ssl_context is not None and config.ssl_client_ca:
        # Optional at the TLS layer so a client without a certificate gets a readable 401 (and other
        # --auth methods still work); a certificate that is presented must verify against the CA.
        ssl_context.verify_mode = ssl.CERT_OPTIONAL
        mtls_options["http"] = client_cert_protocol()
    if auth is None and not is_loopback(config.host):
        log.warning(OPEN_LAN_WARNING, config.host)
    app = build_http_app(config, runtime, build_server(runtime), auth)
    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_config=None,  # ours: stderr only
        access_log=config.effective_log_level == "DEBUG",
        server_header=False,
        ssl_context_factory=(lambda _cfg, _default: ssl_context) if ssl_context else None,
        timeout_graceful_shutdown=5,
        # Off: uvicorn would trust X-Forwarded-For from 127.0.0.1 and take even its leftmost/garbage entry;
        # ClientAddressMiddleware (--trusted-proxy) is the one place that decides who the client is.
        proxy_headers=False,
        **mtls_options,  # type: ignore[arg-type]
    )
    scheme = "https" if ssl_context else "http"
    log.info("Code Scalpel serving %s://%s:%d/mcp (and /sse)", scheme, config.host, config.port)
    uvicorn.Server(uv_config).run()
    return 0
