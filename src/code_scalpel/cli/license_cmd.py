"""``codescalpel license show|verify``: which license is in force, and why."""

from __future__ import annotations

import argparse
from typing import Any

from code_scalpel.cli.output import add_json_flag, emit, fail
from code_scalpel.errors import InvalidArgument


def _add_license_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--license-public-key", action="append", metavar="FILE", help="extra trusted key (repeatable)")
    p.add_argument("--license-crl", metavar="FILE", help="signed revocation list")
    p.add_argument("--license-grace", metavar="DURATION", help="tolerance past expiry (e.g. 0s, 24h, 7d)")
    add_json_flag(p)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "license", help="show or verify the license", description="Which license is in force, and why."
    )
    sub = p.add_subparsers(dest="license_command", required=True, metavar="ACTION")

    show = sub.add_parser("show", help="the license in force: tier, customer, expiry, features, file, validity")
    show.add_argument("--license-file", metavar="FILE", help="look here first (else the usual places)")
    show.add_argument("--root", action="append", metavar="DIR", help="project root (its .code-scalpel/ is searched)")
    show.add_argument("--config", metavar="FILE", help="the server's TOML settings (license_* keys)")
    _add_license_flags(show)
    show.set_defaults(func=run_show)

    verify = sub.add_parser("verify", help="check one license file; exit 0 if valid, 1 if not")
    verify.add_argument("file", metavar="FILE")
    _add_license_flags(verify)
    verify.set_defaults(func=run_verify)


def _settings(args: argparse.Namespace, license_file: str | None) -> Any:
    from code_scalpel.config import ServerConfig, load_file
    from code_scalpel.licensing.manager import LicenseSettings

    values: dict[str, Any] = load_file(args.config) if getattr(args, "config", None) else {}
    config = ServerConfig(**values)
    for name in ("license_public_key", "license_crl", "license_grace", "root"):
        given = getattr(args, name, None)
        if given:
            setattr(config, name, given)
    if license_file:
        config.license_file = license_file
    try:
        return LicenseSettings.from_config(config)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def _render(result: dict[str, Any]) -> str:
    lines = [
        f"tier:      {result['tier']} ({result['status']})",
        f"why:       {result['reason']}",
        f"file:      {result.get('file') or '-'} ({result['source']})",
    ]
    if result["customer"]:
        grace = f" (grace until {result['grace_until']})" if result["grace_until"] else ""
        lines += [
            f"customer:  {result['customer']}",
            f"license:   {result['license_id']} (tier {result['licensed_tier']})",
            f"issued:    {result['issued_at']}",
            f"expires:   {result['expires_at']}{grace}",
            f"features:  {', '.join(result['features']) or '-'}",
        ]
        if result["seats"] is not None:
            lines.append(f"seats:     {result['seats']} (informational)")
    if result["limit_overrides"]:
        lines.append("overrides: " + ", ".join(f"{k}={v}" for k, v in result["limit_overrides"].items()))
    lines.append("tools:     " + ", ".join(result["tools"]))
    lines.append("limits:    " + ", ".join(f"{k}={v}" for k, v in result["limits"].items()))
    lines += [f"warning:   {w}" for w in result["warnings"]]
    return "\n".join(lines)


def _describe(args: argparse.Namespace, license_file: str | None) -> dict[str, Any]:
    from code_scalpel.licensing.manager import LicenseManager

    # Quiet: everything the reporter would print is in the result.
    return LicenseManager(_settings(args, license_file), report=None).describe(include_file=True)


def run_show(args: argparse.Namespace) -> int:
    try:
        return emit(args, _describe(args, args.license_file), _render)
    except InvalidArgument as exc:
        return fail(args, exc)


def run_verify(args: argparse.Namespace) -> int:
    try:
        result = _describe(args, args.file)
    except InvalidArgument as exc:
        return fail(args, exc)
    emit(args, result, _render)
    return 0 if result["status"] in ("valid", "grace") else 1
