"""Signed requests: replayed, stale, future, re-ordered and altered requests, per-key and global requirement."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from abuse_helpers import FakeBearerAuth, echo_app, serve
from code_scalpel.auth.signing import HEADER_NONCE, HEADER_TIMESTAMP, load_signing_secrets, sign_request
from code_scalpel.http.middleware.rate_limit import AuthFailureThrottle, RateLimiter, RateLimitSettings
from code_scalpel.http.middleware.signing import MemoryNonceStore, RedisNonceStore, SignatureMiddleware

SECRETS = {"ci": b"ci-signing-secret-0123456789", "strict": b"strict-signing-secret-abcdef", "other": b"o" * 20}
BODY = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()


def app(require_all: bool = False, nonces=None, strict: bool = True):
    inner = SignatureMiddleware(echo_app(), SECRETS.get, require_all=require_all, nonces=nonces or MemoryNonceStore())
    return FakeBearerAuth(inner, require_signature={"strict"} if strict else set())


def send(
    client: httpx.Client,
    headers: dict[str, str],
    body: bytes = BODY,
    method: str = "POST",
    path: str = "/mcp",
    who: str = "ci",
) -> httpx.Response:
    return client.request(method, path, content=body, headers={"Authorization": f"Bearer good-{who}", **headers})


def signed(
    url: str,
    key: str = "ci",
    secret: bytes | None = None,
    body: bytes = BODY,
    method: str = "POST",
    path: str = "/mcp",
    **kw,
) -> dict[str, str]:
    return sign_request(key, secret or SECRETS[key], method, url + path, body, **kw)


def case_valid(c, url):
    return [send(c, signed(url))]


def case_replayed(c, url):
    h = signed(url)
    return [send(c, h), send(c, h)]


def case_replayed_nonce_new_timestamp(c, url):
    h = signed(url)
    again = signed(url, nonce=h[HEADER_NONCE], timestamp=int(h[HEADER_TIMESTAMP]) - 5)
    return [send(c, h), send(c, again)]


def case_stale(c, url):
    return [send(c, signed(url, timestamp=int(time.time()) - 400))]


def case_future(c, url):
    return [send(c, signed(url, timestamp=int(time.time()) + 400))]


def case_old_but_inside_window(c, url):
    return [send(c, signed(url, timestamp=int(time.time()) - 240))]


def case_reordered_delivery(c, url):
    # Two requests signed in order, delivered newest first: both are fresh, both pass.
    older, newer = signed(url, timestamp=int(time.time()) - 30), signed(url)
    return [send(c, newer), send(c, older)]


def case_reordered_fields(c, url):
    h = signed(url)
    h[HEADER_NONCE], h[HEADER_TIMESTAMP] = h[HEADER_TIMESTAMP] + "0000000000000000", h[HEADER_NONCE]
    return [send(c, h)]


def case_body_altered(c, url):
    return [send(c, signed(url), body=BODY.replace(b"tools/list", b"tools/call"))]


def case_body_appended(c, url):
    return [send(c, signed(url), body=BODY + b" ")]


def case_method_altered(c, url):
    return [send(c, signed(url, method="PUT"))]


def case_path_altered(c, url):
    return [send(c, signed(url, path="/mcp?debug=1"))]


def case_query_signed(c, url):
    return [send(c, signed(url, path="/mcp?x=1"), path="/mcp?x=1")]


def case_wrong_secret(c, url):
    return [send(c, signed(url, secret=b"not-the-right-secret-xx"))]


def case_unknown_key(c, url):
    return [send(c, signed(url, key="ghost", secret=b"g" * 20))]


def case_missing_header(c, url):
    h = signed(url)
    del h[HEADER_NONCE]
    return [send(c, h)]


def case_bad_nonce(c, url):
    return [send(c, signed(url, nonce="short"))]


def case_unsigned_optional(c, url):
    return [send(c, {})]


def case_per_key_unsigned(c, url):
    return [send(c, {}, who="strict")]


def case_per_key_other_key(c, url):
    return [send(c, signed(url, key="ci"), who="strict")]


def case_per_key_own_key(c, url):
    return [send(c, signed(url, key="strict"), who="strict")]


CASES = [
    # case, expected statuses, reason of the last refusal
    (case_valid, [200], None),
    (case_replayed, [200, 401], "replay"),
    (case_replayed_nonce_new_timestamp, [200, 401], "replay"),
    (case_stale, [401], "stale"),
    (case_future, [401], "stale"),
    (case_old_but_inside_window, [200], None),
    (case_reordered_delivery, [200, 200], None),
    (case_reordered_fields, [401], "bad_timestamp"),
    (case_body_altered, [401], "bad_signature"),
    (case_body_appended, [401], "bad_signature"),
    (case_method_altered, [401], "bad_signature"),
    (case_path_altered, [401], "bad_signature"),
    (case_query_signed, [200], None),
    (case_wrong_secret, [401], "bad_signature"),
    (case_unknown_key, [401], "unknown_key"),
    (case_missing_header, [401], "incomplete"),
    (case_bad_nonce, [401], "bad_nonce"),
    (case_unsigned_optional, [200], None),
    (case_per_key_unsigned, [401], "missing"),
    (case_per_key_other_key, [401], "wrong_key"),
    (case_per_key_own_key, [200], None),
]


@pytest.mark.parametrize(("case", "statuses", "reason"), CASES, ids=[c[0].__name__[5:] for c in CASES])
def test_signature_table(case, statuses: list[int], reason: str | None) -> None:
    with serve(app()) as url, httpx.Client(base_url=url) as client:
        responses = case(client, url)
    assert [r.status_code for r in responses] == statuses
    if reason:
        last = responses[-1]
        assert f'error="{reason}"' in last.headers["www-authenticate"]
        assert last.json()["error"]["message"]
        assert SECRETS["ci"].decode() not in last.text


def test_messages_say_what_to_fix() -> None:
    with serve(app(require_all=True)) as url, httpx.Client(base_url=url) as client:
        unsigned = send(client, {})
        stale = send(client, signed(url, timestamp=int(time.time()) - 1000))
    assert "codescalpel sign" in unsigned.json()["error"]["message"]
    assert "window is ±300 s" in stale.json()["error"]["message"]


def test_cli_sign_headers_are_accepted(tmp_path: Path) -> None:
    body_file = tmp_path / "req.json"
    body_file.write_bytes(BODY)
    with serve(app(require_all=True)) as url:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from code_scalpel.cli import main; sys.exit(main())",
                "sign",
                "--key-id",
                "ci",
                "--secret",
                SECRETS["ci"].decode(),
                "--method",
                "POST",
                "--url",
                f"{url}/mcp",
                "--body",
                str(body_file),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lines = out.strip().splitlines()
        assert len(lines) == 4 and all(": " in line for line in lines)
        headers = dict(line.split(": ", 1) for line in lines)
        r = httpx.post(
            f"{url}/mcp", content=body_file.read_bytes(), headers={"Authorization": "Bearer good-x", **headers}
        )
    assert r.status_code == 200


def test_signature_failures_count_towards_the_auth_throttle() -> None:
    limiter = RateLimiter(RateLimitSettings(auth_failures="2/minute"))
    with serve(AuthFailureThrottle(app(require_all=True), limiter)) as url, httpx.Client(base_url=url) as client:
        statuses = [send(client, signed(url, secret=b"guessing-the-secret-x")).status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]


def test_redis_nonce_cache_is_shared_between_servers() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    store_a = RedisNonceStore("redis://127.0.0.1:6379/0", prefix=prefix)
    store_b = RedisNonceStore("redis://127.0.0.1:6379/0", prefix=prefix)
    with serve(app(nonces=store_a)) as url_a, serve(app(nonces=store_b)) as url_b:
        h = signed(url_a)  # the signed target is the path, so it verifies on either server
        first = httpx.post(f"{url_a}/mcp", content=BODY, headers={"Authorization": "Bearer good-ci", **h})
        replay = httpx.post(f"{url_b}/mcp", content=BODY, headers={"Authorization": "Bearer good-ci", **h})
    assert first.status_code == 200
    assert replay.status_code == 401 and 'error="replay"' in replay.headers["www-authenticate"]


def test_nonce_store_down_fails_closed() -> None:
    with serve(app(nonces=RedisNonceStore("redis://127.0.0.1:1/0"))) as url:
        r = httpx.post(f"{url}/mcp", content=BODY, headers={"Authorization": "Bearer good-ci", **signed(url)})
    assert r.status_code == 503 and "temporarily unavailable" in r.json()["error"]["message"]


def test_memory_nonce_cache_forgets_expired_nonces() -> None:
    import anyio

    async def run() -> None:
        store = MemoryNonceStore()
        assert await store.add("k", "n" * 16, ttl=0)
        assert await store.add("k", "m" * 16, ttl=600)
        assert set(store.seen) == {("k", "m" * 16)}  # the expired one was dropped
        assert not await store.add("k", "m" * 16, ttl=600)

    anyio.run(run)


SECRET_FILES = [
    ('[[signing_keys]]\nid = "a"\nsecret = "0123456789abcdef"\n', {"a": b"0123456789abcdef"}),
    ('[[signing_keys]]\nid = "a"\nsecret = "short"\n', r"16\+ characters"),
    ("not toml [", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "expected"), SECRET_FILES)
def test_signing_secrets_file(tmp_path: Path, text: str, expected) -> None:
    path = tmp_path / "signing.toml"
    path.write_text(text)
    if isinstance(expected, dict):
        assert load_signing_secrets(path) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            load_signing_secrets(path)
