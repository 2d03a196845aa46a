"""The project tools as the server runs them: sandboxed roots, limits, progress, cancellation, pages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from code_scalpel.errors import InvalidArgument, PathRefused, SymbolNotFound
from code_scalpel.project.registry import forget_all
from code_scalpel.sandbox import Sandbox
from code_scalpel.tool_limits import DEFAULT_LIMITS
from code_scalpel.tools.base import Cancelled, ToolContext
from code_scalpel.tools.project_tools import TOOLS
from code_scalpel.tools.registry import all_tools
from project_support import APP, write_tree

SPECS = {t.name: t for t in TOOLS}


@pytest.fixture(autouse=True)
def _fresh_indexes():
    forget_all()
    yield
    forget_all()


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = write_tree(
        tmp_path / "proj",
        {**APP, "pyproject.toml": '[project]\nname="app"\n[project.scripts]\napp = "app.core:main"\n'},
    )
    return ToolContext(sandbox=Sandbox([root]), data_dir=tmp_path / "data")


def call(ctx: ToolContext, name: str, **arguments):
    spec = SPECS[name]
    result = spec.run(spec.args.model_validate(arguments), ctx)
    json.dumps(result)  # structured content must be plain JSON
    assert spec.summarize(result)
    return result


def test_registered_with_costs() -> None:
    tools = all_tools()
    for name in SPECS:
        assert tools[name].read_only
    assert tools["get_call_graph"].cost > tools["get_symbol_references"].cost > tools["get_capabilities"].cost


def test_project_map(ctx: ToolContext) -> None:
    r = call(ctx, "get_project_map", include_complexity=True)
    assert {m["module"] for m in r["modules"]} == {"app", "app.core", "app.util", "app.other", "tests.test_app"}
    assert r["entry_points"]["console_scripts"] == [
        {"name": "app", "target": "app.core:main", "source": "pyproject.toml"}
    ]
    assert r["entry_points"]["main_blocks"][0]["module"] == "app.core"
    assert {"from": "app.core", "to": "app.util"} in r["import_graph"]
    assert r["import_cycles"] == []
    assert all("complexity_total" in m for m in r["modules"])


def test_import_cycles(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "cyc",
        {
            "a.py": "import b\n",
            "b.py": "from c import x\n",
            "c.py": "import a\nx = 1\n",
            "d.py": "import a\n",
            "p/__init__.py": "from .q import y\n",
            "p/q.py": "from . import r\ny = 1\n",
            "p/r.py": "import p.q\n",
        },
    )
    r = call(ToolContext(sandbox=Sandbox([root])), "get_project_map")
    assert r["import_cycles"] == [["a", "b", "c"], ["p.q", "p.r"]]


def test_crawl_paginates(ctx: ToolContext) -> None:
    first = call(ctx, "crawl_project", limit=2)
    assert first["total"] == 5 and len(first["files"]) == 2 and first["truncated"]
    rest = call(ctx, "crawl_project", limit=10, cursor=first["next_cursor"])
    assert len(rest["files"]) == 3 and not rest["truncated"] and rest["next_cursor"] is None
    excluded = call(ctx, "crawl_project", exclude_dirs=["tests"])
    assert excluded["total"] == 4


def test_call_graph_and_mermaid(ctx: ToolContext) -> None:
    r = call(ctx, "get_call_graph", entry_point="main", depth=2, output="mermaid")
    pairs = {(e["caller"], e["callee"]) for e in r["edges"]}
    assert pairs == {
        ("app.core.main", "app.core.Engine.__init__"),
        ("app.core.main", "app.core.Base.run"),
        ("app.core.Base.run", "app.core.Base.step"),
        ("app.core.Base.run", "app.core.Engine.step"),
    }
    assert r["mermaid"].startswith("graph TD") and "app.core.main" in r["mermaid"]
    deeper = call(ctx, "get_call_graph", entry_point="app.core.main", depth=3)
    assert ("app.core.Engine.step", "app.util.helper") in {(e["caller"], e["callee"]) for e in deeper["edges"]}


def test_call_graph_limits_are_reported(ctx: ToolContext) -> None:
    small = replace(ctx, limits=replace(DEFAULT_LIMITS, max_callgraph_depth=1, max_callgraph_nodes=2))
    r = call(small, "get_call_graph", entry_point="app.core.main", depth=5)
    assert r["truncated"] and r["limited_by"] in {"max_callgraph_depth", "max_callgraph_nodes"}
    full = call(small, "get_call_graph")
    assert full["truncated"] and full["limited_by"] == "max_callgraph_nodes"


def test_neighborhood(ctx: ToolContext) -> None:
    r = call(ctx, "get_graph_neighborhood", center_node_id="Engine.step", k=1, direction="both")
    ids = {n["id"] for n in r["nodes"]}
    assert ids == {"app.core.Engine.step", "app.core.Base.run", "app.util.helper", "app.util.Tool.use"}
    inbound = call(ctx, "get_graph_neighborhood", center_node_id="app.util.helper", k=1, direction="in")
    assert {n["id"] for n in inbound["nodes"]} == {
        "app.util.helper", "app.util.Tool.use", "app.core.Engine.step", "tests.test_app.test_it",
    }  # fmt: skip
    capped = call(ctx, "get_graph_neighborhood", center_node_id="app.util.helper", k=2, max_nodes=2)
    assert capped["truncated"] and len(capped["nodes"]) == 2


def test_references_and_dependencies(ctx: ToolContext) -> None:
    r = call(ctx, "get_symbol_references", symbol_name="Tool.use")
    assert [(e["file"], e["kind"]) for e in r["references"]] == [("app/util.py", "definition"), ("app/core.py", "call")]
    d = call(ctx, "get_cross_file_dependencies", target_file="app/core.py", target_symbol="Engine.step")
    assert {x["symbol"] for x in d["dependencies"]} == {"app.util.helper", "app.util.LIMIT", "app.util.Tool.use"}


@pytest.mark.parametrize(
    ("name", "arguments", "error"),
    [
        ("get_project_map", {"project_root": "/"}, PathRefused),
        ("crawl_project", {"root_path": "../.."}, PathRefused),
        ("get_call_graph", {"entry_point": "no_such_function"}, SymbolNotFound),
        ("get_call_graph", {"entry_point": "helper"}, InvalidArgument),  # ambiguous: two helpers
        ("get_graph_neighborhood", {"center_node_id": "nope"}, SymbolNotFound),
        ("get_cross_file_dependencies", {"target_file": "/etc/passwd", "target_symbol": "x"}, PathRefused),
        ("get_cross_file_dependencies", {"target_file": "app/core.py", "target_symbol": "Nope"}, SymbolNotFound),
        ("get_cross_file_dependencies", {"target_file": "pyproject.toml", "target_symbol": "x"}, InvalidArgument),
        ("get_symbol_references", {"symbol_name": "Nope"}, SymbolNotFound),
        ("get_symbol_references", {"symbol_name": "helper", "cursor": "x"}, InvalidArgument),
    ],
)
def test_bad_input(ctx: ToolContext, name: str, arguments: dict, error: type) -> None:
    with pytest.raises(error):
        call(ctx, name, **arguments)


def test_progress_is_reported_and_cache_lands_in_data_dir(ctx: ToolContext) -> None:
    seen = []
    ctx.progress = lambda done, total, message: seen.append((done, total, message))
    call(ctx, "get_call_graph")
    assert any("parsed" in m for _, _, m in seen) and any("resolved" in m for _, _, m in seen)
    assert seen[-1][0] == seen[-1][1]
    assert list((ctx.data_dir / "index").glob("*.sqlite"))


def test_cancellation_stops_the_build(ctx: ToolContext) -> None:
    ctx.cancelled.set()
    ctx.progress = lambda *a: None
    with pytest.raises(Cancelled):
        call(ctx, "get_project_map")


def test_concurrent_calls_on_one_root_agree(ctx: ToolContext) -> None:
    from concurrent.futures import ThreadPoolExecutor

    jobs = [
        ("get_symbol_references", {"symbol_name": "app.util.helper"}),
        ("get_call_graph", {}),
        ("get_graph_neighborhood", {"center_node_id": "app.util.helper"}),
        ("get_cross_file_dependencies", {"target_file": "app/core.py", "target_symbol": "Engine"}),
    ] * 4
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda job: call(ctx, job[0], **job[1]), jobs))
    for i, result in enumerate(results[4:], start=4):
        assert result == results[i % 4]
