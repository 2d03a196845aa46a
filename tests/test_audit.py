"""The audit log: chain verification (edited, deleted, inserted lines), rotation, injection safety,
and the HTTP middleware writing one line per auth decision and per tool call."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from abuse_helpers import FakeBearerAuth, echo_app, serve, tool_call
from code_scalpel.audit import GENESIS, AuditLog, verify_files
from code_scalpel.audit.verify import rotation_set
from code_scalpel.http import jsonrpc_peek
from code_scalpel.http.middleware.audit import AuditMiddleware
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware
from code_scalpel.http.middleware.rate_limit import (
    AuthFailureThrottle,
    RateLimiter,
    RateLimitMiddleware,
    RateLimitSettings,
)
from code_scalpel.http.middleware.request_id import RequestIdMiddleware


def write_log(path: Path, n: int = 8, **kwargs: int) -> AuditLog:
    audit = AuditLog(path, **kwargs)
    for i in range(n):
        audit.write({"event": "tool_call", "tool": "analyze_code", "i": i})
    return audit


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def edit(ls: list[str]) -> list[str]:
    record = json.loads(ls[3])
    record["tool"] = "extract_code"
    return [*ls[:3], json.dumps(record, separators=(",", ":")), *ls[4:]]


def delete(ls: list[str]) -> list[str]:
    return [*ls[:3], *ls[4:]]


def insert_naive(ls: list[str]) -> list[str]:
    forged = json.loads(ls[2]) | {"tool": "forged"}
    return [*ls[:3], json.dumps(forged, separators=(",", ":")), *ls[3:]]


def insert_chained(ls: list[str]) -> list[str]:
    # A careful forger chains the new line to the one before it; the next line still betrays it.
    prev = json.loads(ls[2])
    forged = {**prev, "seq": prev["seq"] + 1, "tool": "forged", "prev": hashlib.sha256(ls[2].encode()).hexdigest()}
    return [*ls[:3], json.dumps(forged, separators=(",", ":")), *ls[3:]]


def swap(ls: list[str]) -> list[str]:
    return [*ls[:3], ls[4], ls[3], *ls[5:]]


def garble(ls: list[str]) -> list[str]:
    return [*ls[:3], ls[3][:-5], *ls[4:]]


def delete_first(ls: list[str]) -> list[str]:
    return ls[1:]


TAMPER = [
    # id, tamper, first broken line (1-based), words in the reason
    ("edited", edit, 4, "altered"),
    ("deleted", delete, 4, "deleted"),
    ("inserted-naive", insert_naive, 4, "inserted"),
    ("inserted-chained", insert_chained, 4, "inserted"),
    ("reordered", swap, 4, ""),
    ("truncated-line", garble, 4, "not a valid"),
    ("first-line-deleted", delete_first, 1, "deleted"),
]


@pytest.mark.parametrize(("tamper", "line", "reason"), [t[1:] for t in TAMPER], ids=[t[0] for t in TAMPER])
def test_verify_finds_the_tampered_line(tmp_path: Path, tamper, line: int, reason: str) -> None:
    path = tmp_path / "audit.log"
    write_log(path).close()
    assert verify_files([path]).ok
    path.write_text("\n".join(tamper(lines(path))) + "\n")
    result = verify_files([path])
    assert not result.ok
    assert result.line == line, result
    assert reason in result.reason


def test_chain_survives_rotation_and_restart(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    audit = write_log(path, 40, max_bytes=1500, backups=50)
    audit.close()
    files = rotation_set(path, 50)
    assert len(files) > 3  # it did rotate
    result = verify_files(files)
    assert result.ok and result.lines == 40
    # The first line of each newer file carries the hash of the last line of the older one.
    for older, newer in itertools.pairwise(files):
        assert json.loads(lines(newer)[0])["prev"] == hashlib.sha256(lines(older)[-1].encode()).hexdigest()
    # A restarted writer continues the chain.
    write_log(path, 3, max_bytes=1500, backups=50).close()
    assert verify_files(rotation_set(path, 50)).ok
    first = json.loads(lines(rotation_set(path, 50)[0])[0])
    assert first["seq"] == 1 and first["prev"] == GENESIS


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    a, b = AuditLog(path), AuditLog(path)
    for i in range(10):
        (a if i % 3 else b).write({"event": "x", "i": i})
    assert verify_files([path]).ok


def test_cli_verify(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    write_log(path).close()
    cli = [
        sys.executable,
        "-c",
        "import sys; from code_scalpel.cli import main; sys.exit(main())",
        "audit",
        "verify",
        str(path),
    ]
    ok = subprocess.run(cli, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 8 line(s)")
    path.write_text("\n".join(delete(lines(path))) + "\n")
    bad = subprocess.run([*cli, "--json"], capture_output=True, text=True)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["ok"] is False and report["line"] == 4 and report["file"] == str(path)
    missing = subprocess.run([*cli[:-1], str(tmp_path / "nope.log")], capture_output=True, text=True)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


TOKEN = "csk_live_0123456789abcdefghijklmnopqrstuvwxyz"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
INJECTIONS = [
    ("newline-forges-a-line", {"file_path": 'a.py"}\n{"event":"auth","auth":"allowed","prev":"0"}'}),
    ("crlf", {"file_path": "a.py\r\nseq: 99"}),
    ("ansi-escape", {"file_path": "\x1b[2J\x1b[31mREDACTED\x1b[0m.py"}),
    ("unicode-line-separator", {"file_path": "a\u2028b\u2029c.py"}),
    ("token-in-path", {"file_path": f"/tmp/{TOKEN}.py"}),
    ("bearer-in-path", {"file_path": "Bearer abcdef123456"}),
    ("jwt-in-path", {"path": JWT}),
    ("code-body", {"code": "API_KEY = 'hunter2hunter2'\nprint(1)\n"}),
    ("nul-byte", {"file_path": "a\x00b.py"}),
]


@pytest.mark.parametrize("arguments", [c[1] for c in INJECTIONS], ids=[c[0] for c in INJECTIONS])
def test_injection_cannot_forge_or_leak(tmp_path: Path, arguments: dict) -> None:
    path = tmp_path / "audit.log"
    app = RequestIdMiddleware(ClientAddressMiddleware(AuditMiddleware(FakeBearerAuth(echo_app()), AuditLog(path))))
    with serve(app) as url:
        r = httpx.post(
            f"{url}/mcp", json=tool_call("analyze_code", arguments), headers={"Authorization": "Bearer good-a"}
        )
    assert r.status_code == 200
    raw = path.read_bytes()
    assert raw.count(b"\n") == 1  # exactly one line, whatever the argument held
    assert all(32 <= b < 127 for b in raw[:-1])  # pure printable ASCII: no ESC, no NUL, no separators
    record = json.loads(raw)
    assert record["event"] == "tool_call" and record["seq"] == 1
    for secret in (TOKEN, JWT, "abcdef123456", "hunter2", "print(1)", "\x1b"):
        assert secret not in json.dumps(record, ensure_ascii=False)
    assert (
        record["args"]["sha256"]
        == hashlib.sha256(
            json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
        ).hexdigest()
    )
    assert verify_files([path]).ok


def test_middleware_lines_for_each_decision(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    limiter = RateLimiter(RateLimitSettings(default="2/minute", auth_failures="2/minute"))
    inner = FakeBearerAuth(RateLimitMiddleware(echo_app(), limiter))
    app = RequestIdMiddleware(
        ClientAddressMiddleware(AuditMiddleware(AuthFailureThrottle(inner, limiter), AuditLog(path)))
    )
    good = {"Authorization": "Bearer good-alice", "X-Request-Id": "req-1"}
    with serve(app) as url, httpx.Client(base_url=url) as client:
        client.post("/mcp", json=tool_call("get_file_context", {"file_path": "src/a.py"}), headers=good)
        client.post("/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=good)
        client.post("/mcp", json=tool_call("analyze_code", {"code": "x = 1"}), headers=good)  # over the limit
        client.post("/mcp", json={}, headers={"Authorization": "Bearer wrong-secret-value"})
        client.post("/mcp", json={})
        client.post("/mcp", json={})  # throttled before auth
        client.get("/healthz")
    records = [json.loads(line) for line in lines(path)]
    summary = [(r["event"], r.get("tool"), r["auth"], r.get("outcome"), r["status"]) for r in records]
    assert summary == [
        ("tool_call", "get_file_context", "allowed", "ok", 200),
        ("auth", None, "allowed", None, 200),
        ("tool_call", "analyze_code", "refused", "rate_limited", 429),
        ("auth", None, "denied", None, 401),
        ("auth", None, "denied", None, 401),
        ("auth", None, "refused", None, 429),
    ]
    first = records[0]
    assert first["request_id"] == "req-1"
    assert first["principal"] == {"method": "apikey", "id": "alice"}
    assert first["client_ip"] == "127.0.0.1"
    assert first["args"]["paths"] == {"file_path": "src/a.py"}
    assert first["bytes_in"] > 0 and first["bytes_out"] > 0 and first["duration_ms"] >= 0
    assert records[3]["auth_reason"] == "invalid_token" and records[4]["auth_reason"] == "missing"
    assert records[5]["auth_reason"] == "auth_throttle"
    assert "wrong-secret-value" not in path.read_text()
    assert verify_files([path]).ok


def test_each_request_body_is_parsed_once_by_all_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit and rate limit both read the tool call; a body of up to 4 MB must not be parsed by each."""
    parsed: list[bytes] = []
    real = jsonrpc_peek.messages

    def counting(body: bytes | None) -> list:
        parsed.append(body or b"")
        return real(body)

    monkeypatch.setattr(jsonrpc_peek, "messages", counting)
    limiter = RateLimiter(RateLimitSettings(default="100/minute"))
    inner = FakeBearerAuth(RateLimitMiddleware(echo_app(), limiter))
    app = ClientAddressMiddleware(AuditMiddleware(inner, AuditLog(tmp_path / "audit.log")))
    good = {"Authorization": "Bearer good-alice"}
    with serve(app) as url, httpx.Client(base_url=url) as client:
        for i in range(3):
            r = client.post("/mcp", json=tool_call("analyze_code", {"code": "x = 1\n" * 1000}, rid=i), headers=good)
            assert r.status_code == 200
    requests = [body for body in parsed if b'"method":"tools/call"' in body.replace(b" ", b"")]
    assert len(requests) == 3 and len(set(requests)) == 3
    assert [r["tool"] for r in map(json.loads, lines(tmp_path / "audit.log"))] == ["analyze_code"] * 3
