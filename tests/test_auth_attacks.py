"""The attack table: each case against a real server, asserting status, WWW-Authenticate and that no tool ran."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from auth_helpers import (
    TOKEN_ALL,
    TOKEN_ONLY_ANALYZE,
    TOKEN_READ,
    World,
    b64url,
    call_tool,
    flip_last,
    open_session,
    running_world,
    unsigned_jwt,
)

Headers = list[tuple[str, str]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    with running_world(tmp_path_factory.mktemp("attacks")) as w:
        yield w


def bearer(value: str) -> Headers:
    return [("authorization", f"Bearer {value}")]


def jwt_for(w: World, **claims) -> str:
    claims.setdefault("aud", w.audience)
    claims.setdefault("scope", "tools:read tools:security")
    return w.auth_server.mint(**claims)


def hs256_with_public_key(w: World) -> str:
    public_pem = (
        w.auth_server.keys[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    payload = {
        "iss": w.auth_server.issuer,
        "aud": w.audience,
        "sub": "x",
        "exp": int(time.time()) + 300,
        "scope": "tools:read",
    }
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def tampered(w: World) -> str:
    header, payload, signature = jwt_for(w, scope="tools:read").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "tools:read tools:security admin"
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


@dataclass
class Case:
    id: str
    creds: Callable[[World], Headers]
    status: int
    #: RFC 6750 error in the challenge; None: a challenge without error=; "absent": no WWW-Authenticate at all.
    error: str | None = None
    tool: str = "analyze_code"
    query: str = ""
    scope_in_challenge: str | None = None


NOW = lambda: int(time.time())  # noqa: E731

CASES = [
    # -- the header itself
    Case("no-header", lambda w: [], 401),
    Case("wrong-scheme-basic", lambda w: [("authorization", "Basic dXNlcjpwYXNz")], 401),
    Case("wrong-scheme-token", lambda w: [("authorization", f"Token {TOKEN_READ}")], 401),
    Case("bearer-nothing-after", lambda w: [("authorization", "Bearer")], 400, "invalid_request"),
    Case("bearer-two-tokens", lambda w: bearer(f"{TOKEN_READ} {TOKEN_ALL}"), 400, "invalid_request"),
    Case("two-authorization-headers", lambda w: bearer(TOKEN_READ) + bearer(TOKEN_ALL), 400, "invalid_request"),
    Case(
        "authorization-and-x-api-key",
        lambda w: [*bearer(TOKEN_READ), ("x-api-key", w.keys["read"])],
        400,
        "invalid_request",
    ),
    Case(
        "two-x-api-keys",
        lambda w: [("x-api-key", w.keys["read"]), ("x-api-key", w.keys["security"])],
        400,
        "invalid_request",
    ),
    Case("double-space", lambda w: [("authorization", f"Bearer  {TOKEN_READ}")], 400, "invalid_request"),
    Case("tab-separator", lambda w: [("authorization", f"Bearer\t{TOKEN_READ}")], 401),
    Case("trailing-comma", lambda w: bearer(TOKEN_READ + ","), 400, "invalid_request"),
    Case("quoted-token", lambda w: bearer(f'"{TOKEN_READ}"'), 400, "invalid_request"),
    Case("empty-x-api-key", lambda w: [("x-api-key", "")], 400, "invalid_request"),
    Case("token-in-query", lambda w: [], 400, "invalid_request", query=f"?access_token={TOKEN_ALL}"),
    Case("api-key-in-query", lambda w: [], 400, "invalid_request", query="?api_key=KEY"),
    Case("oversized-header", lambda w: bearer("a" * 9000), 431, "absent"),
    # -- static tokens
    Case("wrong-token", lambda w: bearer("not-a-valid-token-at-all"), 401, "invalid_token"),
    Case("token-prefix-only", lambda w: bearer(TOKEN_READ[:-1]), 401, "invalid_token"),
    Case(
        "token-lacks-scope",
        lambda w: bearer(TOKEN_READ),
        403,
        "insufficient_scope",
        tool="security_scan",
        scope_in_challenge="tools:security",
    ),
    Case(
        "token-for-another-tool",
        lambda w: bearer(TOKEN_ONLY_ANALYZE),
        403,
        "insufficient_scope",
        tool="get_file_context",
    ),
    Case(
        "token-write-scope",
        lambda w: bearer(TOKEN_ALL),
        403,
        "insufficient_scope",
        tool="edit_file",
        scope_in_challenge="tools:write",
    ),
    # -- API keys
    Case("revoked-key", lambda w: bearer(w.keys["revoked"]), 401, "invalid_token"),
    Case("revoked-key-x-api-key", lambda w: [("x-api-key", w.keys["revoked"])], 401, "invalid_token"),
    Case("expired-key", lambda w: bearer(w.keys["expired"]), 401, "invalid_token"),
    Case("rotated-old-key", lambda w: bearer(w.keys["rotated"]), 401, "invalid_token"),
    Case("key-bad-checksum", lambda w: bearer(flip_last(w.keys["security"])), 401, "invalid_token"),
    Case("key-truncated", lambda w: [("x-api-key", w.keys["security"][:-3])], 401, "invalid_token"),
    Case(
        "key-unknown-but-well-formed",
        lambda w: bearer(__import__("code_scalpel.auth.apikeys").auth.apikeys.generate()),
        401,
        "invalid_token",
    ),
    Case(
        "key-for-another-tool",
        lambda w: bearer(w.keys["analyze-only"]),
        403,
        "insufficient_scope",
        tool="get_file_context",
    ),
    Case(
        "key-lacks-scope",
        lambda w: [("x-api-key", w.keys["read"])],
        403,
        "insufficient_scope",
        tool="security_scan",
        scope_in_challenge="tools:security",
    ),
    # -- OAuth / JWT
    Case("jwt-expired", lambda w: bearer(jwt_for(w, exp=NOW() - 3600)), 401, "invalid_token"),
    Case("jwt-nbf-future", lambda w: bearer(jwt_for(w, nbf=NOW() + 3600)), 401, "invalid_token"),
    Case("jwt-wrong-iss", lambda w: bearer(jwt_for(w, iss="http://127.0.0.1:1/evil")), 401, "invalid_token"),
    Case("jwt-iss-trailing-slash", lambda w: bearer(jwt_for(w, iss=w.auth_server.issuer + "/")), 401, "invalid_token"),
    Case("jwt-wrong-aud", lambda w: bearer(jwt_for(w, aud="http://127.0.0.1:9/mcp")), 401, "invalid_token"),
    Case(
        "jwt-aud-list-without-us", lambda w: bearer(jwt_for(w, aud=["https://other.example/mcp"])), 401, "invalid_token"
    ),
    Case("jwt-missing-aud", lambda w: bearer(w.auth_server.mint(scope="tools:read")), 401, "invalid_token"),
    Case("jwt-missing-exp", lambda w: bearer(jwt_for(w, exp=None)), 401, "invalid_token"),
    Case(
        "jwt-alg-none",
        lambda w: bearer(
            unsigned_jwt(
                {"alg": "none", "typ": "JWT"},
                {"iss": w.auth_server.issuer, "aud": w.audience, "sub": "x", "exp": NOW() + 300, "scope": "tools:read"},
            )
        ),
        401,
        "invalid_token",
    ),
    Case("jwt-hs256-with-rsa-public-key", lambda w: bearer(hs256_with_public_key(w)), 401, "invalid_token"),
    Case("jwt-unknown-kid", lambda w: bearer(jwt_for(w, headers={"kid": "never-published"})), 401, "invalid_token"),
    Case(
        "jwt-ec-kid-rs256-alg",
        lambda w: bearer(
            w.auth_server.mint(w.auth_server.keys[0], headers={"kid": "ec-1"}, aud=w.audience, scope="tools:read")
        ),
        401,
        "invalid_token",
    ),
    Case("jwt-tampered-payload", lambda w: bearer(tampered(w)), 401, "invalid_token"),
    Case(
        "jwt-other-issuer-key-same-kid",
        lambda w: bearer(w.auth_server.mint(w.other_keys["stranger"], aud=w.audience, scope="tools:read")),
        401,
        "invalid_token",
    ),
    Case("jwt-garbage-three-parts", lambda w: bearer("aaa.bbb.ccc"), 401, "invalid_token"),
    Case(
        "jwt-lacks-scope",
        lambda w: bearer(jwt_for(w, scope="tools:read")),
        403,
        "insufficient_scope",
        tool="security_scan",
        scope_in_challenge="tools:security",
    ),
    Case(
        "jwt-scp-without-read",
        lambda w: bearer(jwt_for(w, scope=None, scp=["tools:security"])),
        403,
        "insufficient_scope",
        scope_in_challenge="tools:read",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_attack(world: World, case: Case) -> None:
    headers = case.creds(world)
    with httpx.Client(timeout=10) as client:
        # A session opened with the same credential, when it is good enough to open one, so that a refusal
        # below is the authorization decision and not a missing session.
        session = open_session(client, world.base + "/mcp", headers)
        before = list(world.ran)
        response = call_tool(client, world.base + "/mcp" + case.query, headers, case.tool, session)
    assert response.status_code == case.status, response.text
    assert world.ran == before, "a tool ran"
    challenge = response.headers.get("www-authenticate")
    if case.error == "absent":
        assert challenge is None
        return
    assert challenge is not None and challenge.startswith("Bearer ")
    assert f'resource_metadata="{world.base}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert 'scope="' in challenge
    if case.error is None:
        assert "error=" not in challenge
    else:
        assert f'error="{case.error}"' in challenge
    if case.scope_in_challenge:
        scope_value = challenge.split('scope="', 1)[1].split('"', 1)[0].split()
        assert case.scope_in_challenge in scope_value
        assert case.scope_in_challenge in response.json()["missing_scopes"]


def test_attack_table_is_large_enough() -> None:
    assert len(CASES) >= 40


CONTROLS = [
    ("token", lambda w: bearer(TOKEN_READ), "analyze_code"),
    ("token-sha256-entry", lambda w: bearer(TOKEN_ALL), "security_scan"),
    ("token-lowercase-scheme", lambda w: [("authorization", f"bearer {TOKEN_READ}")], "analyze_code"),
    ("key-bearer", lambda w: bearer(w.keys["security"]), "security_scan"),
    ("key-x-api-key", lambda w: [("x-api-key", w.keys["read"])], "analyze_code"),
    ("key-after-rotation", lambda w: bearer(w.keys["rotated-new"]), "analyze_code"),
    ("key-restricted-own-tool", lambda w: bearer(w.keys["analyze-only"]), "analyze_code"),
    ("jwt-rsa", lambda w: bearer(jwt_for(w)), "security_scan"),
    (
        "jwt-ec",
        lambda w: bearer(w.auth_server.mint(w.auth_server.keys[1], aud=w.audience, scope="tools:read")),
        "analyze_code",
    ),
    ("jwt-aud-list", lambda w: bearer(jwt_for(w, aud=["https://other.example", w.audience])), "analyze_code"),
    ("jwt-scp-list", lambda w: bearer(jwt_for(w, scope=None, scp=["tools:read"])), "analyze_code"),
    ("jwt-within-leeway", lambda w: bearer(jwt_for(w, exp=NOW() - 5)), "analyze_code"),
]


@pytest.mark.parametrize(("name", "creds", "tool"), CONTROLS, ids=[c[0] for c in CONTROLS])
def test_valid_credentials_run_the_tool(world: World, name: str, creds, tool: str) -> None:
    """The controls: the same requests with good credentials do run the tool, so the table's refusals mean something."""
    headers = creds(world)
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", headers)
        assert session
        before = len(world.ran)
        response = call_tool(client, world.base + "/mcp", headers, tool, session)
    assert response.status_code == 200, response.text
    assert response.json()["result"].get("isError") is not True, response.text
    assert len(world.ran) == before + 1 and world.ran[-1][1] == tool


