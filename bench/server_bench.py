"""Start-up, idle memory and per-call overhead of ``codescalpel mcp`` over stdio.

Each figure is printed beside a baseline measured in the same run, because the
machine is shared and noisy:
- cold start (spawn → initialize + tools/list answered) against ``python -c 'import mcp'``;
- idle RSS after start-up against the RSS of a process that only imported ``mcp``;
- a trivial tool call's round trip against an MCP ``ping`` on the same connection.

Run: ``python bench/server_bench.py [--runs 7] [--calls 400]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

INIT = {
    "jsonrpc": "2.0", "id": 0, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}  # fmt: skip


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class StdioServer:
    def __init__(self, root: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "code_scalpel", "mcp", "--root", root, "--data-dir", os.path.join(root, ".d"),
             "--log-level", "ERROR"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
        )  # fmt: skip
        self.next_id = 1

    def request(self, method: str, params: dict | None = None) -> dict:
        message: dict = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.next_id += 1
        return self.send(message)

    def send(self, message: dict) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        if "id" not in message:
            return {}
        while True:
            reply = json.loads(self.proc.stdout.readline())
            if reply.get("id") == message["id"]:
                return reply

    def start(self) -> None:
        self.send(INIT)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.request("tools/list")

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def cold_start(root: str) -> float:
    started = time.perf_counter()
    server = StdioServer(root)
    server.start()
    elapsed = time.perf_counter() - started
    server.close()
    return elapsed


def import_mcp() -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", "import mcp, os; print(open('/proc/self/status').read())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    rss = next(int(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("VmRSS:"))
    return elapsed, rss


def per_call(server: StdioServer, method: str, params: dict | None, calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        reply = server.request(method, params)
        samples.append(time.perf_counter() - started)
        assert "error" not in reply and not reply.get("result", {}).get("isError"), reply
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "tiny.py"), "w") as handle:
            handle.write("def f(x):\n    return x + 1\n")
        starts, bases, base_rss = [], [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            elapsed, rss = import_mcp()
            bases.append(elapsed)
            base_rss.append(rss)
            starts.append(cold_start(root))
        server = StdioServer(root)
        server.start()
        time.sleep(0.5)
        idle = rss_kib(server.proc.pid)
        tools = {t["name"] for t in server.request("tools/list")["result"]["tools"]}
        trivial = [("get_capabilities", {})]
        if "analyze_code" in tools:
            trivial.append(("analyze_code", {"code": "x = 1\n"}))
        if "get_file_context" in tools:
            trivial.append(("get_file_context", {"file_path": "tiny.py"}))
        rows = []
        for name, arguments in trivial:
            ping = per_call(server, "ping", None, args.calls)
            call = per_call(server, "tools/call", {"name": name, "arguments": arguments}, args.calls)
            rows.append((name, call, ping))
        server.close()

    start, base = statistics.median(starts), statistics.median(bases)
    print(
        f"cold start (initialize + tools/list): {start * 1000:7.1f} ms   import mcp: {base * 1000:7.1f} ms   "
        f"ratio {start / base:4.2f}   extra {1000 * (start - base):+6.1f} ms (target < +200 ms)"
    )
    mcp_rss = statistics.median(base_rss)
    print(
        f"idle RSS:                             {idle / 1024:7.1f} MiB  import mcp: {mcp_rss / 1024:7.1f} MiB  "
        f"ratio {idle / mcp_rss:4.2f}   extra {(idle - mcp_rss) / 1024:+6.1f} MiB (target < +15 MiB)"
    )
    for name, call, ping in rows:
        print(
            f"round trip {name:<26} {call * 1000:7.3f} ms   ping:      {ping * 1000:7.3f} ms   "
            f"ratio {call / ping:4.2f}   extra {1000 * (call - ping):+6.3f} ms (target < +2 ms)"
        )


if __name__ == "__main__":
    main()
