"""The table of license cases: what each file yields (tier in force, status, one-line reason)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from code_scalpel.licensing.license import LEEWAY_SECONDS, LICENSE_TYP, key_id, load_public_key

NOW = 1_800_000_000.0
HOUR = 3600


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    return head + "." + b64(signature)


def base_claims(**over: Any) -> dict[str, Any]:
    claims = {"iss": "code-scalpel", "sub": "ACME", "tier": "pro", "iat": NOW - HOUR, "nbf": NOW - HOUR}
    claims.update({"exp": NOW + HOUR, "jti": "lic-1"}, **over)
    return claims


def hs256_with_public_key(v: Any, f: Any) -> str:
    """The classic confusion: HMAC-sign with the verifier's public key as the secret."""
    header = {"alg": "HS256", "typ": LICENSE_TYP}
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(base_claims()).encode())
    sig = hmac.new(v.public_pem, head.encode(), hashlib.sha256).digest()
    return head + "." + b64(sig)


def forged_kid(v: Any, f: Any) -> str:
    """Signed by a foreign key but claiming the trusted key's kid."""
    token = f.issue(issued_at=NOW - HOUR, expires_at=NOW + HOUR)
    _header, payload, sig = token.split(".")
    trusted_kid = load_public_key(v.public_pem, "t").kid
    new_header = b64(json.dumps({"alg": "EdDSA", "typ": LICENSE_TYP, "kid": trusted_kid}).encode())
    return f"{new_header}.{payload}.{sig}"


def ok(**kw: Any) -> Callable[[Any, Any], str]:
    kw.setdefault("issued_at", NOW - HOUR)
    kw.setdefault("expires_at", NOW + HOUR)
    return lambda v, f: v.issue(**kw)


@dataclass
class Case:
    id: str
    make: Callable[[Any, Any], str | bytes]
    tier: str
    status: str
    says: str
    error: str | None = None
    grace: float = 0.0
    crl: Callable[[Any, Any], str] | None = None
    mode: int = 0o600
    warns: str | None = None


