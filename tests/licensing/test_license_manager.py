"""Discovery order and run-time re-validation (expiry at its moment, replaced files, revocation)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from code_scalpel.licensing.license import ENV_LICENSE_PATH, parse_duration
from tests.licensing.conftest import Clock

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        ({"flag", "env", "user", "project"}, "flag"),
        ({"env", "user", "project"}, "env"),
        ({"user", "project"}, "user"),
        ({"project"}, "project"),
        (set(), None),
    ],
)
def test_discovery_first_match_wins(harness: Any, present: set[str], winner: str | None) -> None:
    tiers = {"flag": "enterprise", "env": "pro", "user": "community", "project": "pro"}
    paths = {
        "flag": harness.tmp / "flag.jwt",
        "env": harness.tmp / "env.jwt",
        "user": harness.tmp / "user-config" / "license.jwt",
        "project": harness.tmp / "proj" / ".code-scalpel" / "license.jwt",
    }
    (harness.tmp / "proj").mkdir()
    for name in present:
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_text(harness.vendor.issue(tier=tiers[name], sub=name))
        paths[name].chmod(0o600)
    manager = harness.manager(
        license_file=str(paths["flag"]) if "flag" in present else None,
        env={ENV_LICENSE_PATH: str(paths["env"])} if "env" in present else {},
        project_root=str(harness.tmp / "proj"),
    )
    state = manager.current()
    if winner is None:
        assert (state.tier, state.status, state.file) == ("community", "none", None)
        assert harness.lines == ["no license file found; running the community tier"]
    else:
        assert (state.file, state.claims.sub, state.tier) == (str(paths[winner]), winner, tiers[winner])
        assert harness.lines and str(paths[winner]) in harness.lines[-1] and tiers[winner] in harness.lines[-1]


def test_explicit_missing_file_does_not_fall_back(harness: Any) -> None:
    user = harness.tmp / "user-config" / "license.jwt"
    user.parent.mkdir()
    user.write_text(harness.vendor.issue(tier="enterprise"))
    state = harness.manager(license_file=str(harness.tmp / "typo.jwt")).current()
    assert (state.tier, state.error) == ("community", "not_found")


def test_expiry_downgrades_at_that_moment(harness: Any) -> None:
    clock = Clock(NOW)
    path = harness.write(harness.vendor.issue(issued_at=NOW - 60, expires_at=NOW + 30))
    manager = harness.manager(clock, stat_interval=3600, license_file=str(path), grace=0)
    assert manager.current().tier == "pro"
    clock.t = NOW + 29.5
    assert manager.current().tier == "pro"
    clock.t = NOW + 30  # exactly exp: no stat is due (interval 1 h), the deadline alone triggers it
    state = manager.current()
    assert (state.tier, state.error) == ("community", "expired")
    assert "license expired on" in harness.lines[-1] and "running the community tier" in harness.lines[-1]


def test_grace_warns_then_downgrades(harness: Any) -> None:
    clock = Clock(NOW)
    path = harness.write(harness.vendor.issue(issued_at=NOW - 60, expires_at=NOW + 10))
    manager = harness.manager(clock, license_file=str(path), grace=parse_duration("15m"))
    assert manager.current().status == "valid"
    clock.advance(10)
    state = manager.current()
    assert (state.tier, state.status) == ("pro", "grace")
    assert "grace period until" in harness.lines[-1]
    lines_before = len(harness.lines)
    clock.advance(60)
    manager.current()
    assert len(harness.lines) == lines_before  # no repeated warning on every call
    clock.advance(15 * 60)
    assert manager.current().tier == "community"
    assert "grace period ended" in harness.lines[-1]


def test_not_yet_valid_becomes_valid(harness: Any) -> None:
    clock = Clock(NOW)
    path = harness.write(harness.vendor.issue(issued_at=NOW, not_before=NOW + 600, expires_at=NOW + 3600))
    manager = harness.manager(clock, stat_interval=3600, license_file=str(path))
    assert manager.current().error == "not_yet_valid"
    clock.advance(600 - 60)  # nbf minus the clock-skew leeway
    assert manager.current().tier == "pro"


def test_replaced_file_is_picked_up_after_the_stat_interval(harness: Any) -> None:
    clock = Clock(NOW)
    path = harness.write(harness.vendor.issue(tier="pro", issued_at=NOW - 60))
    manager = harness.manager(clock, stat_interval=1.0, license_file=str(path))
    assert manager.current().tier == "pro"
    harness.write(harness.vendor.issue(tier="enterprise", issued_at=NOW - 60))
    clock.advance(0.5)
    assert manager.current().tier == "pro"  # stat at most once a second
    clock.advance(0.5)
    assert manager.current().tier == "enterprise"
    assert "tier enterprise" in harness.lines[-1]
    # Overwritten in place (same inode), with a broken token: picked up too, and downgrades.
    with open(path, "w") as handle:
        handle.write("garbage")
    clock.advance(1)
    assert (manager.current().tier, manager.current().error) == ("community", "malformed")
    os.unlink(path)
    clock.advance(1)
    assert manager.current().error == "not_found"


def test_license_appearing_in_user_config_is_picked_up(harness: Any) -> None:
    clock = Clock(NOW)
    manager = harness.manager(clock)
    assert manager.current().status == "none"
    user = harness.tmp / "user-config" / "license.jwt"
    user.parent.mkdir()
    user.write_text(harness.vendor.issue(tier="enterprise", issued_at=NOW - 60))
    clock.advance(1)
    assert manager.current().tier == "enterprise"


def test_revocation_list_updated_at_run_time(harness: Any) -> None:
    clock = Clock(NOW)
    path = harness.write(harness.vendor.issue(jti="lic-7", issued_at=NOW - 60))
    crl = harness.write(harness.vendor.crl("lic-1"), name="revoked.crl")
    manager = harness.manager(clock, license_file=str(path), crl_file=str(crl))
    assert manager.current().tier == "pro"
    harness.write(harness.vendor.crl("lic-1", "lic-7"), name="revoked.crl")
    clock.advance(1)
    assert manager.current().error == "revoked"


def test_operator_limits_only_tighten(harness: Any) -> None:
    path = harness.write(harness.vendor.issue(tier="pro"))
    ops = {"max_references": 10, "max_file_bytes": 10**12, "rate_limit": "1/second"}
    limits = harness.manager(license_file=str(path), operator_limits=ops).current().policy.limits
    assert limits.max_references == 10  # stricter: applied
    assert limits.max_file_bytes == 10_485_760  # looser than the tier: ignored
    assert limits.rate_limit == "1/second"  # 1/s is stricter than 600/minute


def test_describe_reports_what_capabilities_needs(harness: Any) -> None:
    path = harness.write(harness.vendor.issue(tier="pro", sub="ACME", limits={"max_references": 777}, seats=5))
    info = harness.manager(license_file=str(path)).describe()
    assert info["tier"] == "pro" and info["customer"] == "ACME" and info["expires_at"].endswith("Z")
    assert info["limits"]["max_references"] == 777 and info["limit_overrides"] == {"max_references": 777}
    assert info["seats"] == 5 and "file" not in info  # the server's paths are not shown to callers
    assert "crawl_project" in info["tools"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0s", 0), ("0", 0), ("90s", 90), ("15m", 900), ("24h", 86400), ("7d", 604800), ("1d12h", 129600)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "-1s", "1w", "1.5h", "h", "10 s", "1s1"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not like"):
        parse_duration(text)


def test_manager_is_thread_safe_under_concurrent_calls(harness: Any, tmp_path: Path) -> None:
    import threading

    path = harness.write(harness.vendor.issue(tier="pro"))
    manager = harness.manager(stat_interval=0.0, license_file=str(path))
    seen: list[str] = []

    def work() -> None:
        for _ in range(200):
            seen.append(manager.current().tier)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen) == {"pro"}
