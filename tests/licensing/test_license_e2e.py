"""End to end over MCP with the official client: the same server under no license, Pro and Enterprise.

Real subprocess servers, real licenses signed by a key made in the test, the
public key passed with ``--license-public-key``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

from code_scalpel.licensing.license import iso
from code_scalpel.licensing.tiers import load_tiers
from support import free_port, mcp_session

pytestmark = pytest.mark.anyio

HERE = Path(__file__).parent
#: The real CLI, with the tool registry narrowed to get_capabilities + the probes.
WRAPPER = (
    "import sys; import code_scalpel.tools.registry as r; "
    "r.TOOL_MODULES = ('code_scalpel.tools.capabilities', 'probe_tools'); "
    "from code_scalpel.cli import main; sys.exit(main(sys.argv[1:]))"
)
PROBES = {"get_capabilities", "get_symbol_references", "get_file_context", "crawl_project", "cross_file_security_scan"}


def server_env(tmp: Path) -> dict[str, str]:
    # Isolated from the real user's config directory and license variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODE_SCALPEL_LICENSE")}
    return {**env, "PYTHONPATH": str(HERE), "XDG_CONFIG_HOME": str(tmp / "xdg"), "CODE_SCALPEL_HOME": str(tmp / "d")}


def server_args(tmp: Path, vendor: Any, license_file: Path | None, *extra: str) -> list[str]:
    args = ["mcp", "--root", str(tmp), "--license-public-key", str(vendor.public_file), *extra]
    return [*args, "--license-file", str(license_file)] if license_file else args


@contextlib.asynccontextmanager
async def stdio_session(tmp: Path, args: list[str], errlog: Path) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=["-c", WRAPPER, *args], env=server_env(tmp))
    with open(errlog, "w") as err:
        async with stdio_client(params, errlog=err) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


@contextlib.contextmanager
def http_server(tmp: Path, args: list[str]) -> Iterator[tuple[str, Path]]:
    port = free_port()
    errlog = tmp / f"server-{port}.err"
    cmd = [sys.executable, "-c", WRAPPER, *args, "--transport", "streamable-http", "--port", str(port)]
    with open(errlog, "wb") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env=server_env(tmp)
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, errlog.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, errlog.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp", errlog
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def listed(session: ClientSession) -> set[str]:
    return {t.name for t in (await session.list_tools()).tools}


async def wait_for(session: ClientSession, predicate: Any, what: str, timeout: float = 20) -> set[str]:
    """Poll tools/list until ``predicate(names)``; generous deadline, no timing is asserted."""
    with anyio.fail_after(timeout):
        while True:
            names = await listed(session)
            if predicate(names):
                return names
            await anyio.sleep(0.2)
    raise AssertionError(what)


def write_license(path: Path, token: str) -> Path:
    tmp = path.with_suffix(".new")
    tmp.write_text(token)
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return path


@pytest.mark.parametrize("tier", [None, "pro", "enterprise"])
async def test_same_server_under_each_tier(tmp_path: Path, vendor: Any, tier: str | None) -> None:
    table = load_tiers()
    effective = tier or "community"
    policy = table.get(effective)
    lic = write_license(tmp_path / "license.jwt", vendor.issue(tier=tier, sub="ACME")) if tier else None
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * (2 * 1024 * 1024 // 6))  # 2 MiB: over community's 1 MiB, under pro's 10 MiB
    errlog = tmp_path / "stderr.txt"
    async with stdio_session(tmp_path, server_args(tmp_path, vendor, lic), errlog) as session:
        # tools/list: exactly the probes this tier offers.
        assert await listed(session) == PROBES & policy.tools

        # A tool above the tier: refused with the tier that has it.
        for name in sorted(PROBES - policy.tools):
            with pytest.raises(MCPError) as refused:
                await session.call_tool(name, {})
            needed = table.lowest_tier_with(name)
            assert f"needs the {needed} tier" in str(refused.value)
            assert refused.value.error.data["required_tier"] == needed

        # get_capabilities: tier, customer, expiry and every limit in force.
        caps = (await session.call_tool("get_capabilities", {})).structured_content
        assert caps["tier"] == effective and caps["license"]["tier"] == effective
        assert caps["limits"] == caps["license"]["limits"] == policy.limits.as_dict()
        assert caps["license"]["customer"] == ("ACME" if tier else None)
        assert (caps["license"]["expires_at"] is not None) == bool(tier)
        assert set(caps["tools"]) == PROBES & policy.tools

        # A result cut by a limit says which, and which tier lifts it.
        cap = policy.limits.max_references
        result = (await session.call_tool("get_symbol_references", {"count": cap + 1})).structured_content
        assert len(result["references"]) == cap and result["truncated"] is True
        assert result["limit"] == "max_references" and result["tier"] == effective
        assert result["lifted_by"] == table.tier_lifting("max_references", effective)
        small = (await session.call_tool("get_symbol_references", {"count": 3})).structured_content
        assert small == {"references": [0, 1, 2], "total": 3, "truncated": False, "tier": effective}

        # The file-size limit of the tier, enforced by the real sandbox read.
        read = await session.call_tool("get_file_context", {"file_path": "big.py"})
        too_large = big.stat().st_size > policy.limits.max_file_bytes
        assert read.is_error == too_large
        assert read.structured_content["tier"] == effective
        if too_large:
            assert read.structured_content["error"]["limit"] == "max_file_bytes"
            assert read.structured_content["error"]["lifted_by"] == "pro"

    stderr = errlog.read_text()
    startup = [line for line in stderr.splitlines() if " code_scalpel.license: " in line]
    assert len(startup) == 1 and "Traceback" not in stderr
    assert (f"tier {effective}" if tier else "running the community tier") in startup[0]


async def capabilities(session: ClientSession) -> dict[str, Any]:
    return (await session.call_tool("get_capabilities", {})).structured_content


async def test_license_expiring_while_running_downgrades_the_server(tmp_path: Path, vendor: Any) -> None:
    lic = write_license(tmp_path / "license.jwt", vendor.issue(tier="pro", jti="long"))
    with http_server(tmp_path, server_args(tmp_path, vendor, lic, "--license-grace", "0s")) as (url, errlog):
        async with mcp_session("http", url) as session:
            assert (await session.call_tool("crawl_project", {})).structured_content == {"ok": True, "tier": "pro"}
            # Once the server is up (start-up time must not eat the validity), swap in a license expiring soon.
            exp = int(time.time()) + 6
            write_license(lic, vendor.issue(tier="pro", jti="short", expires_at=exp))
            with anyio.fail_after(20):
                while (await capabilities(session))["license"]["license_id"] != "short":
                    await anyio.sleep(0.2)
            await wait_for(session, lambda names: "crawl_project" not in names, "the license never expired")
            with pytest.raises(MCPError, match="needs the pro tier; this server runs the community tier"):
                await session.call_tool("crawl_project", {})
            caps = (await session.call_tool("get_capabilities", {})).structured_content
            assert (caps["license"]["tier"], caps["license"]["status"]) == ("community", "invalid")
            assert "license expired on" in caps["license"]["reason"]
            assert caps["limits"]["max_references"] == load_tiers().get("community").limits.max_references
    # The short license was in force (pro), then expired while the server ran.
    lines = errlog.read_text().splitlines()
    valid = next(
        i
        for i, line in enumerate(lines)
        if f"tier pro for 'ACME Corp' in force — license valid until {iso(exp)}" in line
    )
    assert any(f"license expired on {iso(exp)}; running the community tier" in line for line in lines[valid + 1 :])


async def test_replaced_license_file_is_picked_up(tmp_path: Path, vendor: Any) -> None:
    lic = write_license(tmp_path / "license.jwt", vendor.issue(tier="pro"))
    errlog = tmp_path / "stderr.txt"
    async with stdio_session(tmp_path, server_args(tmp_path, vendor, lic), errlog) as session:
        assert "cross_file_security_scan" not in await listed(session)
        write_license(lic, vendor.issue(tier="enterprise", sub="ACME upgraded"))
        await wait_for(session, lambda names: "cross_file_security_scan" in names, "the new file was not picked up")
        result = await session.call_tool("cross_file_security_scan", {})
        assert result.structured_content == {"ok": True, "tier": "enterprise"}
        lic.write_text("corrupted")  # a broken replacement downgrades, it does not crash
        await wait_for(session, lambda names: "crawl_project" not in names, "the broken file was not noticed")
        assert (await session.call_tool("get_symbol_references", {"count": 1})).structured_content[
            "tier"
        ] == "community"
    assert "not a well-formed JWT" in errlog.read_text()


def test_every_registered_tool_is_in_the_tier_table() -> None:
    """A tool missing from tiers.toml would be offered by no tier: catch it at merge time."""
    from code_scalpel.tools.registry import all_tools

    missing = set(all_tools()) - load_tiers().all_tools()
    assert not missing, f"add {sorted(missing)} to src/code_scalpel/licensing/tiers.toml"


async def test_license_support_helper_unlocks_a_tier(tmp_path: Path) -> None:
    """The helper other suites use to run their Pro/Enterprise tools."""
    from license_support import license_args

    args = ["mcp", "--root", str(tmp_path), *license_args(tmp_path / "lic", "enterprise")]
    async with stdio_session(tmp_path, args, tmp_path / "err.txt") as session:
        assert "cross_file_security_scan" in await listed(session)


@pytest.mark.parametrize("tier", [None, "pro"])
async def test_real_analysis_tools_follow_the_tier(tmp_path: Path, vendor: Any, tier: str | None) -> None:
    """The real server and real tools: limits of the tier reach analyze_code, cuts name the tier that lifts them."""
    table = load_tiers()
    effective = tier or "community"
    limits = table.get(effective).limits
    many = limits.max_symbols + 1 if tier is None else table.get("community").limits.max_symbols + 1
    (tmp_path / "many.py").write_text("".join(f"def f{i}():\n    pass\n" for i in range(many)))
    (tmp_path / "big.py").write_text("# padding\n" * (2 * 1024 * 1024 // 10) + "def g():\n    pass\n")  # 2 MiB
    lic = write_license(tmp_path / "license.jwt", vendor.issue(tier=tier)) if tier else None
    args = server_args(tmp_path, vendor, lic, "--data-dir", str(tmp_path / "d"))
    async with mcp_session("stdio", args, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) as session:
        result = (await session.call_tool("analyze_code", {"file_path": "many.py"})).structured_content
        assert result["tier"] == effective
        if tier is None:
            assert result["truncated"] is True and result["limit"] == {"max_symbols": limits.max_symbols}
            assert result["lifted_by"] == "pro" and len(result["functions"]) == limits.max_symbols
        else:
            assert result["truncated"] is False and "lifted_by" not in result and len(result["functions"]) == many
        big = await session.call_tool("analyze_code", {"file_path": "big.py"})
        assert big.structured_content["tier"] == effective
        assert big.is_error == (tier is None)
        if tier is None:
            assert big.structured_content["error"]["limit"] == "max_file_bytes"
            assert big.structured_content["error"]["lifted_by"] == "pro"


@pytest.mark.parametrize("tier", [None, "pro"])
async def test_real_references_cut_by_the_tier_name_who_lifts_it(tmp_path: Path, vendor: Any, tier: str | None) -> None:
    cap = load_tiers().get("community").limits.max_references
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "lib.py").write_text("def target():\n    return 1\n")
    # One reference per line, spread over files: more than community's max_references, fewer than pro's.
    for n in range(3):
        calls = "".join(f"    target()  # {n}-{i}\n" for i in range(cap // 2))
        (proj / f"use{n}.py").write_text(f"from lib import target\n\n\ndef use():\n{calls}")
    lic = write_license(tmp_path / "license.jwt", vendor.issue(tier=tier)) if tier else None
    args = [*server_args(proj, vendor, lic), "--data-dir", str(tmp_path / "d")]
    async with mcp_session("stdio", args, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) as session:
        result = await session.call_tool("get_symbol_references", {"symbol_name": "target", "limit": 10})
        refs = result.structured_content
    assert not result.is_error, refs
    assert refs["tier"] == (tier or "community")
    if tier is None:
        assert (refs["total"], refs["limited_by"], refs["lifted_by"]) == (cap, "max_references", "pro")
    else:
        assert refs["total"] > cap and "limited_by" not in refs and "lifted_by" not in refs