def test_token_from_the_authorization_server_endpoint(world: World) -> None:
    token = httpx.post(
        world.auth_server.issuer + "/token",
        data={"grant_type": "client_credentials", "scope": "tools:read", "resource": world.audience, "alg": "ES256"},
    ).json()["access_token"]
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", bearer(token))
        response = call_tool(client, world.base + "/mcp", bearer(token), "analyze_code", session)
    assert response.status_code == 200 and world.ran[-1] == ("user-1", "analyze_code")


@pytest.mark.parametrize(
    ("owner", "intruder"),
    [
        (lambda w: bearer(TOKEN_READ), lambda w: bearer(TOKEN_ALL)),
        (lambda w: bearer(w.keys["read"]), lambda w: [("x-api-key", w.keys["security"])]),
        (lambda w: bearer(jwt_for(w)), lambda w: bearer(jwt_for(w, sub="user-2"))),
        (lambda w: bearer(TOKEN_ALL), lambda w: bearer(w.keys["security"])),
    ],
    ids=["token-token", "key-key", "jwt-jwt", "token-key"],
)
def test_session_reused_by_another_principal_is_404(world: World, owner, intruder) -> None:
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", owner(world))
        assert session
        before = list(world.ran)
        response = call_tool(client, world.base + "/mcp", intruder(world), "analyze_code", session)
        assert response.status_code == 404
        assert world.ran == before
        # The owner can still use it: the intruder did not end it.
        assert call_tool(client, world.base + "/mcp", owner(world), "analyze_code", session).status_code == 200


