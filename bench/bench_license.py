"""A license for throughput benchmarks: Enterprise with the rate limit lifted.

The tier's rate limit is the HTTP limiter's ceiling, so a benchmark that sends
thousands of calls a minute needs a license whose ``limits`` claim lifts it —
the same mechanism a customer with a bespoke contract gets.  The signing key
is made here and trusted with ``--license-public-key``.
"""

from __future__ import annotations

from pathlib import Path

from code_scalpel.licensing.vendor_cli import generate_keypair, issue_license

UNLIMITED = "100000000/minute"


def throughput_license(folder: Path) -> tuple[Path, Path]:
    """(license file, public key file) in ``folder``."""
    private_pem, public_pem = generate_keypair()
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / "bench-vendor.pub.pem"
    public.write_bytes(public_pem)
    license_file = folder / "bench.license.jwt"
    license_file.write_text(
        issue_license(private_pem, tier="enterprise", sub="benchmarks", days=1, limits={"rate_limit": UNLIMITED})
    )
    license_file.chmod(0o600)
    return license_file, public


def license_flags(folder: Path) -> list[str]:
    """Server flags: the license, and a config lifting the per-address limit of anonymous callers too."""
    license_file, public = throughput_license(folder)
    config = folder / "bench.toml"
    config.write_text(f'[rate_limits]\ndefault = "{UNLIMITED}"\nanonymous = "{UNLIMITED}"\n')
    return ["--license-file", str(license_file), "--license-public-key", str(public), "--config", str(config)]
