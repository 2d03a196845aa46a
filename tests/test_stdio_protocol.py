"""stdio: stdout carries JSON-RPC and nothing else, and bad input never stops the server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from license_support import license_args
from support import SERVER_CMD

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}  # fmt: skip

BAD_THEN_GOOD = [
    ("{not json", None),
    ('{"jsonrpc": "2.0", "id": 10, "method": "no/such/method"}', 10),
    ('{"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "no_such_tool"}}', 11),
    (
        '{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"name": "get_capabilities", '
        '"arguments": {"unexpected": 1}}}',
        12,
    ),
    ('{"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": "not an object"}', 13),
    ("[1, 2, 3]", None),
    ('{"jsonrpc": "2.0", "id": 14, "method": "ping"}', 14),
]


def _converse(args: list[str], lines: list[str], last_id: int) -> tuple[dict[object, dict], list[str], str]:
    """Send ``lines`` to a stdio server; read until the answer to ``last_id``: (answers by id, stdout lines, stderr).

    Every stdout line must be JSON-RPC, and nothing may follow the last answer.
    """
    proc = subprocess.Popen(
        [*SERVER_CMD, "mcp", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n".join([json.dumps(INIT), '{"jsonrpc": "2.0", "method": "notifications/initialized"}', *lines]))
    proc.stdin.write("\n")
    proc.stdin.flush()
    responses: dict[object, dict] = {}
    stdout_lines = []
    # Keep stdin open, as a client does, until the last answer arrives.
    while last_id not in responses:
        raw = proc.stdout.readline()
        assert raw, f"server closed stdout early; stderr: {proc.stderr.read() if proc.stderr else ''}"
        stdout_lines.append(raw)
        message = json.loads(raw)  # every stdout line is JSON...
        assert message["jsonrpc"] == "2.0"  # ...and JSON-RPC
        responses.setdefault(message.get("id"), message)
    proc.stdin.close()
    proc.wait(timeout=60)
    assert proc.stdout.read() == ""
    return responses, stdout_lines, proc.stderr.read() if proc.stderr else ""


def test_stdout_is_only_json_rpc_and_errors_are_precise(tmp_path: Path) -> None:
    args = ["--root", str(tmp_path), "--data-dir", str(tmp_path / "d"), "--log-level", "DEBUG"]
    responses, stdout_lines, stderr = _converse(args, [line for line, _ in BAD_THEN_GOOD], 14)
    assert "DEBUG" in stderr
    assert responses[1]["result"]["serverInfo"]["name"] == "code-scalpel"
    assert responses[10]["error"]["code"] == -32601
    assert "no_such_tool" in responses[11]["error"]["message"]
    assert responses[11]["error"]["code"] == -32602
    assert "unexpected" in responses[12]["error"]["message"]
    assert responses[13]["error"]["code"] == -32600
    assert responses[None]["error"]["code"] == -32700  # the unparseable line
    assert sum(1 for line in stdout_lines if '"id":null' in line) == 2  # parse error and the bare array
    assert responses[14]["result"] == {}  # still serving after all of the above


def test_a_big_build_under_stdio_keeps_stdout_json_rpc(tmp_path: Path) -> None:
    """160 modules: parsed in the pool and resolved in forked shares, whose exit must flush nothing to stdout."""
    root = tmp_path / "p"
    root.mkdir()
    for i in range(160):
        (root / f"m{i}.py").write_text(
            f"import m{max(i - 1, 0)}\ndef f{i}(cb):\n    cb()\n    m{max(i - 1, 0)}.f{max(i - 1, 0)}(f{i})\n"
        )
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_call_graph", "arguments": {}}}
    args = ["--root", str(root), "--data-dir", str(tmp_path / "d"), *license_args(tmp_path, "pro")]
    responses, _, _ = _converse(args, [json.dumps(call)], 2)
    assert "result" in responses[2], responses[2]
    assert not responses[2]["result"]["isError"]
    result = responses[2]["result"]["structuredContent"]
    assert result["total"] >= 2 * 159  # f_i -> m_{i-1}.f_{i-1} and f_i -> f_{i-1} through cb, across the shares
