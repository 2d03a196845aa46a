"""API key format and store, static token file (reload on change and SIGHUP), and the keys CLI."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from auth_helpers import TOKEN_ALL, TOKEN_READ, write_token_file
from code_scalpel.auth import apikeys
from code_scalpel.auth.keystore import KeyStore, parse_duration
from code_scalpel.auth.tokens import TokenStore
from code_scalpel.errors import InvalidArgument, SymbolNotFound
from support import run_cli

# -- key format --------------------------------------------------------------------------------


def test_generated_keys_are_well_formed_and_unique() -> None:
    keys = {apikeys.generate() for _ in range(500)}
    assert len(keys) == 500
    for key in keys:
        assert key.startswith("csk_") and len(key) == apikeys.KEY_LENGTH
        assert apikeys.well_formed(key)


@pytest.mark.parametrize("position", [4, 5, 20, 40, 46, 47, 50, 52])
def test_any_single_typo_fails_the_checksum(position: int) -> None:
    key = apikeys.generate()
    for replacement in "0aZ":
        if key[position] != replacement:
            typo = key[:position] + replacement + key[position + 1 :]
            assert not apikeys.well_formed(typo)


@pytest.mark.parametrize(
    "value", ["", "csk_", "csk_short", "ghp_" + "a" * 49, "csk_" + "!" * 49, "CSK_" + "a" * 49, "csk_" + "a" * 60]
)
def test_malformed_keys(value: str) -> None:
    assert not apikeys.well_formed(value)


# -- key store ---------------------------------------------------------------------------------


def test_only_hashes_are_stored(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    _, key = store.create("ci", ["tools:read"])
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("keys.sqlite3"))
    assert key.encode() not in raw and key[4:].encode() not in raw
    assert hashlib.sha256(key.encode()).hexdigest().encode() in raw
    assert oct((tmp_path / "keys.sqlite3").stat().st_mode & 0o777) == "0o600"
    mode = sqlite3.connect(tmp_path / "keys.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_lookup_states(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    record, key = store.create("ci", ["tools:read"], expires_in=3600, tools=["analyze_code"])
    assert store.lookup(key).id == record.id
    assert store.lookup(key).state() == "active"
    assert store.lookup(apikeys.generate()) is None
    store.revoke(record.id)
    assert store.lookup(key).state() == "revoked"


def test_rotate_with_grace_keeps_both_valid(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    old, old_key = store.create("ci", ["tools:read", "tools:security"], tools=["analyze_code"])
    new, new_key, old_after = store.rotate(old.id, grace=24 * 3600)
    assert new.scopes == old.scopes and new.tools == old.tools and new.name == old.name
    assert store.lookup(old_key).state() == "active" and store.lookup(new_key).state() == "active"
    assert old_after.replaced_by == new.id
    assert old_after.expires == pytest.approx(time.time() + 24 * 3600, abs=60)
    _, _, old_now = store.rotate(new.id)  # no grace: the old one ends at once
    assert old_now.state() == "revoked"
    with pytest.raises(InvalidArgument, match="revoked"):
        store.rotate(new.id)


def test_management_errors(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    with pytest.raises(SymbolNotFound, match="keys list"):
        store.revoke("key_nope")
    with pytest.raises(InvalidArgument, match="unknown scope"):
        store.create("x", ["tools:everything"])
    with pytest.raises(InvalidArgument, match="at least one scope"):
        store.create("x", [])
    with pytest.raises(InvalidArgument):
        parse_duration("90 days")
    assert parse_duration("90d") == 90 * 86400 and parse_duration("24h") == 86400


def test_usage_is_batched_and_flushed_on_close(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, flush_interval=3600)
    store.start()
    record, _ = store.create("ci", ["tools:read"])
    for _ in range(5):
        store.record_use(record.id, "analyze_code")
    store.record_use(record.id, "extract_code", error=True)
    assert KeyStore(tmp_path).get(record.id).calls == 0  # nothing written on the request path
    store.close()
    fresh = KeyStore(tmp_path)
    assert fresh.get(record.id).calls == 6 and fresh.get(record.id).errors == 1
    assert {u["tool"]: (u["calls"], u["errors"]) for u in fresh.usage(record.id)} == {
        "analyze_code": (5, 0),
        "extract_code": (1, 1),
    }


def _hammer(data_dir: str, key_id: str, n: int) -> None:
    store = KeyStore(data_dir, flush_interval=0.01)
    store.start()
    for _ in range(n):
        store.record_use(key_id, "analyze_code")
    store.close()


def test_several_processes_add_up(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    record, _ = store.create("shared", ["tools:read"])
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), record.id, 400)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert store.get(record.id).calls == 1200
    assert store.usage(record.id)[0]["calls"] == 1200


# -- static tokens -----------------------------------------------------------------------------


def test_token_file_hashes_and_plain(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    write_token_file(path)
    store = TokenStore(path)
    assert store.verify(TOKEN_READ).name == "reader"
    assert store.verify(TOKEN_ALL).scopes == {"tools:read", "tools:security"}  # from its sha256 entry
    assert store.verify("nope") is None


def test_token_file_reloads_on_change_with_overlap(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    write_token_file(path)
    store = TokenStore(path, check_interval=0)
    new = "rotated-token-0123456789abcdef"
    # During a rotation the old and the new token are both listed...
    write_token_file(path, f'\n[[tokens]]\nname = "reader-2"\nscopes = ["tools:read"]\ntoken = "{new}"\n')
    assert store.verify(new).name == "reader-2" and store.verify(TOKEN_READ) is not None
    # ...then the old one is removed.
    path.write_text(f'[[tokens]]\nname = "reader-2"\nscopes = ["tools:read"]\ntoken = "{new}"\n')
    assert store.verify(TOKEN_READ) is None and store.verify(new) is not None


def test_broken_file_keeps_the_last_good_tokens(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens.toml"
    write_token_file(path)
    store = TokenStore(path, check_interval=0)
    path.write_text("[[tokens]\nthis is not toml")
    assert store.verify(TOKEN_READ) is not None
    assert "not reloaded" in caplog.text


def test_sighup_reloads(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    write_token_file(path)
    store = TokenStore(path, check_interval=3600)  # no change detection within the test: only the signal
    previous = signal.getsignal(signal.SIGHUP)
    store.install_sighup()
    try:
        path.write_text(f'[[tokens]]\nname = "only"\nscopes = []\ntoken = "{"z" * 20}"\n')
        assert store.verify(TOKEN_READ) is not None
        os.kill(os.getpid(), signal.SIGHUP)
        assert store.verify(TOKEN_READ) is None and store.verify("z" * 20).name == "only"
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "[[tokens]]"),
        ('[[tokens]]\nname = "a"\nscopes = ["tools:read"]\n', "exactly one of"),
        ('[[tokens]]\nname = "a"\nscopes = ["root"]\ntoken = "0123456789abcdef"\n', "scopes"),
        ('[[tokens]]\nname = "a"\nsha256 = "abc"\n', "64 hex"),
        ('[[tokens]]\nname = "a"\ntoken = "short"\n', "at least 16"),
        ('[[tokens]]\nname = "a"\ntoken = "0123456789abcdef"\npassword = "x"\n', "unknown key"),
    ],
)
def test_token_file_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(content)
    with pytest.raises(InvalidArgument, match=message.replace("[", r"\[")):
        TokenStore(path)


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODE_SCALPEL_TOKEN", "env-token-0123456789abcdef")
    monkeypatch.setenv("CODE_SCALPEL_TOKEN_SCOPES", "tools:read")
    principal = TokenStore(None).verify("env-token-0123456789abcdef")
    assert principal.name == "env" and principal.scopes == {"tools:read"}


# -- the keys CLI ----------------------------------------------------------------------------


def cli(data: Path, *args: str) -> tuple[int, dict, str]:
    result = run_cli("keys", *args, "--data-dir", str(data), "--json")
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def test_keys_cli_lifecycle(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, created, _ = cli(data, "create", "--name", "ci", "--scopes", "tools:read", "tools:security",
                           "--expires", "90d", "--tools", "analyze_code", "--note", "for CI")  # fmt: skip
    assert code == 0 and created["id"].startswith("key_") and apikeys.well_formed(created["key"])
    code, listed, _ = cli(data, "list")
    assert code == 0 and [k["id"] for k in listed["keys"]] == [created["id"]]
    assert created["key"] not in json.dumps(listed)  # shown once, at creation
    entry = listed["keys"][0]
    assert entry["prefix"] == created["key"][:12] and entry["state"] == "active" and entry["revoked"] is False
    assert entry["expires"] == pytest.approx(time.time() + 90 * 86400, abs=120)
    code, rotated, _ = cli(data, "rotate", created["id"], "--grace", "24h")
    assert code == 0 and rotated["key"] != created["key"] and rotated["replaces"]["id"] == created["id"]
    code, shown, _ = cli(data, "show", created["id"])
    assert code == 0 and shown["replaced_by"] == rotated["id"] and shown["usage"] == []
    code, revoked, _ = cli(data, "revoke", rotated["id"])
    assert code == 0 and revoked["revoked"] is True
    human = run_cli("keys", "list", "--data-dir", str(data))
    assert "revoked" in human.stdout and "ci" in human.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["revoke", "key_000000000000"], "no API key"),
        (["show", "key_000000000000"], "no API key"),
        (["create", "--name", "x", "--scopes", "superuser"], "unknown scope"),
        (["create", "--name", "x", "--scopes", "tools:read", "--expires", "forever"], "duration"),
    ],
)
def test_keys_cli_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("keys", *args, "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
