"""``codescalpel license show|verify`` and the vendor's ``codescalpel-license keygen|issue|revoke``."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from code_scalpel.cli import main as codescalpel
from code_scalpel.licensing.vendor_cli import main as vendor


@pytest.fixture
def keys(tmp_path: Path, capsys: Any) -> tuple[Path, Path]:
    private, public = tmp_path / "vendor.key", tmp_path / "vendor.pub"
    assert vendor(["keygen", "--private-key", str(private), "--public-key", str(public)]) == 0
    capsys.readouterr()
    return private, public


def _issue(capsys: Any, private: Path, *extra: str) -> str:
    assert vendor(["issue", "--private-key", str(private), *extra]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.count(".") == 2  # exactly one JWT on stdout
    return out.strip()


def test_keygen_writes_an_owner_only_private_key_and_never_overwrites_it(keys: Any, capsys: Any) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    before = private.read_bytes()
    assert vendor(["keygen", "--private-key", str(private), "--public-key", str(public)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err and private.read_bytes() == before


def test_issue_verify_show_revoke_round_trip(keys: Any, tmp_path: Path, capsys: Any) -> None:
    private, public = keys
    token = _issue(
        capsys,
        private,
        "--tier",
        "enterprise",
        "--sub",
        "ACME",
        "--days",
        "30",
        "--jti",
        "lic-42",
        "--limits",
        '{"max_references": 123456}',
        "--features",
        "crawl_project",
        "--seats",
        "10",
    )
    lic = tmp_path / "license.jwt"
    lic.write_text(token + "\n")
    lic.chmod(0o600)

    assert codescalpel(["license", "verify", str(lic), "--license-public-key", str(public), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["tier"], info["status"], info["customer"], info["license_id"]) == (
        "enterprise",
        "valid",
        "ACME",
        "lic-42",
    )
    assert info["limits"]["max_references"] == 123456 and info["seats"] == 10 and info["file"] == str(lic)

    assert codescalpel(["license", "show", "--license-file", str(lic), "--license-public-key", str(public)]) == 0
    text = capsys.readouterr().out
    for expected in ("tier:      enterprise (valid)", "customer:  ACME", "lic-42", "crawl_project", str(lic)):
        assert expected in text

    # Revoke it: the CRL is created, then extended.
    crl = tmp_path / "revoked.crl"
    assert vendor(["revoke", "--private-key", str(private), "--crl", str(crl), "lic-1"]) == 0
    assert vendor(["revoke", "--private-key", str(private), "--crl", str(crl), "lic-42"]) == 0
    assert "lists 2 revoked" in capsys.readouterr().err
    args = ["license", "verify", str(lic), "--license-public-key", str(public), "--license-crl", str(crl)]
    assert codescalpel(args) == 1
    assert "has been revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tier", "platinum", "--sub", "x"], "unknown tier 'platinum'"),
        (["--tier", "pro", "--sub", "x", "--limits", "[1]"], "--limits must be a JSON object"),
        (["--tier", "pro", "--sub", "x", "--limits", '{"max_widgets": 1}'], "unknown limit 'max_widgets'"),
        (["--tier", "pro", "--sub", "x", "--limits", "{nope"], "Expecting property name"),
    ],
)
def test_issue_refuses_bad_input(keys: Any, capsys: Any, args: list[str], message: str) -> None:
    private, _ = keys
    assert vendor(["issue", "--private-key", str(private), *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == "" and "Traceback" not in captured.err


def test_issue_with_exact_times(keys: Any, capsys: Any) -> None:
    import jwt

    private, _ = keys
    token = _issue(
        capsys, private, "--tier", "pro", "--sub", "x", "--expires-at", "2000000000", "--not-before", "1900000000"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["exp"], claims["nbf"], claims["iss"], claims["tier"]) == (
        2000000000,
        1900000000,
        "code-scalpel",
        "pro",
    )


@pytest.mark.parametrize(
    ("content", "status", "why"),
    [
        ("garbage", 1, "not a well-formed JWT"),
        (None, 1, "does not exist"),
    ],
)
def test_verify_failures_exit_1_with_the_reason(
    tmp_path: Path, capsys: Any, content: str | None, status: int, why: str
) -> None:
    path = tmp_path / "license.jwt"
    if content is not None:
        path.write_text(content)
    assert codescalpel(["license", "verify", str(path)]) == status
    captured = capsys.readouterr()
    assert why in captured.out and "Traceback" not in captured.out + captured.err


def test_verify_expired_and_grace(keys: Any, tmp_path: Path, capsys: Any) -> None:
    private, public = keys
    token = _issue(
        capsys, private, "--tier", "pro", "--sub", "x", "--expires-at", "1700000000", "--not-before", "1600000000"
    )
    lic = tmp_path / "license.jwt"
    lic.write_text(token)
    base = ["license", "verify", str(lic), "--license-public-key", str(public)]
    assert codescalpel([*base, "--license-grace", "0s"]) == 1
    assert "license expired on 2023-11-14T22:13:20Z" in capsys.readouterr().out
    assert codescalpel([*base, "--license-grace", "99999d"]) == 0
    assert "grace period until" in capsys.readouterr().out
    assert codescalpel([*base, "--license-grace", "soon"]) == 2
    assert "is not like" in capsys.readouterr().err


def test_mcp_flags_reach_the_server_config(tmp_path: Path) -> None:
    from code_scalpel.cli import build_parser
    from code_scalpel.config import build_config
    from code_scalpel.licensing.manager import LicenseSettings

    cfg = tmp_path / "server.toml"
    cfg.write_text('license_file = "/from/file.jwt"\nlicense_grace = "1h"\nlicense_crl = "/crl"\n')
    args = build_parser().parse_args(
        [
            "mcp",
            "--config",
            str(cfg),
            "--license-grace",
            "0s",
            "--license-public-key",
            "a.pem",
            "--license-public-key",
            "b.pem",
        ]
    )
    config = build_config(args)
    assert (config.license_file, config.license_grace, config.license_crl) == ("/from/file.jwt", "0s", "/crl")
    settings = LicenseSettings.from_config(config)
    assert settings.grace == 0 and settings.public_keys == ("a.pem", "b.pem") and settings.crl_file == "/crl"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["mcp", "--license-grace", "forever"])
    cfg.write_text('license_public_key = "one.pem"\nlicense_grace = 0\n')
    settings = LicenseSettings.from_config(build_config(build_parser().parse_args(["mcp", "--config", str(cfg)])))
    assert settings.public_keys == ("one.pem",) and settings.grace == 0


def test_bad_grace_in_config_file_refuses_to_start(tmp_path: Path, capsys: Any) -> None:
    cfg = tmp_path / "server.toml"
    cfg.write_text('license_grace = "a while"\n')
    assert codescalpel(["mcp", "--config", str(cfg), "--root", str(tmp_path), "--data-dir", str(tmp_path / "d")]) == 2
    assert "license_grace: duration 'a while' is not like 0s" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["nowhere", "env", "user-config", "project", "config-file"])
def test_show_finds_the_license_like_the_server(
    keys: Any, tmp_path: Path, capsys: Any, monkeypatch: Any, where: str
) -> None:
    private, public = keys
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CODE_SCALPEL_LICENSE_PATH", raising=False)
    project = tmp_path / "project"
    (project / ".code-scalpel").mkdir(parents=True)
    token = _issue(capsys, private, "--tier", "pro", "--sub", where)
    target = {
        "env": tmp_path / "env.jwt",
        "user-config": tmp_path / "xdg" / "code-scalpel" / "license.jwt",
        "project": project / ".code-scalpel" / "license.jwt",
        "config-file": tmp_path / "cfg.jwt",
    }.get(where)
    if target:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(token)
        target.chmod(0o600)
    if where == "env":
        monkeypatch.setenv("CODE_SCALPEL_LICENSE_PATH", str(target))
    args = ["license", "show", "--json", "--root", str(project)]
    if where == "config-file":
        cfg = tmp_path / "server.toml"
        cfg.write_text(f'license_file = "{target}"\nlicense_public_key = ["{public}"]\n')
        args += ["--config", str(cfg)]
    else:
        args += ["--license-public-key", str(public)]
    assert codescalpel(args) == 0
    info = json.loads(capsys.readouterr().out)
    if where == "nowhere":
        assert (info["tier"], info["status"], info["file"]) == ("community", "none", None)
    else:
        assert (info["tier"], info["customer"], info["file"]) == ("pro", where, str(target))


@pytest.mark.parametrize("tier", [None, "pro", "enterprise"])
def test_runtime_limits_and_concurrency_follow_the_tier(
    keys: Any, tmp_path: Path, capsys: Any, monkeypatch: Any, tier: str | None
) -> None:
    from code_scalpel.auth.principal import LOCAL
    from code_scalpel.cli import build_parser
    from code_scalpel.config import build_config
    from code_scalpel.licensing.tiers import load_tiers
    from code_scalpel.server.launch import build_runtime

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CODE_SCALPEL_LICENSE_PATH", raising=False)
    private, public = keys
    args = ["mcp", "--root", str(tmp_path), "--data-dir", str(tmp_path / "d"), "--license-public-key", str(public)]
    if tier:
        lic = tmp_path / "license.jwt"
        lic.write_text(_issue(capsys, private, "--tier", tier, "--sub", "x"))
        lic.chmod(0o600)
        args += ["--license-file", str(lic)]
    runtime = build_runtime(build_config(build_parser().parse_args(args)))
    expected = load_tiers().get(tier or "community").limits
    assert runtime.limits_provider() == expected
    assert runtime.call_guard is not None and runtime.call_guard.max_for(LOCAL) == expected.max_concurrent_calls
    assert runtime.stamp_provider() == {"tier": tier or "community"}
    assert runtime.capability_sections["license"]()["tier"] == (tier or "community")
