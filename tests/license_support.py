"""Run a test server under a real license: ``[*license_args(tmp_path, "enterprise")]`` as extra server flags.

Pro and Enterprise tools (crawl_project, get_call_graph, cross_file_security_scan, …)
are refused on an unlicensed server; tests of those tools pass these flags.  The
license is signed by a key made here, trusted through ``--license-public-key``;
there is no back door that grants a tier without a signed license.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from code_scalpel.licensing.vendor_cli import generate_keypair, issue_license


@functools.cache
def _keypair() -> tuple[bytes, bytes]:
    return generate_keypair()


def license_args(folder: Path, tier: str = "enterprise", **claims: Any) -> list[str]:
    """``--license-file`` and ``--license-public-key`` flags for a fresh ``tier`` license in ``folder``."""
    private_pem, public_pem = _keypair()
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / "test-vendor.pub.pem"
    public.write_bytes(public_pem)
    license_file = folder / f"{tier}.license.jwt"
    claims.setdefault("sub", "test suite")
    license_file.write_text(issue_license(private_pem, tier=tier, **claims))
    license_file.chmod(0o600)
    return ["--license-file", str(license_file), "--license-public-key", str(public)]
