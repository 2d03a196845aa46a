"""Build the abuse-control middlewares from the server settings, in the order they must run.

:func:`build_http_app` places three groups around the lead's and the
authentication layers (outermost first)::

    edge():        RequestId → ClientAddress → Metrics
                   (Host/Origin → BodyLimit)
    before_auth(): IPFilter → Audit → AuthFailureThrottle
                   (Authentication)
    after_auth():  Signature → RateLimit → MetricsEndpoint
                   (routes)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware

from code_scalpel.audit.log import AuditLog
from code_scalpel.auth.signing import load_signing_secrets
from code_scalpel.config import ServerConfig
from code_scalpel.http.middleware.audit import AuditMiddleware
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware, parse_networks
from code_scalpel.http.middleware.ip_filter import IPFilterMiddleware
from code_scalpel.http.middleware.metrics import Metrics, MetricsEndpoint, MetricsMiddleware
from code_scalpel.http.middleware.rate_limit import (
    AuthFailureThrottle,
    RateLimiter,
    RateLimitMiddleware,
    RateLimitSettings,
    parse_limit,
)
from code_scalpel.http.middleware.request_id import RequestIdMiddleware
from code_scalpel.http.middleware.signing import SecretLookup, SignatureMiddleware, chain_lookups, nonce_store_for
from code_scalpel.tools.base import ToolSpec

#: Keys of the config file's [rate_limits] table.
RATE_LIMIT_KEYS = frozenset(
    {"default", "anonymous", "auth_failures", "tool_costs", "tool_limits", "strategy", "storage",
     "tool_budgets", "default_budget"}
)  # fmt: skip
OFF = ("off", "none", "false", "")


def _table(config: ServerConfig) -> dict[str, Any]:
    table = dict(config.rate_limits or {})
    unknown = sorted(set(table) - RATE_LIMIT_KEYS)
    if unknown:
        raise ValueError(
            f"[rate_limits]: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(RATE_LIMIT_KEYS))}"
        )
    return table


def _per_second(text: str) -> float:
    item = parse_limit(text)
    return item.amount / item.get_expiry()


def rate_limit_settings(
    config: ServerConfig, tools: Mapping[str, ToolSpec], ceiling: str | None = None
) -> RateLimitSettings:
    """``ceiling``: the license tier's ``rate_limit``: the default per principal (and per anonymous address),
    and the most either setting may allow."""
    table = _table(config)
    costs = {name: spec.cost for name, spec in tools.items() if spec.cost != 1}
    costs.update(table.get("tool_costs", {}))
    values: dict[str, Any] = {"tool_costs": costs, "fail_open": bool(config.rate_limit_fail_open)}
    for key in ("default", "anonymous", "auth_failures", "tool_limits", "strategy", "storage"):
        if key in table:
            values[key] = table[key]
    if config.rate_limit:
        values["default"] = config.rate_limit
    if config.rate_limit_storage:
        values["storage"] = config.rate_limit_storage
    if ceiling is not None:
        values.setdefault("default", ceiling)
        for key in ("default", "anonymous"):
            current = values.get(key, getattr(RateLimitSettings, key))
            if _per_second(current) > _per_second(ceiling):
                values[key] = ceiling
    settings = RateLimitSettings(**values)
    settings.validate()
    return settings


def audit_path(config: ServerConfig, data_dir: Path | None) -> Path | None:
    if config.audit_log is not None:
        return None if config.audit_log.strip().lower() in OFF else Path(config.audit_log).expanduser()
    if config.transport == "stdio" or data_dir is None:
        return None  # the client spawned us: nothing to hold anyone accountable for
    return data_dir / "audit.log"


@dataclass
class AbuseControls:
    config: ServerConfig
    limiter: RateLimiter
    metrics: Metrics
    audit: AuditLog | None
    secret_for: SecretLookup

    def edge(self) -> list[Middleware]:
        return [
            Middleware(RequestIdMiddleware),
            Middleware(ClientAddressMiddleware, trusted_proxies=self.config.trusted_proxy),
            Middleware(MetricsMiddleware, metrics=self.metrics),
        ]

    def before_auth(self) -> list[Middleware]:
        layers = []
        if self.config.allow_ip or self.config.deny_ip:
            layers.append(Middleware(IPFilterMiddleware, allow=self.config.allow_ip, deny=self.config.deny_ip))
        layers.append(Middleware(AuditMiddleware, audit=self.audit))
        layers.append(Middleware(AuthFailureThrottle, limiter=self.limiter))
        return layers

    def after_auth(self) -> list[Middleware]:
        return [
            Middleware(
                SignatureMiddleware,
                secret_for=self.secret_for,
                require_all=bool(self.config.require_signature),
                nonces=nonce_store_for(self.limiter.settings.storage),
            ),
            Middleware(RateLimitMiddleware, limiter=self.limiter),
            Middleware(MetricsEndpoint, metrics=self.metrics),
        ]


def build_abuse_controls(
    config: ServerConfig,
    tools: Mapping[str, ToolSpec],
    data_dir: Path | None,
    *,
    key_secrets: SecretLookup | None = None,
    sessions: Callable[[], int] | None = None,
    rate_ceiling: str | None = None,
) -> AbuseControls:
    """``key_secrets``: the key store's ``secret_for(key_id)`` for per-key signing secrets, when auth has one."""
    # Starlette builds middlewares on the first request; check their settings now, so a typo stops the start.
    parse_networks(config.trusted_proxy, "--trusted-proxy")
    parse_networks(config.allow_ip, "--allow-ip")
    parse_networks(config.deny_ip, "--deny-ip")
    limiter = RateLimiter(rate_limit_settings(config, tools, rate_ceiling))
    file_secrets = load_signing_secrets(config.signing_secrets) if config.signing_secrets else None
    if config.require_signature and not file_secrets and key_secrets is None:
        raise ValueError(
            "--require-signature needs signing secrets: pass --signing-secrets FILE, "
            "or use --auth apikey with keys created by `keys create --require-signature`"
        )
    # Always installed, even with no secrets: a key flagged require_signature must never pass unsigned.
    secret_for = chain_lookups(key_secrets, file_secrets.get if file_secrets else None)
    path = audit_path(config, data_dir)
    return AbuseControls(
        config=config,
        limiter=limiter,
        metrics=Metrics(tools=tools, sessions=sessions),
        audit=AuditLog(path) if path else None,
        secret_for=secret_for,
    )
