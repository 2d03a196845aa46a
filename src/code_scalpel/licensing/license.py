"""Offline verification of license files (Ed25519-signed JWTs) and revocation lists.

Why Ed25519 (JWS ``alg: EdDSA``) rather than RSA: 32-byte public keys that fit
in the package as a few lines of PEM, 64-byte signatures (short license
files), deterministic signing (no nonce to get wrong), and no parameters to
choose (key size, padding, exponent) — so there is nothing a verifier can be
tricked into accepting.  Only ``EdDSA`` is ever passed to PyJWT, which closes
``alg: none`` and the HS256-with-the-public-key confusion by construction.

Every failure is a :class:`LicenseError` whose ``kind`` is stable and whose
message is one line that says what to do; the caller downgrades to the lowest
tier, it never stops the server.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from code_scalpel.licensing.tiers import TierTableError, check_limit, load_tiers

#: The ``iss`` every license and revocation list must carry.
ISSUER = "code-scalpel"
ALGORITHM = "EdDSA"
#: JOSE ``typ`` headers keep a revocation list from passing as a license and vice versa.
LICENSE_TYP = "license+jwt"
CRL_TYP = "crl+jwt"
#: A license is a few hundred bytes; anything far bigger is not one, and is not read whole.
MAX_LICENSE_BYTES = 64 * 1024
MAX_CRL_BYTES = 4 * 1024 * 1024
#: Clock skew tolerated on ``nbf``/``iat`` (a license issued a moment ago on a machine whose clock is behind).
#: ``exp`` gets no leeway: the grace period is the one, configurable, tolerance past expiry.
LEEWAY_SECONDS = 60
DEFAULT_GRACE = "3d"
ENV_LICENSE_PATH = "CODE_SCALPEL_LICENSE_PATH"
LICENSE_FILENAME = "license.jwt"
PROJECT_DIRNAME = ".code-scalpel"
REQUIRED_CLAIMS = ("iss", "sub", "tier", "iat", "exp", "jti")

_DURATION = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class LicenseError(Exception):
    """Why a license (or revocation list) is not honoured.

    ``kind`` is one of: not_found, unreadable, too_large, malformed,
    bad_signature, unknown_issuer, unknown_tier, not_yet_valid, expired,
    revoked, crl_invalid.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def parse_duration(text: str) -> float:
    """``"0s"``, ``"90s"``, ``"15m"``, ``"24h"``, ``"7d"`` or a sum such as ``"1d12h"`` → seconds."""
    raw = str(text).strip().lower()
    if raw == "0":
        return 0.0
    parts = _DURATION.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise ValueError(f"duration {text!r} is not like 0s, 90s, 15m, 24h or 7d")
    return float(sum(int(n) * _UNIT[u] for n, u in parts))


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    key: Ed25519PublicKey
    source: str


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the JWT ``kid`` that selects it."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(data: bytes, source: str) -> TrustedKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{source} is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{source} holds a {type(key).__name__}; license keys are Ed25519")
    return TrustedKey(kid=key_id(key), key=key, source=source)


def shipped_keys() -> list[TrustedKey]:
    """The vendor's public keys that ship inside the package (``licensing/keys/*.pem``)."""
    folder = resources.files(__package__).joinpath("keys")
    keys = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".pem"):
            keys.append(load_public_key(entry.read_bytes(), f"package key {entry.name}"))
    return keys


def trusted_keys(
    extra_files: Iterable[str | os.PathLike[str]] = (), *, include_shipped: bool = True
) -> tuple[list[TrustedKey], list[str]]:
    """Shipped keys plus ``--license-public-key`` files; a bad extra file is a warning, never fatal."""
    keys = shipped_keys() if include_shipped else []
    warnings = []
    for path in extra_files:
        try:
            keys.append(load_public_key(Path(path).read_bytes(), os.fspath(path)))
        except OSError as exc:
            warnings.append(f"public key file {os.fspath(path)} is unreadable ({exc.strerror}); ignored")
        except ValueError as exc:
            warnings.append(f"{exc}; ignored")
    return keys, warnings


# --------------------------------------------------------------------------- tokens


