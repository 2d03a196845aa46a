"""What licensing adds to every tool call, beside baselines measured in the same run.

    python bench/license_check.py

Per call the server asks the tier policy (deny), the limits and the stamp —
each a ``LicenseManager.current()``: a clock read and a comparison, plus a
``stat`` of the license file at most once a second.  Baselines: a bare
``time.time()`` call and a dict merge (what stamping a result costs anyway).
Also: verifying a license from scratch (file read + Ed25519 signature), which
happens only at start and when the file changes.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from code_scalpel.licensing.license import read_token_file, trusted_keys, verify_license
from code_scalpel.licensing.manager import LicenseManager, LicenseSettings
from code_scalpel.licensing.tier_policy import TierPolicy
from code_scalpel.licensing.vendor_cli import generate_keypair, issue_license


class _Spec:
    name = "crawl_project"


def per_call(stmt, number: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        private, public = generate_keypair()
        pub = Path(tmp, "v.pub")
        pub.write_bytes(public)
        lic = Path(tmp, "license.jwt")
        lic.write_text(issue_license(private, tier="pro", sub="bench"))
        os.chmod(lic, 0o600)
        settings = LicenseSettings(
            license_file=str(lic), public_keys=(str(pub),), user_config_dir=tmp, env={}, include_shipped_keys=False
        )
        manager = LicenseManager(settings, report=None)
        policy = TierPolicy(manager)
        spec = _Spec()
        n = 200_000

        base_clock = per_call(time.time, n)
        base_merge = per_call(lambda: {**{"a": 1, "b": 2}, **{"tier": "pro"}}, n)
        current = per_call(manager.current, n)

        def one_call() -> None:
            policy.deny(spec)  # type: ignore[arg-type]
            policy.limits()
            policy.stamp()

        full = per_call(one_call, n)
        # Re-stat on every call (stat_interval 0): the worst case, bounded to once a second in the server.
        stat_every = LicenseManager(settings, report=None, stat_interval=0.0)
        restat = per_call(stat_every.current, 20_000)
        keys, _ = trusted_keys([str(pub)], include_shipped=False)
        verify = per_call(lambda: verify_license(read_token_file(lic), keys), 2_000)

    rows = [
        ("baseline: time.time()", base_clock),
        ("baseline: stamp dict merge", base_merge),
        ("LicenseManager.current()", current),
        ("policy per tool call (deny+limits+stamp)", full),
        ("current() with a stat every call", restat),
        ("full verify (read + Ed25519)", verify),
    ]
    print(f"{'what':44} {'per call':>12} {'x time.time()':>14}")
    for name, seconds in rows:
        print(f"{name:44} {seconds * 1e9:10.0f} ns {seconds / base_clock:13.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