def test_same_principal_new_jwt_keeps_the_session(world: World) -> None:
    """A refreshed token for the same subject is the same principal (validated anew on every request)."""
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", bearer(jwt_for(world)))
        response = call_tool(
            client, world.base + "/mcp", bearer(jwt_for(world, iat=NOW() - 1)), "analyze_code", session
        )
    assert response.status_code == 200


def test_unknown_kids_do_not_hammer_the_issuer(world: World) -> None:
    with httpx.Client(timeout=10) as client:
        client.post(world.base + "/mcp", headers=bearer(jwt_for(world)), json={})  # keys loaded
        fetches = world.auth_server.jwks_fetches
        for i in range(10):
            response = client.post(
                world.base + "/mcp", headers=bearer(jwt_for(world, headers={"kid": f"forged-{i}"})), json={}
            )
            assert response.status_code == 401
    assert world.auth_server.jwks_fetches <= fetches + 1


def test_protected_resource_metadata(world: World) -> None:
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        response = httpx.get(world.base + path)
        assert response.status_code == 200
        doc = response.json()
        assert doc["resource"] == world.audience
        assert doc["authorization_servers"] == [world.auth_server.issuer]
        assert "tools:read" in doc["scopes_supported"]
    assert httpx.get(world.base + "/healthz").status_code == 200  # needs no credential