def read_token_file(path: str | os.PathLike[str], max_bytes: int = MAX_LICENSE_BYTES) -> str:
    """The token text of a license or revocation list file, refusing what cannot be one."""
    shown = os.fspath(path)
    try:
        # O_NONBLOCK: opening a FIFO planted at the license path must not hang the server.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise LicenseError("unreadable", f"{shown} is not a regular file")
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise LicenseError("not_found", f"{shown} does not exist") from None
    except IsADirectoryError:
        raise LicenseError("unreadable", f"{shown} is a directory, not a license file") from None
    except OSError as exc:
        raise LicenseError("unreadable", f"{shown} is unreadable ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise LicenseError("too_large", f"{shown} is larger than {max_bytes} bytes, so it is not a license file")
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise LicenseError("malformed", f"{shown} is not a JWT (non-ASCII bytes)") from None
    if not text:
        raise LicenseError("malformed", f"{shown} is empty")
    return text


def verify_signed(token: str, keys: Iterable[TrustedKey], typ: str) -> dict[str, Any]:
    """Check header, algorithm, key and signature; return the (not yet interpreted) claims."""
    # Imported here: PyJWT costs ~15 ms at start, and a server with no license never needs it.
    import jwt

    what = "revocation list" if typ == CRL_TYP else "license"
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise LicenseError("malformed", f"{what} is not a well-formed JWT ({exc})") from None
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise LicenseError(
            "bad_signature", f"{what} uses alg {alg!r}; only {ALGORITHM} (Ed25519) signatures are accepted"
        )
    if header.get("typ") != typ:
        raise LicenseError("malformed", f"token has typ {header.get('typ')!r}; a {what} has typ {typ!r}")
    keys = list(keys)
    kid = header.get("kid")
    candidates = [k for k in keys if k.kid == kid] if kid is not None else keys
    if not candidates:
        raise LicenseError(
            "bad_signature",
            f"{what} is signed by an unknown key (kid {str(kid)[:40]!r}); pass the issuer's key "
            "with --license-public-key",
        )
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False, "verify_iss": False}
    for candidate in candidates:
        try:
            claims = jwt.decode(token, candidate.key, algorithms=[ALGORITHM], options=options)
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise LicenseError("malformed", f"{what} is not a well-formed JWT ({exc})") from None
        if not isinstance(claims, dict):
            raise LicenseError("malformed", f"{what} payload is not a JSON object")
        return claims
    raise LicenseError("bad_signature", f"{what} signature does not verify against any trusted key")


@dataclass(frozen=True)
class LicenseClaims:
    sub: str
    tier: str
    iss: str
    jti: str
    iat: float
    nbf: float
    exp: float
    features: tuple[str, ...] = ()
    limits: Mapping[str, Any] = field(default_factory=dict)
    #: Informational only: an offline server cannot count seats across machines (see docs/licensing.md).
    seats: int | None = None
    #: Limit names in the claim this server does not know (a newer vendor); ignored, reported.
    ignored_limits: tuple[str, ...] = ()


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LicenseError("malformed", f"license claim {name!r} must be a number (UNIX seconds), not {value!r}")
    return float(value)