CASES = [
    Case("valid-pro", ok(), "pro", "valid", "license valid until"),
    Case("valid-enterprise", ok(tier="enterprise"), "enterprise", "valid", "license valid until"),
    Case("valid-community-license", ok(tier="community"), "community", "valid", "license valid until"),
    # Clock edges: exp is the first invalid instant; nbf/iat get LEEWAY_SECONDS of clock skew.
    Case("exp-one-second-ahead", ok(expires_at=NOW + 1), "pro", "valid", "valid until"),
    Case("exp-exactly-now", ok(expires_at=NOW), "community", "invalid", "license expired on", "expired"),
    Case("expired-no-grace", ok(expires_at=NOW - 10), "community", "invalid", "license expired on", "expired"),
    Case("expired-in-grace", ok(expires_at=NOW - 10), "pro", "grace", "grace period until", grace=HOUR),
    Case("grace-last-second", ok(expires_at=NOW - HOUR + 1), "pro", "grace", "grace period until", grace=HOUR),
    Case(
        "grace-ends-exactly-now",
        ok(expires_at=NOW - HOUR),
        "community",
        "invalid",
        "grace period ended",
        "expired",
        grace=HOUR,
    ),
    Case("nbf-at-leeway-edge", ok(not_before=NOW + LEEWAY_SECONDS), "pro", "valid", "valid until"),
    Case(
        "nbf-past-leeway",
        ok(not_before=NOW + LEEWAY_SECONDS + 1),
        "community",
        "invalid",
        "not valid before",
        "not_yet_valid",
    ),
    Case(
        "issued-in-future",
        ok(issued_at=NOW + HOUR, expires_at=NOW + 9 * HOUR),
        "community",
        "invalid",
        "not valid before",
        "not_yet_valid",
    ),
    # Signatures and algorithms.
    Case(
        "foreign-key",
        lambda v, f: f.issue(issued_at=NOW - HOUR, expires_at=NOW + HOUR),
        "community",
        "invalid",
        "signed by an unknown key",
        "bad_signature",
    ),
    Case(
        "foreign-key-forged-kid",
        forged_kid,
        "community",
        "invalid",
        "does not verify against any trusted key",
        "bad_signature",
    ),
    Case(
        "alg-none",
        lambda v, f: unsigned({"alg": "none", "typ": LICENSE_TYP}, base_claims()),
        "community",
        "invalid",
        "alg 'none'",
        "bad_signature",
    ),
    Case("hs256-with-public-key", hs256_with_public_key, "community", "invalid", "alg 'HS256'", "bad_signature"),
    Case(
        "tampered-payload",
        lambda v, f: _swap_payload(v, tier="enterprise"),
        "community",
        "invalid",
        "does not verify",
        "bad_signature",
    ),
    # Damaged files.
    Case(
        "truncated-mid-payload",
        lambda v, f: ok()(v, f)[:60],
        "community",
        "invalid",
        "not a well-formed JWT",
        "malformed",
    ),
    Case(
        "truncated-signature", lambda v, f: ok()(v, f)[:-10], "community", "invalid", "does not verify", "bad_signature"
    ),
    Case(
        "ten-megabytes",
        lambda v, f: b"A" * (10 * 1024 * 1024),
        "community",
        "invalid",
        "larger than 65536 bytes",
        "too_large",
    ),
    Case("empty-file", lambda v, f: b"", "community", "invalid", "is empty", "malformed"),
    Case("binary-garbage", lambda v, f: bytes(range(256)), "community", "invalid", "non-ASCII", "malformed"),
    Case("not-a-jwt", lambda v, f: "hello world", "community", "invalid", "not a well-formed JWT", "malformed"),
    Case("crl-passed-as-license", lambda v, f: v.crl("x"), "community", "invalid", "a license has typ", "malformed"),
    # Claims.
    Case(
        "unknown-tier",
        ok(tier="platinum", check=False),
        "community",
        "invalid",
        "tier 'platinum' is not one of",
        "unknown_tier",
    ),
    Case(
        "unknown-issuer", ok(issuer="evil-corp"), "community", "invalid", "issuer 'evil-corp' is not", "unknown_issuer"
    ),
    Case(
        "missing-jti",
        ok(extra_claims={"jti": None}),
        "community",
        "invalid",
        "lacks required claim(s) jti",
        "malformed",
    ),
    Case("empty-sub", ok(sub=""), "community", "invalid", "'sub' must be a non-empty string", "malformed"),
    Case(
        "exp-not-a-number",
        ok(extra_claims={"exp": "tomorrow"}),
        "community",
        "invalid",
        "'exp' must be a number",
        "malformed",
    ),
    Case(
        "bad-limit-override",
        ok(limits={"max_references": -5}, check=False),
        "community",
        "invalid",
        "must be a positive integer",
        "malformed",
    ),
    # Revocation.
    Case(
        "revoked",
        ok(jti="lic-revoked"),
        "community",
        "invalid",
        "has been revoked",
        "revoked",
        crl=lambda v, f: v.crl("other", "lic-revoked"),
    ),
    Case("not-revoked", ok(jti="lic-kept"), "pro", "valid", "valid until", crl=lambda v, f: v.crl("other")),
    Case(
        "crl-foreign-key",
        ok(),
        "community",
        "invalid",
        "revocation list",
        "crl_invalid",
        crl=lambda v, f: f.crl("other"),
    ),
    Case(
        "crl-is-a-license",
        ok(),
        "community",
        "invalid",
        "a revocation list has typ",
        "crl_invalid",
        crl=lambda v, f: ok()(v, f),
    ),
    # Permissions: still honoured, with a warning.
    Case("world-readable", ok(), "pro", "valid", "valid until", mode=0o644, warns="chmod 600"),
    Case("group-readable", ok(), "pro", "valid", "valid until", mode=0o640, warns="chmod 600"),
]


