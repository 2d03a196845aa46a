"""Per-key rate limits and per-key signing secrets: the key store, the `keys` CLI and the real server."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from code_scalpel.auth import apikeys, signing_keys
from code_scalpel.auth.keystore import KeyStore
from code_scalpel.auth.signing import sign_request
from code_scalpel.errors import InvalidArgument
from support import http_server, run_cli

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}  # fmt: skip
BODY = json.dumps(INIT).encode()
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def keys(data: Path, *args: str) -> dict:
    r = run_cli("keys", *args, "--data-dir", str(data), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# -- the key store --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "stored"),
    [
        ("120/minute", "120/minute"),
        ("10 per second", "10 per second"),
        (" 1000/hour ", "1000/hour"),
        ("5/2 minutes", "5/2 minutes"),
        ("lots", None),
        ("0/minute", None),
        ("-3/minute", None),
        ("1/minute;2/hour", None),  # limits.parse would silently keep the first one
        ("", None),
        ("120/fortnight", None),
    ],
)
def test_rate_limit_is_checked_with_the_limits_parser(tmp_path: Path, limit: str, stored: str | None) -> None:
    store = KeyStore(tmp_path)
    if stored is None:
        with pytest.raises(InvalidArgument, match="limits notation"):
            store.create("ci", ["tools:read"], rate_limit=limit)
        assert store.list() == []
    else:
        record, _ = store.create("ci", ["tools:read"], rate_limit=limit)
        assert store.get(record.id).rate_limit == stored == record.public()["rate_limit"]


def test_signing_secrets_are_derived_not_stored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = KeyStore(tmp_path)
    plain, _ = store.create("plain", ["tools:read"])
    assert not (tmp_path / signing_keys.MASTER_NAME).exists()  # created on first use only
    signer, _ = store.create("signer", ["tools:read"], require_signature=True, rate_limit="9/minute")
    secret = store.signing_secret(signer)
    assert secret is not None and secret.startswith("css_") and len(secret) == 4 + 43
    master = tmp_path / signing_keys.MASTER_NAME
    assert stat.S_IMODE(master.stat().st_mode) == 0o600 and len(master.read_bytes()) == 32
    # Neither the secret nor anything it is made of alone sits in the database file.
    db_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("keys.sqlite3*"))
    assert secret.encode() not in db_bytes and master.read_bytes() not in db_bytes
    assert "signing_salt" not in repr(signer) and "signing_salt" not in json.dumps(signer.public())
    # Another process (a fresh store on the same directory) derives the same secret; other ids get none.
    other = KeyStore(tmp_path)
    assert other.secret_for(signer.id) == secret.encode()
    for key_id in (plain.id, "key_000000000000", "ci", "key_' OR 1=1 --"):
        assert other.secret_for(key_id) is None, key_id
    # Rotation: a new salt, so an unrelated secret; the rate limit and the requirement carry over.
    new, _, old = store.rotate(signer.id)
    assert new.require_signature and new.rate_limit == "9/minute"
    assert store.signing_secret(new) not in (None, secret)
    assert old.state() == "revoked" and store.secret_for(signer.id) is None  # revocation disables signing too
    # A missing or damaged master secret: refuse (None) and say why in the log, never make a new one silently.
    master.unlink()
    with caplog.at_level(logging.ERROR):
        assert KeyStore(tmp_path).secret_for(new.id) is None
        assert not master.exists() and "signing master secret" in caplog.text
        master.write_bytes(b"short")
        assert KeyStore(tmp_path).secret_for(new.id) is None
        assert "damaged" in caplog.text
    assert secret not in caplog.text


# Exactly what the first released version created (before rate_limit, require_signature, signing_salt).
OLD_SCHEMA = """
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
    scopes TEXT NOT NULL, tools TEXT, note TEXT, created REAL NOT NULL, expires REAL, revoked REAL,
    replaced_by TEXT, last_used REAL, calls INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE api_key_usage (
    key_id TEXT NOT NULL, tool TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0, last_used REAL, PRIMARY KEY (key_id, tool)
);
"""


def make_old_store(data: Path) -> tuple[str, str]:
    data.mkdir(parents=True, exist_ok=True)
    key = apikeys.generate()
    db = sqlite3.connect(data / "keys.sqlite3")
    db.executescript(OLD_SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "INSERT INTO api_keys (id, name, hash, prefix, scopes, created, calls) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ("key_0123456789ab", "legacy", apikeys.key_hash(key), apikeys.display_prefix(key), '["tools:read"]',
         time.time() - 86400, 7),
    )  # fmt: skip
    db.commit()
    db.close()
    return "key_0123456789ab", key


def test_a_store_from_the_previous_version_keeps_working(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key_id, key = make_old_store(data)
    listed = keys(data, "list")["keys"]
    assert [(k["id"], k["calls"], k["rate_limit"], k["require_signature"]) for k in listed] == [
        (key_id, 7, None, False)
    ]
    KeyStore(data)  # opening it again is a no-op
    columns = [row[1] for row in sqlite3.connect(data / "keys.sqlite3").execute("PRAGMA table_info(api_keys)")]
    assert columns[-3:] == ["rate_limit", "require_signature", "signing_salt"]
    signer = keys(data, "create", "--name", "new", "--scopes", "tools:read", "--require-signature")
    with http_server(tmp_path, "--auth", "apikey") as server, server.client() as client:
        old = client.post("/mcp", content=BODY, headers={**HEADERS, "X-API-Key": key})
        url = server.base_url + "/mcp"
        signed = sign_request(signer["id"], signer["signing_secret"], "POST", url, BODY)
        new = client.post("/mcp", content=BODY, headers={**HEADERS, "X-API-Key": signer["key"], **signed})
    assert old.status_code == 200 and new.status_code == 200
    assert KeyStore(data).lookup(key).calls == 7


# -- through the real server ----------------------------------------------------------------


def test_per_key_rate_limit_against_the_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    limited = keys(data, "create", "--name", "limited", "--scopes", "tools:read", "--rate-limit", "3/minute")
    default = keys(data, "create", "--name", "default", "--scopes", "tools:read")
    assert limited["rate_limit"] == "3/minute" and default["rate_limit"] is None
    assert keys(data, "show", limited["id"])["rate_limit"] == "3/minute"
    human = run_cli("keys", "show", limited["id"], "--data-dir", str(data)).stdout
    assert "rate limit: 3/minute" in human
    with http_server(tmp_path, "--auth", "apikey", "--rate-limit", "5/minute") as server, server.client() as client:
        runs = {
            name: [client.post("/mcp", content=BODY, headers={**HEADERS, "X-API-Key": k["key"]}) for _ in range(7)]
            for name, k in (("limited", limited), ("default", default))
        }
    for name, quota in (("limited", 3), ("default", 5)):
        responses = runs[name]
        assert [r.status_code for r in responses] == [200] * quota + [429] * (7 - quota), name
        assert all(r.headers["ratelimit-policy"] == f'"principal";q={quota};w=60' for r in responses), name
        refused = responses[-1]
        retry = int(refused.headers["retry-after"])
        assert 1 <= retry <= 60 and refused.json()["error"]["data"]["retry_after"] == retry


def test_require_signature_rotation_and_no_secret_in_logs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    signer = keys(data, "create", "--name", "signer", "--scopes", "tools:read", "--require-signature")
    plain = keys(data, "create", "--name", "plain", "--scopes", "tools:read")
    admin = keys(data, "create", "--name", "ops", "--scopes", "admin")
    assert signer["require_signature"] is True and signer["signing_secret"].startswith("css_")
    assert "signing_secret" not in plain and "signing_secret" not in keys(data, "show", signer["id"])
    assert signer["signing_secret"] not in json.dumps(keys(data, "list"))
    shown: list[str] = [signer["key"], signer["signing_secret"], plain["key"], admin["key"]]
    with http_server(tmp_path, "--auth", "apikey", "--log-format", "json") as server, server.client() as client:
        url = server.base_url + "/mcp"

        def post(api_key: str, signature: dict[str, str] | None = None):
            return client.post("/mcp", content=BODY, headers={**HEADERS, "X-API-Key": api_key, **(signature or {})})

        def via_cli(key_id: str, secret: str) -> dict[str, str]:
            (tmp_path / "body.json").write_bytes(BODY)
            r = run_cli(
                "sign", "--key-id", key_id, "--secret", secret, "--url", url, "--body", str(tmp_path / "body.json")
            )
            assert r.returncode == 0, r.stderr
            return dict(line.split(": ", 1) for line in r.stdout.splitlines())

        sid, secret = signer["id"], signer["signing_secret"]
        cases = [
            # (what, API key, signature headers, status, error in WWW-Authenticate, words in the message)
            ("unsigned", signer["key"], None, 401, "missing", "a signature is required"),
            ("signed", signer["key"], sign_request(sid, secret, "POST", url, BODY), 200, None, None),
            ("signed by the CLI", signer["key"], via_cli(sid, secret), 200, None, None),
            ("the API key as secret", signer["key"], sign_request(sid, signer["key"], "POST", url, BODY),
             401, "bad_signature", "does not match"),
            ("another key's id", signer["key"], sign_request(plain["id"], secret, "POST", url, BODY),
             401, "wrong_key", f"X-Scalpel-Key-Id {sid}"),
            ("a key without the flag, unsigned", plain["key"], None, 200, None, None),
            ("a key without the flag cannot sign", plain["key"], sign_request(plain["id"], secret, "POST", url, BODY),
             401, "unknown_key", "unknown signing key id"),
        ]  # fmt: skip
        for what, api_key, signature, status, error, words in cases:
            r = post(api_key, signature)
            assert r.status_code == status, (what, r.text)
            if error:
                assert r.headers["www-authenticate"] == f'CS1-HMAC-SHA256 error="{error}"', what
                assert words in r.json()["error"]["message"], what

        # Rotation: a new key with a new secret; the old secret does not sign for the new key.
        rotated = keys(data, "rotate", sid)
        shown += [rotated["key"], rotated["signing_secret"]]
        assert rotated["require_signature"] and rotated["signing_secret"] != secret
        new_id, new_secret = rotated["id"], rotated["signing_secret"]
        after = [
            post(rotated["key"], sign_request(new_id, secret, "POST", url, BODY)),
            post(rotated["key"], sign_request(new_id, new_secret, "POST", url, BODY)),
            post(signer["key"], sign_request(sid, secret, "POST", url, BODY)),  # the old key is revoked
        ]
        assert [r.status_code for r in after] == [401, 200, 401]
        assert "is revoked" in after[2].json()["error_description"]

        # The admin API issues the same keys.
        as_admin = {"X-API-Key": admin["key"]}
        made = client.post(
            "/admin/keys/",
            json={"name": "api", "scopes": ["tools:read"], "rate_limit": "2/minute", "require_signature": True},
            headers=as_admin,
        )
        bad = client.post("/admin/keys/", json={"name": "x", "scopes": ["tools:read"], "rate_limit": "often"},
                          headers=as_admin)  # fmt: skip
        assert made.status_code == 200 and made.json()["rate_limit"] == "2/minute", made.text
        shown += [made.json()["key"], made.json()["signing_secret"]]
        api_signed = sign_request(made.json()["id"], made.json()["signing_secret"], "POST", url, BODY)
        assert post(made.json()["key"], api_signed).status_code == 200
        assert bad.status_code == 400 and "limits notation" in bad.json()["error"]["message"]
        listed = client.get("/admin/keys/", headers=as_admin).text
        assert "signing_secret" not in listed and "css_" not in listed
    audit = [json.loads(line) for line in (data / "audit.log").read_text().splitlines()]
    assert {r["auth"] for r in audit} == {"allowed", "denied"}  # the log did record these requests
    reasons = [r.get("auth_reason") for r in audit if r["auth"] == "denied"]
    assert reasons == ["signature_missing", "signature_bad_signature", "signature_wrong_key",
                       "signature_unknown_key", "signature_bad_signature", "invalid_token"]  # fmt: skip
    logs = server.stderr() + (data / "audit.log").read_text()
    for value in shown:
        assert value not in logs
    assert "css_" not in logs