def interpret(claims: Mapping[str, Any]) -> LicenseClaims:
    """Turn verified claims into :class:`LicenseClaims`, refusing what this server cannot honour."""
    missing = [c for c in REQUIRED_CLAIMS if c not in claims]
    if missing:
        raise LicenseError("malformed", f"license lacks required claim(s) {', '.join(missing)}")
    if claims["iss"] != ISSUER:
        raise LicenseError("unknown_issuer", f"license issuer {str(claims['iss'])[:60]!r} is not {ISSUER!r}")
    for name in ("sub", "jti", "tier"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise LicenseError("malformed", f"license claim {name!r} must be a non-empty string")
    tiers = load_tiers()
    if claims["tier"] not in tiers:
        raise LicenseError(
            "unknown_tier",
            f"license tier {claims['tier'][:40]!r} is not one of {', '.join(tiers.order)}; "
            "a newer code-scalpel may know it",
        )
    iat, exp = _number(claims, "iat"), _number(claims, "exp")
    nbf = _number(claims, "nbf") if "nbf" in claims else iat
    features = claims.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise LicenseError("malformed", "license claim 'features' must be a list of tool names")
    raw_limits = claims.get("limits", {})
    if not isinstance(raw_limits, dict):
        raise LicenseError("malformed", "license claim 'limits' must be an object")
    from code_scalpel.licensing.tiers import LIMIT_NAMES

    limits, ignored = {}, []
    for name, value in raw_limits.items():
        if name not in LIMIT_NAMES:
            ignored.append(name)
            continue
        try:
            limits[name] = check_limit(name, value)
        except TierTableError as exc:
            raise LicenseError("malformed", f"license claim 'limits': {exc}") from None
    seats = claims.get("seats")
    if seats is not None and (isinstance(seats, bool) or not isinstance(seats, int) or seats <= 0):
        raise LicenseError("malformed", "license claim 'seats' must be a positive integer")
    return LicenseClaims(
        sub=claims["sub"],
        tier=claims["tier"],
        iss=claims["iss"],
        jti=claims["jti"],
        iat=iat,
        nbf=nbf,
        exp=exp,
        features=tuple(features),
        limits=limits,
        seats=seats,
        ignored_limits=tuple(sorted(ignored)),
    )


def verify_license(token: str, keys: Iterable[TrustedKey], revoked: frozenset[str] = frozenset()) -> LicenseClaims:
    """Everything about a license that does not depend on the clock."""
    claims = interpret(verify_signed(token, keys, LICENSE_TYP))
    if claims.jti in revoked:
        raise LicenseError("revoked", f"license {claims.jti[:60]!r} has been revoked (listed in the revocation list)")
    return claims


def load_crl(path: str | os.PathLike[str], keys: Iterable[TrustedKey]) -> frozenset[str]:
    """The revoked ``jti``s of a signed revocation list; any doubt about the list is a :class:`LicenseError`."""
    shown = os.fspath(path)
    try:
        token = read_token_file(path, MAX_CRL_BYTES)
        claims = verify_signed(token, keys, CRL_TYP)
    except LicenseError as exc:
        raise LicenseError("crl_invalid", f"revocation list {shown}: {exc.message}") from None
    revoked = claims.get("revoked")
    if claims.get("iss") != ISSUER or not isinstance(revoked, list) or not all(isinstance(j, str) for j in revoked):
        raise LicenseError("crl_invalid", f"revocation list {shown}: needs iss {ISSUER!r} and a 'revoked' list of jti")
    return frozenset(revoked)


# --------------------------------------------------------------------------- clock


@dataclass(frozen=True)
class TimeStatus:
    status: str  # "valid" | "grace" | "not_yet_valid" | "expired"
    #: When this status next changes (``None``: never, for the same claims).
    changes_at: float | None
    message: str


def time_status(claims: LicenseClaims, now: float, grace: float) -> TimeStatus:
    """Where ``now`` falls against ``nbf``/``iat`` (with leeway), ``exp`` and ``exp + grace``.

    ``exp`` is the first instant the license is no longer valid (RFC 7519).
    """
    starts = max(claims.nbf, claims.iat) - LEEWAY_SECONDS
    if now < starts:
        return TimeStatus("not_yet_valid", starts, f"license is not valid before {iso(starts + LEEWAY_SECONDS)}")
    if now < claims.exp:
        return TimeStatus("valid", claims.exp, f"license valid until {iso(claims.exp)}")
    ends = claims.exp + grace
    if now < ends:
        return TimeStatus(
            "grace",
            ends,
            f"license expired on {iso(claims.exp)}; grace period until {iso(ends)} — renew it before then",
        )
    extra = f" (grace period ended {iso(ends)})" if grace else ""
    return TimeStatus("expired", None, f"license expired on {iso(claims.exp)}{extra}")


def permission_warning(path: str | os.PathLike[str]) -> str | None:
    """A license is a bearer credential for its tier: other users should not be able to copy it."""
    if os.name != "posix":
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if mode & 0o044:
        shown = os.fspath(path)
        mode_text = f"{stat.S_IMODE(mode):04o}"
        return f"license file {shown} is readable by other users (mode {mode_text}); run: chmod 600 {shown}"
    return None


def now() -> float:
    return time.time()
