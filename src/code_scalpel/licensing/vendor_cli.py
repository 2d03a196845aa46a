"""``codescalpel-license``: the vendor's tool — make keys, issue licenses, revoke them.

Kept apart from the user's ``codescalpel`` command: a user never needs a
private key.  The same functions make the licenses the tests use, with keys
generated on the fly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from code_scalpel.licensing.license import (
    ALGORITHM,
    CRL_TYP,
    ISSUER,
    LICENSE_TYP,
    LicenseError,
    TrustedKey,
    key_id,
    load_crl,
)
from code_scalpel.licensing.tiers import TierTableError, check_limit, load_tiers

DAY = 86400


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the private key is not an Ed25519 key")
    return key


def issue_license(
    private_pem: bytes,
    *,
    tier: str,
    sub: str,
    expires_at: float | None = None,
    days: float = 365,
    not_before: float | None = None,
    issued_at: float | None = None,
    jti: str | None = None,
    features: Iterable[str] = (),
    limits: Mapping[str, Any] | None = None,
    seats: int | None = None,
    issuer: str = ISSUER,
    check: bool = True,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """A signed license JWT.  ``check=False`` lets tests make licenses a server must refuse."""
    key = load_private_key(private_pem)
    now = int(time.time()) if issued_at is None else int(issued_at)
    if check:
        if tier not in load_tiers():
            raise ValueError(f"unknown tier {tier!r}; known: {', '.join(load_tiers().order)}")
        for name, value in (limits or {}).items():
            check_limit(name, value)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": sub,
        "tier": tier,
        "iat": now,
        "nbf": int(not_before) if not_before is not None else now,
        "exp": int(expires_at) if expires_at is not None else int(now + days * DAY),
        "jti": jti or str(uuid.uuid4()),
    }
    if features:
        claims["features"] = list(features)
    if limits:
        claims["limits"] = dict(limits)
    if seats is not None:
        claims["seats"] = seats
    for name, value in (extra_claims or {}).items():
        # None removes a claim: how tests make licenses that lack one.
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    headers = {"typ": LICENSE_TYP, "kid": key_id(key.public_key())}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=headers)


def make_crl(private_pem: bytes, revoked: Iterable[str], issued_at: float | None = None) -> str:
    key = load_private_key(private_pem)
    iat = int(time.time() if issued_at is None else issued_at)
    claims = {"iss": ISSUER, "iat": iat, "revoked": sorted(set(revoked))}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": CRL_TYP, "kid": key_id(key.public_key())})


def _write_private(path: str, data: bytes) -> None:
    # Created owner-only from the start: never a moment where the private key is world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _keygen(args: argparse.Namespace) -> int:
    private_pem, public_pem = generate_keypair()
    try:
        _write_private(args.private_key, private_pem)
    except FileExistsError:
        print(f"codescalpel-license: {args.private_key} exists; refusing to overwrite a private key", file=sys.stderr)
        return 2
    Path(args.public_key).write_bytes(public_pem)
    kid = key_id(load_private_key(private_pem).public_key())
    print(
        f"codescalpel-license: key {kid}: private {args.private_key} (keep it secret), public {args.public_key}",
        file=sys.stderr,
    )
    return 0


def _issue(args: argparse.Namespace) -> int:
    limits = json.loads(args.limits) if args.limits else None
    if limits is not None and not isinstance(limits, dict):
        raise ValueError("--limits must be a JSON object such as '{\"max_references\": 50000}'")
    token = issue_license(
        Path(args.private_key).read_bytes(),
        tier=args.tier,
        sub=args.sub,
        expires_at=args.expires_at,
        days=args.days if args.days is not None else 365,
        not_before=args.not_before,
        jti=args.jti,
        features=args.features or (),
        limits=limits,
        seats=args.seats,
    )
    sys.stdout.write(token + "\n")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    private_pem = Path(args.private_key).read_bytes()
    public = load_private_key(private_pem).public_key()
    existing: frozenset[str] = frozenset()
    if os.path.exists(args.crl):
        trusted = TrustedKey(kid=key_id(public), key=public, source=args.private_key)
        existing = load_crl(args.crl, [trusted])
    revoked = existing | set(args.jti)
    Path(args.crl).write_text(make_crl(private_pem, revoked) + "\n")
    print(f"codescalpel-license: {args.crl} lists {len(revoked)} revoked license(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codescalpel-license", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("keygen", help="make an Ed25519 key pair")
    p.add_argument("--private-key", required=True, metavar="FILE", help="written owner-only; never overwritten")
    p.add_argument("--public-key", required=True, metavar="FILE")
    p.set_defaults(func=_keygen)

    p = sub.add_parser("issue", help="print a signed license JWT on stdout")
    p.add_argument("--private-key", required=True, metavar="FILE")
    p.add_argument("--tier", required=True, help=f"one of {', '.join(load_tiers().order)}")
    p.add_argument("--sub", required=True, metavar="CUSTOMER", help="the customer the license is for")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--days", type=float, help="valid for this many days from now (default 365)")
    when.add_argument("--expires-at", type=int, metavar="UNIX", help="exact expiry (UNIX seconds)")
    p.add_argument("--not-before", type=int, metavar="UNIX", help="not valid before (default now)")
    p.add_argument("--jti", help="license id (default a random UUID)")
    p.add_argument("--limits", metavar="JSON", help="limit overrides, e.g. '{\"max_references\": 50000}'")
    p.add_argument("--features", nargs="+", metavar="TOOL", help="extra tools granted beyond the tier")
    p.add_argument("--seats", type=int, help="seats bought (informational)")
    p.set_defaults(func=_issue)

    p = sub.add_parser("revoke", help="add license ids to a signed revocation list")
    p.add_argument("--private-key", required=True, metavar="FILE")
    p.add_argument("--crl", required=True, metavar="FILE", help="created or extended")
    p.add_argument("jti", nargs="+", metavar="JTI")
    p.set_defaults(func=_revoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (OSError, ValueError, TierTableError, LicenseError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        print(f"codescalpel-license: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
