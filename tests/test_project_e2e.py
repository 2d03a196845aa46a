"""The project tools through the real server and the official MCP client, with progress notifications."""

from __future__ import annotations

from pathlib import Path

import pytest

from license_support import license_args
from project_support import APP, write_tree
from support import http_server, mcp_session

pytestmark = pytest.mark.anyio


async def _exercise(session, data_dir: Path) -> None:
    names = {t.name for t in (await session.list_tools()).tools}
    assert {"get_symbol_references", "get_project_map", "crawl_project", "get_call_graph",
            "get_graph_neighborhood", "get_cross_file_dependencies"} <= names  # fmt: skip
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    result = await session.call_tool("get_call_graph", {"entry_point": "app.core.main"}, progress_callback=on_progress)
    assert not result.is_error, result.content
    pairs = {(e["caller"], e["callee"]) for e in result.structured_content["edges"]}
    assert ("app.core.Engine.step", "app.util.helper") in pairs
    assert updates and any("parsed" in (m or "") for _, _, m in updates)
    refs = await session.call_tool("get_symbol_references", {"symbol_name": "app.util.helper", "limit": 2})
    assert refs.structured_content["total"] == 6 and refs.structured_content["next_cursor"] == "2"
    bad = await session.call_tool("get_project_map", {"project_root": "/"})
    assert bad.is_error and bad.structured_content["error"]["code"] == "path_refused"
    still = await session.call_tool("crawl_project", {})
    assert not still.is_error and still.structured_content["total"] == len(APP)
    assert list((data_dir / "index").glob("*.sqlite"))


async def test_stdio(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", APP)
    data = tmp_path / "data"
    # crawl_project and the graph tools are Pro tools: the server runs under a real (test-signed) license.
    args = ["mcp", "--root", str(root), "--data-dir", str(data), *license_args(tmp_path / "lic", "pro")]
    async with mcp_session("stdio", args) as session:
        await _exercise(session, data)


async def test_streamable_http(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", APP)
    with http_server(tmp_path, *license_args(tmp_path / "lic", "pro"), root=root) as server:
        async with mcp_session("http", server.base_url + "/mcp") as session:
            await _exercise(session, tmp_path / "data")
