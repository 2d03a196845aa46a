"""The security tools through a real server and the official MCP client, and the scan CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from license_support import license_args
from support import mcp_session

VIEW = textwrap.dedent("""
    import os
    from flask import Flask, request
    from helpers import run
    app = Flask(__name__)

    @app.route("/x")
    def x():
        run(request.args["cmd"])
        return "ok"
""")
HELPER = "import subprocess\n\ndef run(c):\n    subprocess.run(c, shell=True)\n"


def _tree(root: Path) -> Path:
    (root / "proj").mkdir(parents=True)
    (root / "proj" / "views.py").write_text(VIEW)
    (root / "proj" / "helpers.py").write_text(HELPER)
    (root / "proj" / "settings.py").write_text('GH = "' + "ghp_" + "Zq8vN2xK7pL4mR9tW3yH6cJ1bF5dG0sAeUoI" + '"\n')
    return root


@pytest.mark.anyio
async def test_tools_over_stdio(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root")
    # cross_file_security_scan is an Enterprise tool: the server runs under a real (test-signed) license.
    args = ["mcp", "--root", str(root), "--data-dir", str(tmp_path / "d"), *license_args(tmp_path / "lic")]
    async with mcp_session("stdio", args) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        for name in ("security_scan", "cross_file_security_scan", "scan_secrets"):
            assert tools[name].output_schema is not None and tools[name].annotations.read_only_hint is True

        one = await session.call_tool("security_scan", {"code": "import os, sys\nos.system(sys.argv[1])\n"})
        assert not one.is_error and one.structured_content["findings"][0]["rule_id"] == "command-injection"

        by_file = await session.call_tool("security_scan", {"file_path": "proj/helpers.py"})
        assert not by_file.is_error and by_file.structured_content["total"] == 0

        cross = await session.call_tool("cross_file_security_scan", {"project_root": "proj", "max_depth": 3})
        assert not cross.is_error
        finding = cross.structured_content["findings"][0]
        assert (finding["file"], finding["line"], finding["source"]["file"]) == ("helpers.py", 4, "views.py")

        found = await session.call_tool("scan_secrets", {"project_root": "proj"})
        assert found.structured_content["total"] == 1
        assert "Zq8vN2xK7pL4" not in json.dumps(found.structured_content) + str(found.content)

        for bad in ({"code": "x=1", "file_path": "proj/views.py"}, {"file_path": "../../etc/passwd"}):
            refused = await session.call_tool("security_scan", bad)
            assert refused.is_error
        with pytest.raises(MCPError, match="confidence_threshold"):
            await session.call_tool("security_scan", {"code": "x=1", "confidence_threshold": 2})
        outside = await session.call_tool("cross_file_security_scan", {"project_root": "/"})
        assert outside.is_error and "allowed roots" in str(outside.structured_content)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "code_scalpel", "scan", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["proj"], 1),  # findings at or above the default --fail-on low
        (["proj", "--fail-on", "critical"], 1),
        (["proj/helpers.py", "--no-secrets"], 0),
        (["proj/settings.py", "--fail-on", "critical"], 1),  # a GitHub token is critical
        (["proj/views.py", "--no-secrets", "--fail-on", "high"], 0),  # alone, views.py cannot see the helper
        (["missing"], 2),
        (["proj", "--confidence-threshold", "3"], 2),
        (["proj", "--baseline", "nope.json"], 2),
    ],
)
def test_cli_exit_codes(tmp_path: Path, args: list[str], code: int) -> None:
    root = _tree(tmp_path)
    done = _cli(*args, cwd=root)
    assert done.returncode == code, done.stderr + done.stdout


def test_cli_sarif_json_and_baseline(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    done = _cli("proj", "--sarif", "out.sarif", "--json", "--write-baseline", "base.json", cwd=root)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["findings"][0]["rule_id"] == "command-injection" and len(result["secrets"]) == 1
    sarif = json.loads((root / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    again = _cli("proj", "--baseline", "base.json", "--json", "--fail-on", "critical", cwd=root)
    assert json.loads(again.stdout)["secrets_suppressed_by_baseline"] == 1
    assert again.returncode == 1  # the command injection is still there
