"""Real keys and real licenses, made on the fly by the vendor code for each test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from code_scalpel.licensing.manager import LicenseManager, LicenseSettings
from code_scalpel.licensing.vendor_cli import generate_keypair, issue_license, make_crl


@dataclass
class Vendor:
    """A key pair whose public half the server is told to trust (``--license-public-key``)."""

    private_pem: bytes
    public_pem: bytes
    public_file: Path

    def issue(self, **claims: Any) -> str:
        claims.setdefault("tier", "pro")
        claims.setdefault("sub", "ACME Corp")
        return issue_license(self.private_pem, **claims)

    def crl(self, *jtis: str) -> str:
        return make_crl(self.private_pem, jtis)


@pytest.fixture
def vendor(tmp_path: Path) -> Vendor:
    private_pem, public_pem = generate_keypair()
    public_file = tmp_path / "vendor.pub.pem"
    public_file.write_bytes(public_pem)
    return Vendor(private_pem, public_pem, public_file)


@pytest.fixture
def foreign(tmp_path: Path) -> Vendor:
    """Someone else's key pair: trusted by nobody."""
    private_pem, public_pem = generate_keypair()
    public_file = tmp_path / "foreign.pub.pem"
    public_file.write_bytes(public_pem)
    return Vendor(private_pem, public_pem, public_file)


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Harness:
    """Builds managers isolated from the real user's config dir and environment."""

    tmp: Path
    vendor: Vendor
    lines: list[str] = field(default_factory=list)

    def write(self, token: str | bytes, name: str = "license.jwt", mode: int = 0o600) -> Path:
        path = self.tmp / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(token.encode() if isinstance(token, str) else token)
        os.chmod(tmp, mode)
        os.replace(tmp, path)  # a new inode, as an administrator replacing the file would
        return path

    def settings(self, **kw: Any) -> LicenseSettings:
        kw.setdefault("public_keys", (str(self.vendor.public_file),))
        kw.setdefault("user_config_dir", str(self.tmp / "user-config"))
        kw.setdefault("env", {})
        return LicenseSettings(**kw)

    def manager(self, clock: Clock | None = None, stat_interval: float = 1.0, **kw: Any) -> LicenseManager:
        extra = {"clock": clock} if clock else {}
        return LicenseManager(self.settings(**kw), report=self.lines.append, stat_interval=stat_interval, **extra)


@pytest.fixture
def harness(tmp_path: Path, vendor: Vendor) -> Harness:
    return Harness(tmp_path, vendor)
