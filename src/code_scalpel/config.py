"""Server settings: defaults, overridden by the TOML file, overridden by flags.

Every ``--flag-name`` has the file key ``flag_name`` (top level), so the file
and the command line never disagree on names.  An unknown key in the file is
an error at start, not silently ignored.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from code_scalpel.errors import InvalidArgument
from code_scalpel.tomlfile import read_toml

LOG_ENV = "SCALPEL_MCP_OUTPUT"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TRANSPORTS = ("stdio", "sse", "streamable-http")


@dataclass
class ServerConfig:
    transport: str = "stdio"
    host: str = "127.0.0.1"
    port: int = 8080
    allow_lan: bool = False
    root: list[str] = field(default_factory=list)
    ssl_cert: str | None = None
    ssl_key: str | None = None
    log_level: str | None = None
    data_dir: str | None = None
    allowed_host: list[str] = field(default_factory=list)
    allowed_origin: list[str] = field(default_factory=list)
    #: Authentication methods, comma-separated or a list: token, apikey, oauth, mtls.
    auth: str | list[str] | None = None
    token_file: str | None = None
    oauth_issuer: str | None = None
    oauth_audience: str | None = None
    oauth_jwks_url: str | None = None
    oauth_introspection_url: str | None = None
    #: Clock-skew allowance for exp/nbf, seconds.
    oauth_leeway: float | None = None
    ssl_client_ca: str | None = None
    mtls_scope_map: str | None = None
    require_auth: bool = False
    #: License (see docs/licensing.md): explicit file, extra trusted public keys, grace past expiry, revocation list.
    license_file: str | None = None
    license_public_key: list[str] = field(default_factory=list)
    license_grace: str | None = None
    license_crl: str | None = None
    #: Overrides of individual tool limits (see ToolLimits), from the file's [limits] table.
    limits: dict[str, Any] = field(default_factory=dict)
    # Abuse controls and accountability (docs/abuse-controls.md).
    trusted_proxy: list[str] = field(default_factory=list)
    allow_ip: list[str] = field(default_factory=list)
    deny_ip: list[str] = field(default_factory=list)
    rate_limit: str | None = None
    rate_limit_storage: str | None = None
    rate_limit_fail_open: bool = False
    require_signature: bool = False
    signing_secrets: str | None = None
    #: A file, or "off"; HTTP default: audit.log in the data directory; stdio default: off.
    audit_log: str | None = None
    log_format: str = "text"
    #: The file's [rate_limits] table: default, anonymous, auth_failures, tool_costs, tool_limits,
    #: tool_budgets, default_budget, strategy.
    rate_limits: dict[str, Any] = field(default_factory=dict)

    @property
    def effective_log_level(self) -> str:
        level = (self.log_level or os.environ.get(LOG_ENV) or "INFO").upper()
        if level not in LOG_LEVELS:
            raise InvalidArgument(f"log level {level!r} is not one of {', '.join(LOG_LEVELS)}")
        return level

    @property
    def roots(self) -> list[str]:
        return self.root or [os.getcwd()]


def load_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    data = read_toml(path, "config file")
    known = {f.name for f in fields(ServerConfig)}
    # Accept the natural plural spellings in the file (roots, allowed_hosts).
    aliases = {
        "roots": "root",
        "allowed_hosts": "allowed_host",
        "allowed_origins": "allowed_origin",
        "trusted_proxies": "trusted_proxy",
        "allow_ips": "allow_ip",
        "deny_ips": "deny_ip",
    }
    data = {aliases.get(k, k): v for k, v in data.items()}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidArgument(f"config file {os.fspath(path)!r}: unknown setting(s) {', '.join(unknown)}")
    base = Path(path).resolve().parent
    if "root" in data:
        data["root"] = [str((base / r).resolve()) for r in data["root"]]
    return data


def build_config(args: argparse.Namespace) -> ServerConfig:
    """Merge defaults, ``--config FILE`` and the flags that were actually given."""
    values: dict[str, Any] = {}
    if getattr(args, "config", None):
        values.update(load_file(args.config))
    for f in fields(ServerConfig):
        given = getattr(args, f.name, None)
        if given is not None and given != []:
            values[f.name] = given
    config = ServerConfig(**values)
    if config.transport not in TRANSPORTS:
        raise InvalidArgument(f"transport {config.transport!r} is not one of {', '.join(TRANSPORTS)}")
    return config