def test_no_secret_in_logs_or_errors(world: World, caplog: pytest.LogCaptureFixture) -> None:
    secrets = [TOKEN_READ, world.keys["revoked"], flip_last(world.keys["security"]), jwt_for(world, exp=NOW() - 99)]
    caplog.set_level(logging.DEBUG)
    bodies = []
    with httpx.Client(timeout=10) as client:
        for secret in secrets:
            response = call_tool(client, world.base + "/mcp", bearer(secret), "security_scan", None)
            bodies.append(response.text + str(response.headers))
        response = call_tool(client, world.base + "/mcp?access_token=" + TOKEN_ALL, [], "analyze_code", None)
        bodies.append(response.text + str(response.headers))
    # Server-side records only: the test's own HTTP client logs the URLs it requests.
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    text = server_log + "".join(bodies)
    assert "authentication failed" in server_log
    for secret in [*secrets, TOKEN_ALL]:
        assert secret not in text
        assert secret[4:24] not in text


def test_failures_are_counted_per_client(world: World) -> None:
    failures = world.setup.chain.failures
    before = failures.count("127.0.0.1")
    with httpx.Client(timeout=10) as client:
        for _ in range(3):
            client.post(world.base + "/mcp", headers=bearer("wrong-wrong-wrong"), json={})
    assert failures.count("127.0.0.1") == before + 3


def test_usage_is_counted_per_key_and_tool(world: World) -> None:
    from code_scalpel.auth.keystore import KeyStore

    record, key = KeyStore(world.data_dir).create("usage", ["tools:read", "tools:security"])
    headers = [("x-api-key", key)]
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", headers)
        for tool in ("analyze_code", "analyze_code", "security_scan"):
            assert call_tool(client, world.base + "/mcp", headers, tool, session).status_code == 200
        assert (
            call_tool(client, world.base + "/mcp", headers, "get_file_context", session, fail=True).status_code == 200
        )
        call_tool(client, world.base + "/mcp", headers, "no_such_tool", session)
        assert call_tool(client, world.base + "/mcp", headers, "edit_file", session).status_code == 403
    world.setup.keystore.flush()
    store = KeyStore(world.data_dir)
    usage = {u["tool"]: (u["calls"], u["errors"]) for u in store.usage(record.id)}
    assert usage["analyze_code"] == (2, 0) and usage["security_scan"] == (1, 0)
    assert usage["get_file_context"] == (1, 1)  # isError in the tool result
    assert usage["edit_file"] == (1, 1)  # refused for want of tools:write
    assert "no_such_tool" not in usage
    stored = store.get(record.id)
    assert stored.last_used is not None and (stored.calls, stored.errors) == (5, 2)


def test_revocation_takes_effect_at_once(world: World, tmp_path: Path) -> None:
    from code_scalpel.auth.keystore import KeyStore

    store = KeyStore(world.data_dir)
    record, key = store.create("short-lived", ["tools:read"])
    with httpx.Client(timeout=10) as client:
        assert open_session(client, world.base + "/mcp", bearer(key))
        store.revoke(record.id)
        response = call_tool(client, world.base + "/mcp", bearer(key), "analyze_code", None)
    assert response.status_code == 401


def test_batch_with_a_forbidden_call_names_every_missing_scope(world: World) -> None:
    headers = bearer(TOKEN_ONLY_ANALYZE)
    with httpx.Client(timeout=10) as client:
        session = open_session(client, world.base + "/mcp", headers)
        before = list(world.ran)
        batch = [
            {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "analyze_code"}},
            {"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "security_scan"}},
            {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "edit_file"}},
        ]
        response = client.post(
            world.base + "/mcp",
            content=json.dumps(batch),
            headers=[
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
                ("mcp-session-id", session),
                *headers,
            ],
        )
    assert response.status_code == 403 and world.ran == before
    assert response.json()["missing_scopes"] == ["tools:security", "tools:write"]
    assert 'scope="tools:read tools:security tools:write"' in response.headers["www-authenticate"]