def _swap_payload(v: Any, **over: Any) -> str:
    token = ok()(v, None)
    header, _payload, sig = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(over)
    return f"{header}.{b64(json.dumps(claims).encode())}.{sig}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_license_case(case: Case, harness: Any, foreign: Any) -> None:
    from tests.licensing.conftest import Clock

    path = harness.write(case.make(harness.vendor, foreign), mode=case.mode)
    crl = None
    if case.crl:
        crl = harness.write(case.crl(harness.vendor, foreign), name="revoked.crl")
    manager = harness.manager(Clock(NOW), license_file=str(path), grace=case.grace, crl_file=crl and str(crl))
    state = manager.current()
    assert (state.tier, state.status, state.error) == (case.tier, case.status, case.error), state.reason
    assert case.says in state.reason
    # One clear line on the reporter — no traceback, nothing multi-line — naming the file and the tier.
    headline = [line for line in harness.lines if str(path) in line and "chmod" not in line]
    assert len(headline) == 1 and "\n" not in headline[0] and "Traceback" not in headline[0]
    assert case.tier in headline[0]
    if case.warns:
        assert any(case.warns in line for line in harness.lines)
        assert any(case.warns in w for w in manager.describe()["warnings"])
    else:
        assert not any("chmod" in line for line in harness.lines)


def test_fifo_at_license_path_does_not_hang(harness: Any) -> None:
    path = harness.tmp / "license.jwt"
    os.mkfifo(path)
    state = harness.manager(license_file=str(path)).current()
    assert (state.tier, state.error) == ("community", "unreadable")
    assert "not a regular file" in state.reason


def test_directory_and_missing_file(harness: Any) -> None:
    state = harness.manager(license_file=str(harness.tmp)).current()
    assert (state.tier, state.error) == ("community", "unreadable")
    state = harness.manager(license_file=str(harness.tmp / "nope.jwt")).current()
    assert (state.tier, state.error) == ("community", "not_found")
    assert "does not exist" in state.reason


def test_license_overrides_and_features(harness: Any) -> None:
    token = harness.vendor.issue(tier="pro", limits={"max_references": 12_345}, features=["cross_file_security_scan"])
    state = harness.manager(license_file=str(harness.write(token))).current()
    assert state.policy.limits.max_references == 12_345
    assert state.policy.limits.max_files_per_crawl == 20_000  # untouched entries come from the table
    assert "cross_file_security_scan" in state.policy.tools


def test_unknown_override_and_feature_are_ignored_with_a_warning(harness: Any) -> None:
    token = harness.vendor.issue(limits={"max_widgets": 3}, features=["teleport"], check=False)
    state = harness.manager(license_file=str(harness.write(token))).current()
    assert state.tier == "pro"
    assert "teleport" not in state.policy.tools
    assert any("max_widgets" in w for w in state.warnings) and any("teleport" in w for w in state.warnings)


def test_bad_public_key_file_is_a_warning(harness: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    token = harness.vendor.issue()
    manager = harness.manager(
        license_file=str(harness.write(token)), public_keys=(str(bad), str(harness.vendor.public_file))
    )
    assert manager.current().tier == "pro"
    assert any("bad.pem is not a PEM public key" in line for line in harness.lines)


def test_shipped_key_is_ed25519_and_has_no_private_half_in_the_package() -> None:
    from importlib import resources

    from code_scalpel.licensing.license import shipped_keys

    keys = shipped_keys()
    assert keys and all(len(k.kid) == 16 and k.kid == key_id(k.key) for k in keys)
    package = resources.files("code_scalpel")
    for entry in _walk(package):
        if entry.name.endswith((".pem", ".key", ".jwt")):
            assert b"PRIVATE KEY" not in entry.read_bytes(), entry.name


def _walk(folder: Any) -> Any:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _walk(entry)
        else:
            yield entry
